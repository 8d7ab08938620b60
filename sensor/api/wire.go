package api

import (
	"encoding/json"
	"time"

	"github.com/otsensor/otsensor/alerts/outbox"
	"github.com/otsensor/otsensor/inventory"
)

// inventoryJSON is GET /v1/inventory.
type inventoryJSON struct {
	Devices []*inventory.Device   `json:"devices"`
	Links   []*inventory.LinkView `json:"links"`
}

// outboxJSON is outbox.Status on the wire (it has no JSON tags of its
// own): the names `otsensor outbox status -o json` uses.
type outboxJSON struct {
	Depth    int64      `json:"depth"`
	Bytes    int64      `json:"bytes"`
	MaxBytes int64      `json:"max_bytes"`
	Oldest   time.Time  `json:"oldest,omitzero"`
	NextSeq  uint64     `json:"next_seq"`
	Sinks    []sinkJSON `json:"sinks"`
}

type sinkJSON struct {
	Name               string    `json:"name"`
	Pending            int64     `json:"pending"`
	Sent               uint64    `json:"sent"`
	Failed             uint64    `json:"failed"`
	Dropped            uint64    `json:"dropped"`
	BytesSent          int64     `json:"bytes_sent"`
	BytesLastHour      int64     `json:"bytes_last_hour"`
	BytesPerDay        int64     `json:"bytes_per_day_estimate"`
	LastError          string    `json:"last_error,omitempty"`
	LastErrorPermanent bool      `json:"last_error_permanent,omitempty"`
	LastErrorTime      time.Time `json:"last_error_time,omitzero"`
	LastSuccess        time.Time `json:"last_success,omitzero"`
	Failing            bool      `json:"failing"`
}

func toOutboxJSON(s outbox.Status) outboxJSON {
	w := outboxJSON{Depth: s.Depth, Bytes: s.Bytes, MaxBytes: s.MaxBytes, Oldest: s.Oldest, NextSeq: s.NextSeq,
		Sinks: make([]sinkJSON, 0, len(s.Sinks))}
	for _, k := range s.Sinks {
		w.Sinks = append(w.Sinks, sinkJSON{Name: k.Name, Pending: k.Pending, Sent: k.Sent, Failed: k.Failed,
			Dropped: k.Dropped, BytesSent: k.BytesSent, BytesLastHour: k.BytesLastHour, BytesPerDay: k.BytesPerDay,
			LastError: k.LastError, LastErrorPermanent: k.LastErrorPermanent, LastErrorTime: k.LastErrorTime,
			LastSuccess: k.LastSuccess, Failing: k.Failing})
	}
	return w
}

func (w outboxJSON) status() outbox.Status {
	s := outbox.Status{Depth: w.Depth, Bytes: w.Bytes, MaxBytes: w.MaxBytes, Oldest: w.Oldest, NextSeq: w.NextSeq}
	for _, k := range w.Sinks {
		s.Sinks = append(s.Sinks, outbox.SinkStatus{Name: k.Name, Pending: k.Pending, Sent: k.Sent, Failed: k.Failed,
			Dropped: k.Dropped, BytesSent: k.BytesSent, BytesLastHour: k.BytesLastHour, BytesPerDay: k.BytesPerDay,
			LastError: k.LastError, LastErrorPermanent: k.LastErrorPermanent, LastErrorTime: k.LastErrorTime,
			LastSuccess: k.LastSuccess, Failing: k.Failing})
	}
	return s
}

// statusFields is Status without its methods, for MarshalJSON.
type statusFields Status

type statusJSON struct {
	statusFields
	Outbox outboxJSON `json:"outbox"`
}

// MarshalJSON writes the status with its outbox in snake_case, as GET
// /v1/outbox does.
func (s Status) MarshalJSON() ([]byte, error) {
	return json.Marshal(statusJSON{statusFields(s), toOutboxJSON(s.Outbox)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Status) UnmarshalJSON(b []byte) error {
	var w statusJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = Status(w.statusFields)
	s.Outbox = w.Outbox.status()
	return nil
}
