// Package message writes what the sensor forwards to the cloud: alerts,
// device changes and heartbeats, as versioned JSON documents (schema
// "otsensor.message", version Version), and optionally re-wrapped in the
// Defender for IoT security-message envelope (defender.go).
//
//	{"schema":"otsensor.message","v":1,"id":"…","type":"alert",
//	 "sensor_id":"plant-a-1","time":"2026-11-26T04:45:24.5Z","alert":{…}}
//
// The payload field is named after the type: "alert" holds an alert as
// `otsensor alerts -o json` shows it, "device" a device as `otsensor
// devices -o json` does, "heartbeat" a Heartbeat.
package message

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/inventory"
)

// Schema names the document format; Version is its version, raised on
// any change that is not an added field.
const (
	Schema  = "otsensor.message"
	Version = 1
)

// Document is one forwarded message's JSON body.
type Document struct {
	Schema    string            `json:"schema"`
	V         int               `json:"v"`
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	SensorID  string            `json:"sensor_id"`
	Time      time.Time         `json:"time"`
	Alert     *alerts.Alert     `json:"alert,omitempty"`
	Device    *inventory.Device `json:"device,omitempty"`
	Heartbeat *Heartbeat        `json:"heartbeat,omitempty"`
}

// Alert is the message of a new alert. Its id is the alert's: the same
// cause gives the same message id in any replay, so a receiver keeps one.
func Alert(sensorID string, a *alerts.Alert) (sink.Message, error) {
	return encode(Document{ID: a.ID, Type: sink.TypeAlert, SensorID: sensorID, Time: a.First, Alert: a})
}

// Device is the message of a device that is new or changed; fingerprint
// is what changed (DeviceFingerprint), so the same device in the same
// state always has the same message id.
func Device(sensorID string, d *inventory.Device, fingerprint string) (sink.Message, error) {
	return encode(Document{ID: "dev-" + d.ID + "-" + fingerprint, Type: sink.TypeDevice, SensorID: sensorID, Time: d.LastSeen, Device: d})
}

// HeartbeatMessage is the message of a heartbeat taken at hb.Time.
func HeartbeatMessage(hb *Heartbeat) (sink.Message, error) {
	id := fmt.Sprintf("hb-%s-%d", hb.SensorID, hb.Time.UnixNano())
	return encode(Document{ID: id, Type: sink.TypeHeartbeat, SensorID: hb.SensorID, Time: hb.Time, Heartbeat: hb})
}

func encode(d Document) (sink.Message, error) {
	d.Schema, d.V, d.Time = Schema, Version, d.Time.UTC()
	body, err := json.Marshal(d)
	if err != nil {
		return sink.Message{}, fmt.Errorf("message %s %s: %w", d.Type, d.ID, err)
	}
	return sink.Message{ID: d.ID, Type: d.Type, Time: d.Time, Body: body}, nil
}

// Decode reads a message body.
func Decode(body []byte) (*Document, error) {
	var d Document
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("message body: %w", err)
	}
	if d.Schema != Schema || d.V < 1 {
		return nil, fmt.Errorf("message body: schema %q v%d, want %q", d.Schema, d.V, Schema)
	}
	return &d, nil
}

// DeviceFingerprint summarises what makes a device change worth sending:
// its addresses, vendor, roles, protocols, VLANs, services and identity;
// not its times or counters, which move with every packet.
func DeviceFingerprint(d *inventory.Device) string {
	key := struct {
		IPs       any `json:"i"`
		MACs      any `json:"m"`
		Vendor    any `json:"v"`
		Protocols any `json:"p"`
		Roles     any `json:"r"`
		VLANs     any `json:"l"`
		Identity  any `json:"d"`
		Router    any `json:"o"`
		Services  any `json:"s"`
		Modbus    any `json:"mb"`
	}{d.IPs, d.MACs, d.Vendor, d.Protocols, d.Roles, d.VLANs, d.Identity, d.Router, d.Services, d.Modbus}
	b, _ := json.Marshal(key) // plain data: cannot fail
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}
