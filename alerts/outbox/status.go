package outbox

import (
	"errors"
	"sort"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Status is a snapshot of the outbox. Its JSON is `otsensor outbox
// status -o json`'s and the local API's.
type Status struct {
	Depth    int64        `json:"depth"`           // messages stored
	Bytes    int64        `json:"bytes"`           // size of their records
	MaxBytes int64        `json:"max_bytes"`       // the cap
	Oldest   time.Time    `json:"oldest,omitzero"` // Time of the oldest stored message (zero if none)
	NextSeq  uint64       `json:"next_seq"`        // seq of the next message enqueued
	Sinks    []SinkStatus `json:"sinks"`
}

// SinkStatus is one registered sink's progress and counters, kept across
// restarts.
type SinkStatus struct {
	Name      string `json:"name"`
	Pending   int64  `json:"pending"`    // stored messages not yet confirmed by this sink
	Sent      uint64 `json:"sent"`       // messages confirmed
	Failed    uint64 `json:"failed"`     // failed Sends (batches)
	Dropped   uint64 `json:"dropped"`    // messages dropped by the cap before this sink sent them
	BytesSent int64  `json:"bytes_sent"` // body bytes confirmed (after ForwardConfig.Encode)
	// BytesLastHour and BytesPerDay estimate the volume from the bytes
	// counted per wall-clock hour over the last 24 hours.
	BytesLastHour int64  `json:"bytes_last_hour"`
	BytesPerDay   int64  `json:"bytes_per_day_estimate"`
	LastError     string `json:"last_error,omitempty"` // text of the last failed Send's error
	// LastErrorPermanent tells that error was marked sink.Permanent.
	LastErrorPermanent bool      `json:"last_error_permanent,omitempty"`
	LastErrorTime      time.Time `json:"last_error_time,omitzero"`
	LastSuccess        time.Time `json:"last_success,omitzero"`
	// Failing tells that the last Send failed (no success since).
	Failing bool `json:"failing"`
}

// Drops returns how many messages the cap dropped for each registered
// sink so far, and the cap: what Status says of drops, without reading
// the store.
func (ob *Outbox) Drops() (bySink map[string]uint64, maxBytes int64) {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	bySink = make(map[string]uint64, len(ob.sinks))
	for _, st := range ob.sinks {
		bySink[st.Name] = st.Dropped
	}
	return bySink, ob.cfg.MaxBytes
}

// Status returns the outbox's state, sinks sorted by name.
func (ob *Outbox) Status() (Status, error) {
	now := ob.cfg.Now()
	ob.mu.Lock()
	if ob.closed {
		ob.mu.Unlock()
		return Status{}, ErrClosed
	}
	s := Status{Depth: int64(ob.next - ob.head), Bytes: ob.bytes, MaxBytes: ob.cfg.MaxBytes, NextSeq: ob.next}
	head, empty := ob.head, ob.head >= ob.next
	for _, st := range ob.sinks {
		s.Sinks = append(s.Sinks, SinkStatus{
			Name: st.Name, Pending: ob.pendingLocked(st),
			Sent: st.Sent, Failed: st.Failed, Dropped: st.Dropped, BytesSent: st.BytesSent,
			BytesLastHour: st.lastHour(now), BytesPerDay: st.perDay(now),
			LastError: st.LastError, LastErrorPermanent: st.LastPermanent,
			LastErrorTime: st.LastErrorTime, LastSuccess: st.LastSuccess,
			Failing: st.Failing,
		})
	}
	ob.mu.Unlock()
	sort.Slice(s.Sinks, func(i, j int) bool { return s.Sinks[i].Name < s.Sinks[j].Name })
	if !empty {
		err := ob.db.View(func(txn *badger.Txn) error {
			item, err := txn.Get(msgKey(head))
			if err != nil {
				return err
			}
			return item.Value(func(v []byte) error { s.Oldest = recordTime(v); return nil })
		})
		if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return s, err
		}
	}
	return s, nil
}
