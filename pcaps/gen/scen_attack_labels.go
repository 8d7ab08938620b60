package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// Files of the attack scenario, relative to pcaps/.
const (
	scenNormalFile  = "scenarios/normal.pcap"
	scenSuspectFile = "scenarios/suspect.pcap"
	scenLabelsFile  = "scenarios/labels.json"
)

// attackLabel is one alert an injected attack must raise: the rule, its
// source and destination IPs when the alert names them, and the packet
// time span [Time, End] within which the alert's first_seen falls.
// Several labels share an attack when it raises several alerts.
type attackLabel struct {
	Attack      string    `json:"attack"`
	Rule        string    `json:"rule"`
	Time        time.Time `json:"time"`
	End         time.Time `json:"end"`
	Source      string    `json:"source_ip,omitempty"`
	Destination string    `json:"destination_ip,omitempty"`
	Description string    `json:"description"`
}

// scenLabelsDoc is labels.json.
type scenLabelsDoc struct {
	Normal  string `json:"normal"`
	Suspect string `json:"suspect"`
	// Background lists the rules the normal capture raises by itself
	// (in both captures): they are not attacks.
	Background []string      `json:"background"`
	Labels     []attackLabel `json:"labels"`
}

// scenBackground: the sensors and the historian's subscriber log in to
// the broker with a user name and password over plain TCP 1883, so that
// the baseline can learn MQTT client ids and topics; this raises
// mqtt.plaintext_credentials in both captures.
var scenBackground = []string{"mqtt.plaintext_credentials"}

// lb is a label's rule and IPs (nil: not named).
type lb struct {
	rule     string
	src, dst net.IP
}

// scenLabels collects the labels of the suspect capture.
type scenLabels struct {
	start time.Time
	list  []attackLabel
}

func (l *scenLabels) add(attack, desc string, from, to time.Time, labels ...lb) {
	for _, x := range labels {
		a := attackLabel{Attack: attack, Rule: x.rule, Time: from.UTC(), End: to.UTC(), Description: desc}
		if x.src != nil {
			a.Source = x.src.String()
		}
		if x.dst != nil {
			a.Destination = x.dst.String()
		}
		l.list = append(l.list, a)
	}
}

// scenLabelsJSON renders labels.json: it builds the suspect capture
// (into nothing) to collect its labels.
func scenLabelsJSON() ([]byte, error) {
	sink, err := synth.NewPcapSink(io.Discard, synth.LinkEthernet, false)
	if err != nil {
		return nil, err
	}
	t := synth.NewTrace(sink, synth.LinkEthernet, synth.BaseTime)
	labels := attackScenario(t, true)
	if err := t.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(labels, func(a, b attackLabel) int { return a.Time.Compare(b.Time) })
	doc := scenLabelsDoc{Normal: "normal.pcap", Suspect: "suspect.pcap", Background: scenBackground, Labels: labels}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeScenarioLabels writes labels.json under dir.
func writeScenarioLabels(dir string) (string, error) {
	b, err := scenLabelsJSON()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, scenLabelsFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	return scenLabelsFile, os.WriteFile(path, b, 0o644)
}
