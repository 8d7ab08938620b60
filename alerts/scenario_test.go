package alerts_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts"
)

// scenarioDir holds the attack scenario written by pcaps/gen
// (scen_attack*.go): a normal capture, a suspect one with attacks
// injected at known times, and their labels.
var scenarioDir = filepath.Join("..", "pcaps", "scenarios")

// scenarioLabel is one alert an injected attack must raise (labels.json).
type scenarioLabel struct {
	Attack      string    `json:"attack"`
	Rule        string    `json:"rule"`
	Time        time.Time `json:"time"`
	End         time.Time `json:"end"`
	Source      string    `json:"source_ip"`
	Destination string    `json:"destination_ip"`
	Description string    `json:"description"`
}

type scenarioDoc struct {
	Normal     string          `json:"normal"`
	Suspect    string          `json:"suspect"`
	Background []string        `json:"background"`
	Labels     []scenarioLabel `json:"labels"`
}

// Matching slack around a label's span: packet times of an alert's first
// firing are those of the flow's first packet or of the event, so a
// second covers clock drift between scheduled actions.
const (
	labelSlackBefore = time.Second
	labelSlackAfter  = 2 * time.Second
)

// matches reports whether a is the alert l announces: same rule, same
// source and destination IPs where l names them, first seen within l's
// span.
func (l *scenarioLabel) matches(a *alerts.Alert) bool {
	return a.Rule == l.Rule &&
		(l.Source == "" || a.Source.IP.String() == l.Source) &&
		(l.Destination == "" || a.Destination.IP.String() == l.Destination) &&
		!a.First.Before(l.Time.Add(-labelSlackBefore)) && !a.First.After(l.End.Add(labelSlackAfter))
}

// scenarioRow is one rule's line of the precision/recall table.
type scenarioRow struct {
	rule                   string
	labels, found          int // labels, labels matched by an alert
	alerts, matched        int // alerts (not background), alerts matching a label
	implemented, hasLabels bool
}

func (r *scenarioRow) precision() string {
	if r.alerts == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(r.matched)/float64(r.alerts))
}

func (r *scenarioRow) recall() string {
	if r.labels == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(r.found)/float64(r.labels))
}

