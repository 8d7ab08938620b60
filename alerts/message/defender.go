package message

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// DefenderSchemaVersion is the envelope's MessageSchemaVersion and each
// event's PayloadSchemaVersion.
const DefenderSchemaVersion = "1.0"

// defenderMessage is the Defender for IoT security-message envelope: the
// sender's metadata and a list of events.
type defenderMessage struct {
	AgentVersion         string          `json:"AgentVersion"`
	AgentID              string          `json:"AgentId"`
	MessageSchemaVersion string          `json:"MessageSchemaVersion"`
	Events               []defenderEvent `json:"Events"`
}

type defenderEvent struct {
	EventType            string            `json:"EventType"` // Security, Operational
	Category             string            `json:"Category"`  // Triggered, Periodic
	Name                 string            `json:"Name"`
	IsEmpty              bool              `json:"IsEmpty"`
	PayloadSchemaVersion string            `json:"PayloadSchemaVersion"`
	ID                   string            `json:"Id"`
	TimestampLocal       string            `json:"TimestampLocal"`
	TimestampUTC         string            `json:"TimestampUTC"`
	Payload              []json.RawMessage `json:"Payload"`
}

// Defender returns an Encode function for the outbox that re-wraps each
// message in the Defender for IoT envelope: one event whose Payload holds
// the otsensor document, an Id and AgentId shaped as GUIDs derived from
// the message id and sensor id (the same message keeps the same Id).
func Defender(sensorID, version string) func(sink.Message) []byte {
	agent := guid(sensorID)
	return func(m sink.Message) []byte {
		typ, cat, name := "Security", "Triggered", "OTSensorAlert"
		switch m.Type {
		case sink.TypeDevice:
			name = "OTSensorDevice"
		case sink.TypeHeartbeat:
			typ, cat, name = "Operational", "Periodic", "OTSensorHeartbeat"
		}
		t := m.Time.UTC()
		ev := defenderEvent{
			EventType: typ, Category: cat, Name: name,
			PayloadSchemaVersion: DefenderSchemaVersion,
			ID:                   guid(m.ID),
			TimestampLocal:       t.Local().Format(time.RFC3339),
			TimestampUTC:         t.Format(time.RFC3339),
			Payload:              []json.RawMessage{m.Body},
		}
		b, err := json.Marshal(defenderMessage{AgentVersion: version, AgentID: agent, MessageSchemaVersion: DefenderSchemaVersion, Events: []defenderEvent{ev}})
		if err != nil { // a body that is not JSON: send it as it is
			return m.Body
		}
		return b
	}
}

// guid derives a stable GUID-shaped id (version 5 layout) from s.
func guid(s string) string {
	h := sha256.Sum256([]byte(s))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
