package message

import "time"

// Heartbeat tells the cloud the sensor is alive and how it fares, so that
// a silent sensor can be told from a quiet plant.
type Heartbeat struct {
	SensorID string    `json:"sensor_id"`
	Version  string    `json:"version"`
	Time     time.Time `json:"time"`
	UptimeS  int64     `json:"uptime_s"`
	Packets  uint64    `json:"packets"`
	// Drops counts packets lost anywhere: kernel, queues, decode limits.
	Drops   uint64          `json:"drops"`
	Devices int             `json:"devices"`
	Alerts  int             `json:"alerts"`
	Outbox  HeartbeatOutbox `json:"outbox"`
	Sinks   []HeartbeatSink `json:"sinks"`
}

// HeartbeatOutbox is the outbox's state.
type HeartbeatOutbox struct {
	Depth   int    `json:"depth"`
	Bytes   int64  `json:"bytes"`
	Dropped uint64 `json:"dropped"`
}

// HeartbeatSink is one sink's delivery so far.
type HeartbeatSink struct {
	Name    string `json:"name"`
	Sent    uint64 `json:"sent"`
	Bytes   uint64 `json:"bytes"`
	Failed  uint64 `json:"failed"`
	Dropped uint64 `json:"dropped"`
}
