package syslog

import (
	"encoding/json"
	"time"
)

// body is the part of a message body (alerts/message's schema) the
// syslog formats read: enough for the PRI, the structured data and CEF.
type body struct {
	Type      string         `json:"type"`
	SensorID  string         `json:"sensor_id"`
	Alert     *alertBody     `json:"alert"`
	Device    *deviceBody    `json:"device"`
	Heartbeat *heartbeatBody `json:"heartbeat"`
}

type endpoint struct {
	IP   string `json:"ip"`
	Port uint16 `json:"port"`
	MAC  string `json:"mac"`
}

type alertBody struct {
	ID          string          `json:"id"`
	Rule        string          `json:"rule"`
	Title       string          `json:"title"`
	Severity    string          `json:"severity"`
	Engine      string          `json:"engine"`
	Category    string          `json:"category"`
	Source      endpoint        `json:"source"`
	Destination endpoint        `json:"destination"`
	AppProto    string          `json:"app_proto"`
	First       time.Time       `json:"first_seen"`
	Last        time.Time       `json:"last_seen"`
	Count       uint64          `json:"count"`
	Evidence    json.RawMessage `json:"evidence"`
	MITRE       *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"mitre"`
}

type deviceBody struct {
	ID        string    `json:"id"`
	IPs       []string  `json:"ips"`
	MACs      []string  `json:"macs"`
	MAC       string    `json:"mac"`
	Vendor    string    `json:"vendor"`
	Roles     []string  `json:"roles"`
	Protocols []string  `json:"protocols"`
	LastSeen  time.Time `json:"last_seen"`
}

type heartbeatBody struct {
	Version string  `json:"version"`
	Uptime  float64 `json:"uptime_s"`
	Packets uint64  `json:"packets"`
	Drops   uint64  `json:"drops"`
	Devices uint64  `json:"devices"`
	Outbox  struct {
		Depth   uint64 `json:"depth"`
		Dropped uint64 `json:"dropped"`
	} `json:"outbox"`
}

// parseBody reads b; ok is false when b is not a readable otsensor
// message (another envelope, or a damaged body), and the formats then fall
// back to what sink.Message itself says.
func parseBody(b []byte) (body, bool) {
	var v body
	if err := json.Unmarshal(b, &v); err != nil {
		return body{}, false
	}
	return v, true
}

// Syslog severities (RFC 5424 section 6.2.1) used here.
const (
	sevCritical = 2
	sevError    = 3
	sevWarning  = 4
	sevNotice   = 5
	sevInfo     = 6
)

// facilityLocal4 is the facility of every message: local4 (20).
const facilityLocal4 = 20

// syslogSeverity maps an alert severity to a syslog severity: critical ->
// Critical, high -> Error, medium -> Warning, low (and unknown) ->
// Notice; device and heartbeat messages are Informational.
func (b *body) syslogSeverity(msgType string) int {
	if msgType != "alert" {
		return sevInfo
	}
	if b.Alert == nil {
		return sevNotice
	}
	switch b.Alert.Severity {
	case "critical":
		return sevCritical
	case "high":
		return sevError
	case "medium":
		return sevWarning
	}
	return sevNotice
}

// cefSeverity maps an alert severity to CEF's 0-10 scale: low 3,
// medium 5, high 8, critical 10; an unknown severity is 5.
func cefSeverity(s string) int {
	switch s {
	case "low":
		return 3
	case "medium":
		return 5
	case "high":
		return 8
	case "critical":
		return 10
	}
	return 5
}
