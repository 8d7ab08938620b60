// Package alerts turns what the sensor sees into alerts a plant would act
// on: the alert model (this file), the detections that raise alerts from
// protocol events (detect*.go), the aggregation of repeated causes into
// one alert, and their storage.
//
// This first part holds the detections that need no learnt baseline:
// protocol violations, dangerous OT operations and weak security
// (engines protocol, operational and anomaly). The baseline and the policy
// engine (new devices, links, function codes, ...) come next (issue 6).
package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"time"
)

// SchemaVersion is the version of stored alerts and of their JSON.
const SchemaVersion = 1

// Severity ranks alerts.
type Severity uint8

// Severities, lowest first.
const (
	Low Severity = iota + 1
	Medium
	High
	Critical
)

var severityNames = [...]string{"", "low", "medium", "high", "critical"}

// String returns "low", "medium", "high" or "critical".
func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("severity(%d)", s)
}

// ParseSeverity reads a severity name.
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if n != "" && n == name {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("severity %q: want low, medium, high or critical", name)
}

// MarshalJSON writes the name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads the name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return err
	}
	v, err := ParseSeverity(name)
	*s = v
	return err
}

// The engines that raise alerts (Defender for IoT's names).
const (
	EnginePolicy      = "policy"      // deviations from the learnt baseline
	EngineProtocol    = "protocol"    // protocol violations
	EngineAnomaly     = "anomaly"     // unusual behaviour: scans, weak security
	EngineOperational = "operational" // OT operations worth knowing: restarts, programming
)

// The states of an alert.
const (
	StateNew          = "new"
	StateAcknowledged = "acknowledged"
	StateMuted        = "muted"
	// StateLearned closes a policy alert whose cause the user added to
	// the baseline (Baseline.LearnAlert).
	StateLearned = "learned"
)

// Technique is a MITRE ATT&CK for ICS technique.
type Technique struct {
	ID   string `json:"id"` // e.g. "T0836"
	Name string `json:"name"`
}

// Endpoint is one side of what an alert is about.
type Endpoint struct {
	IP   netip.Addr `json:"ip"`
	Port uint16     `json:"port,omitempty"`
	MAC  string     `json:"mac,omitempty"`
}

// Alert is one cause seen between the same endpoints, aggregated: a cause
// that repeats raises Count and Last instead of a new alert.
type Alert struct {
	V int `json:"v"`
	// ID is deterministic: the same rule and key (endpoints and cause)
	// always give the same ID, in any replay.
	ID          string          `json:"id"`
	Rule        string          `json:"rule"` // the detection, e.g. "tls.weak_version"
	Title       string          `json:"title"`
	Severity    Severity        `json:"severity"`
	Engine      string          `json:"engine"`
	Category    string          `json:"category"`
	Source      Endpoint        `json:"source"`
	Destination Endpoint        `json:"destination"`
	AppProto    string          `json:"app_proto,omitempty"`
	FlowID      uint64          `json:"flow_id,omitempty"` // the first flow that raised it
	First       time.Time       `json:"first_seen"`
	Last        time.Time       `json:"last_seen"`
	Count       uint64          `json:"count"`
	Evidence    json.RawMessage `json:"evidence,omitempty"` // the first event that raised it
	MITRE       *Technique      `json:"mitre,omitempty"`
	State       string          `json:"state"`
}

// makeID derives an alert id from its rule and key.
func makeID(rule, key string) string {
	sum := sha256.Sum256([]byte(rule + "|" + key))
	return hex.EncodeToString(sum[:8])
}