// TestScenario learns the normal capture (Config.Learn), locks the
// baseline and replays the normal capture again (no policy alert, no
// alert id it did not raise while learning), then replays the suspect
// capture and matches its alerts to the labels: per rule, true positives
// (labels found), false positives (alerts that match no label and were
// not raised by the normal capture) and false negatives (labels not
// found). It fails on any missed label of an implemented rule and on any
// false positive of a rule that has labels. Labels of rules not in
// alerts.Detections are reported as not implemented yet and not counted.
// Every detection of the engine must be in the scenario: labelled, or a
// background rule (the sensor.* detections are raised by the forwarder,
// outside the engine).
func TestScenario(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(scenarioDir, "labels.json"))
	if err != nil {
		t.Fatalf("%v: run go run ./pcaps/gen", err)
	}
	var doc scenarioDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Labels) == 0 {
		t.Fatal("labels.json has no labels")
	}
	normal := filepath.Join(scenarioDir, doc.Normal)
	suspect := filepath.Join(scenarioDir, doc.Suspect)
	catalogue := map[string]bool{}
	for _, d := range alerts.Detections {
		catalogue[d.Rule] = true
	}

	b := alerts.NewBaseline(alerts.BaselineConfig{})
	learnt := replayBaseline(t, b, true, normal)
	for _, a := range policyAlerts(learnt) {
		t.Errorf("learning raised policy alert %s %q", a.Rule, a.Title)
	}
	background := map[string]bool{}
	bgRules := map[string]bool{}
	for _, a := range learnt {
		background[a.ID] = true
		bgRules[a.Rule] = true
		t.Logf("background (normal capture): %s %q %v -> %v count %d", a.Rule, a.Title, a.Source.IP, a.Destination.IP, a.Count)
	}
	for r := range bgRules {
		if !slices.Contains(doc.Background, r) {
			t.Errorf("the normal capture raises %s, which labels.json does not list as background", r)
		}
	}
	st := b.Status()
	b.Lock(st.Last)
	for _, a := range replayBaseline(t, b, false, normal) {
		if a.Engine == alerts.EnginePolicy {
			t.Errorf("normal replayed again: policy alert %s %q %v -> %v", a.Rule, a.Title, a.Source.IP, a.Destination.IP)
		} else if !background[a.ID] {
			t.Errorf("normal replayed again: new alert %s %q %v -> %v", a.Rule, a.Title, a.Source.IP, a.Destination.IP)
		}
	}

	got := replayBaseline(t, b, false, suspect)
	rows := map[string]*scenarioRow{}
	row := func(rule string) *scenarioRow {
		r := rows[rule]
		if r == nil {
			r = &scenarioRow{rule: rule, implemented: catalogue[rule]}
			rows[rule] = r
		}
		return r
	}
	var notImpl []string
	for i := range doc.Labels {
		l := &doc.Labels[i]
		r := row(l.Rule)
		r.hasLabels = true
		if !r.implemented {
			notImpl = append(notImpl, l.Rule)
			continue
		}
		r.labels++
		if slices.ContainsFunc(got, l.matches) {
			r.found++
		} else {
			t.Errorf("missed: %s %s %s -> %s within %v-%v (%s)", l.Attack, l.Rule, l.Source, l.Destination,
				l.Time.Format(time.TimeOnly), l.End.Format(time.TimeOnly), l.Description)
		}
	}
	for _, d := range alerts.Detections {
		if r := rows[d.Rule]; (r == nil || !r.hasLabels) && !slices.Contains(doc.Background, d.Rule) && !strings.HasPrefix(d.Rule, "sensor.") {
			t.Errorf("detection %s is not in the scenario: no label, not background", d.Rule)
		}
	}
	bg := 0
	for _, a := range got {
		if background[a.ID] {
			bg++
			continue
		}
		r := row(a.Rule)
		r.alerts++
		if slices.ContainsFunc(doc.Labels, func(l scenarioLabel) bool { return l.matches(a) }) {
			r.matched++
			continue
		}
		if r.hasLabels {
			t.Errorf("false positive: %s %q %v -> %v first seen %v", a.Rule, a.Title, a.Source.IP, a.Destination.IP, a.First.Format(time.TimeOnly))
		} else {
			t.Logf("unlabelled alert: %s %q %v -> %v first seen %v", a.Rule, a.Title, a.Source.IP, a.Destination.IP, a.First.Format(time.TimeOnly))
		}
	}

	names := make([]string, 0, len(rows))
	for n := range rows {
		names = append(names, n)
	}
	slices.Sort(names)
	var tb strings.Builder
	fmt.Fprintf(&tb, "suspect replay: %d alerts (%d background, raised by the normal capture too)\n", len(got), bg)
	fmt.Fprintf(&tb, "%-30s %6s %4s %4s %4s %7s %9s %6s  %s\n", "rule", "labels", "TP", "FP", "FN", "alerts", "precision", "recall", "")
	for _, n := range names {
		r := rows[n]
		note := ""
		switch {
		case !r.implemented:
			note = "not implemented yet"
		case !r.hasLabels:
			note = "no label"
		}
		fmt.Fprintf(&tb, "%-30s %6d %4d %4d %4d %7d %9s %6s  %s\n", r.rule, r.labels, r.found, r.alerts-r.matched,
			r.labels-r.found, r.alerts, r.precision(), r.recall(), note)
	}
	slices.Sort(notImpl)
	notImpl = slices.Compact(notImpl)
	if len(notImpl) > 0 {
		fmt.Fprintf(&tb, "labelled rules not implemented yet: %s\n", strings.Join(notImpl, ", "))
	}
	t.Log("\n" + tb.String())
}
