package outboxtest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// body is the documented message schema (see alerts/message), kept here
// as a small struct so that this package does not import alerts.
type body struct {
	Schema   string    `json:"schema"`
	V        int       `json:"v"`
	ID       string    `json:"id"`
	Type     string    `json:"type"`
	SensorID string    `json:"sensor_id"`
	Time     string    `json:"time"`
	Alert    alertBody `json:"alert"`
}

type endpoint struct {
	IP   string `json:"ip"`
	Port uint16 `json:"port,omitempty"`
	MAC  string `json:"mac,omitempty"`
}

type alertBody struct {
	V           int             `json:"v"`
	ID          string          `json:"id"`
	Rule        string          `json:"rule"`
	Title       string          `json:"title"`
	Severity    string          `json:"severity"`
	Engine      string          `json:"engine"`
	Category    string          `json:"category"`
	Source      endpoint        `json:"source"`
	Destination endpoint        `json:"destination"`
	AppProto    string          `json:"app_proto"`
	FlowID      uint64          `json:"flow_id"`
	First       string          `json:"first_seen"`
	Last        string          `json:"last_seen"`
	Count       uint64          `json:"count"`
	Evidence    json.RawMessage `json:"evidence"`
	MITRE       struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"mitre"`
	State string `json:"state"`
}

// Alerts returns n alert messages with ids "<prefix>-0000", ... and
// bodies in the otsensor.message v1 schema (a Modbus write alert).
func Alerts(prefix string, n int) []sink.Message {
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	out := make([]sink.Message, n)
	for i := range out {
		id := fmt.Sprintf("%s-%04d", prefix, i)
		at := base.Add(time.Duration(i) * time.Millisecond)
		a := alertBody{V: 1, ID: id, Rule: "modbus.write_unexpected", Title: "Unexpected Modbus write to 192.0.2.20",
			Severity: "high", Engine: "policy", Category: "ics", AppProto: "modbus", FlowID: uint64(i + 1),
			Source:      endpoint{IP: "192.0.2.10", Port: 49152, MAC: "00:00:5e:00:53:0a"},
			Destination: endpoint{IP: "192.0.2.20", Port: 502, MAC: "00:00:5e:00:53:14"},
			First:       at.Format(time.RFC3339Nano), Last: at.Format(time.RFC3339Nano), Count: 1,
			Evidence: json.RawMessage(`{"function":6,"register":40001,"value":1}`), State: "new"}
		a.MITRE.ID, a.MITRE.Name = "T0836", "Modify Parameter"
		b, err := json.Marshal(body{Schema: "otsensor.message", V: 1, ID: id, Type: sink.TypeAlert,
			SensorID: "outboxtest", Time: at.Format(time.RFC3339Nano), Alert: a})
		if err != nil {
			panic(err) // a fixed struct always marshals
		}
		out[i] = sink.Message{ID: id, Type: sink.TypeAlert, Time: at, Body: b}
	}
	return out
}
