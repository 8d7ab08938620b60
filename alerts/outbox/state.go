package outbox

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// meta is the "ob/meta" record: version byte, next seq, stored bytes.
type meta struct {
	next  uint64
	bytes int64
}

const metaV1 = 1

func (m meta) encode() []byte {
	b := make([]byte, 17)
	b[0] = metaV1
	binary.BigEndian.PutUint64(b[1:9], m.next)
	binary.BigEndian.PutUint64(b[9:17], uint64(m.bytes))
	return b
}

func decodeMeta(b []byte) (meta, error) {
	if len(b) != 17 || b[0] != metaV1 {
		return meta{}, fmt.Errorf("outbox: corrupt meta record (%d bytes)", len(b))
	}
	return meta{next: binary.BigEndian.Uint64(b[1:9]), bytes: int64(binary.BigEndian.Uint64(b[9:17]))}, nil
}

// sinkState is a sink's cursor and counters, stored as JSON under
// "ob/s/<name>" and always written whole, in one transaction.
type sinkState struct {
	V    int    `json:"v"`
	Name string `json:"name"`
	// Cursor is the last seq this sink is done with: every message up to
	// it was confirmed by the sink or dropped while it waited.
	Cursor        uint64    `json:"cursor"`
	Sent          uint64    `json:"sent"`
	Failed        uint64    `json:"failed"`
	Dropped       uint64    `json:"dropped"`
	BytesSent     int64     `json:"bytes_sent"`
	LastError     string    `json:"last_error,omitempty"`
	LastPermanent bool      `json:"last_error_permanent,omitempty"`
	LastErrorTime time.Time `json:"last_error_time,omitzero"`
	LastSuccess   time.Time `json:"last_success,omitzero"`
	Failing       bool      `json:"failing,omitempty"` // the last Send failed
	Registered    time.Time `json:"registered"`
	// Hours holds the bytes sent per wall-clock hour, indexed by
	// hour % 24; a bucket whose Hour is not the one asked for is empty.
	Hours [24]hourBucket `json:"hours"`
}

type hourBucket struct {
	Hour  int64 `json:"h"` // Unix time / 3600
	Bytes int64 `json:"b"`
}

const sinkStateV1 = 1

func (s *sinkState) encode() ([]byte, error) { return json.Marshal(s) }

func decodeSinkState(b []byte) (*sinkState, error) {
	s := &sinkState{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("outbox: corrupt sink record: %w", err)
	}
	if s.V > sinkStateV1 {
		return nil, fmt.Errorf("outbox: sink record %q written by a newer otsensor (v%d)", s.Name, s.V)
	}
	return s, nil
}

func hourOf(t time.Time) int64 { return t.Unix() / 3600 }

// addBytes counts n bytes sent at now.
func (s *sinkState) addBytes(now time.Time, n int64) {
	h := hourOf(now)
	b := &s.Hours[h%24]
	if b.Hour != h {
		*b = hourBucket{Hour: h}
	}
	b.Bytes += n
}

func (s *sinkState) bytesIn(h int64) int64 {
	if b := s.Hours[((h%24)+24)%24]; b.Hour == h {
		return b.Bytes
	}
	return 0
}

// lastHour estimates the bytes sent in the 60 minutes before now: the
// current hour's bucket plus the share of the previous one that falls in
// the window (bytes assumed spread evenly over an hour).
func (s *sinkState) lastHour(now time.Time) int64 {
	h := hourOf(now)
	elapsed := float64(now.Unix()%3600) / 3600
	return s.bytesIn(h) + int64(float64(s.bytesIn(h-1))*(1-elapsed))
}

// perDay estimates the bytes sent per day: the bytes of the last 24
// buckets, scaled to 24 h when the sink has been registered for less
// than the window they cover (at least one hour is assumed).
func (s *sinkState) perDay(now time.Time) int64 {
	h := hourOf(now)
	var sum int64
	for i := int64(0); i < 24; i++ {
		sum += s.bytesIn(h - i)
	}
	window := 23 + float64(now.Unix()%3600)/3600 // hours the 24 buckets cover
	span := window
	if !s.Registered.IsZero() {
		if age := now.Sub(s.Registered).Hours(); age < span {
			span = age
		}
	}
	if span < 1 {
		span = 1
	}
	return int64(float64(sum) * 24 / span)
}
