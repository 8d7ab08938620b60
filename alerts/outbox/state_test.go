package outbox

import (
	"testing"
	"time"
)

func TestHourlyEstimates(t *testing.T) {
	h0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC) // an hour boundary
	tests := []struct {
		name       string
		registered time.Time
		sends      map[time.Duration]int64 // offset from h0 -> bytes
		now        time.Duration
		wantHour   int64
		wantDay    int64
	}{
		{"nothing sent", h0.Add(-48 * time.Hour), nil, 30 * time.Minute, 0, 0},
		// the 24 buckets cover 23.5 h at 10:30: 600 B in them is 600·24/23.5 per day
		{"this hour only, registered long ago", h0.Add(-48 * time.Hour),
			map[time.Duration]int64{10 * time.Minute: 600}, 30 * time.Minute, 600, perDayOf(600, 23.5)},
		// at 10:15, three quarters of the 09:xx bucket fall in the last 60 min
		{"previous hour pro rata", h0.Add(-48 * time.Hour),
			map[time.Duration]int64{-30 * time.Minute: 400, 5 * time.Minute: 100}, 15 * time.Minute, 100 + 300, perDayOf(500, 23.25)},
		{"25 h ago is out of the day", h0.Add(-48 * time.Hour),
			map[time.Duration]int64{-25 * time.Hour: 1000, -2 * time.Hour: 50}, 0, 0, perDayOf(50, 23)},
		// registered 30 min ago: at least one hour is assumed, scaled to 24
		{"young sink extrapolated", h0, map[time.Duration]int64{10 * time.Minute: 1000}, 30 * time.Minute, 1000, 24000},
		// registered 6 h ago, 600 bytes: 2400 per day
		{"six hours extrapolated", h0.Add(-6 * time.Hour),
			map[time.Duration]int64{-5 * time.Hour: 300, -1 * time.Hour: 300}, 0, 300, 2400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &sinkState{Registered: tt.registered}
			for off, n := range tt.sends {
				s.addBytes(h0.Add(off), n)
			}
			now := h0.Add(tt.now)
			if got := s.lastHour(now); got != tt.wantHour {
				t.Errorf("lastHour %d, want %d", got, tt.wantHour)
			}
			if got := s.perDay(now); got != tt.wantDay {
				t.Errorf("perDay %d, want %d", got, tt.wantDay)
			}
		})
	}
}

// TestHourBucketReuse: a bucket 24 h old is reset, not added to.
func TestHourBucketReuse(t *testing.T) {
	h0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	s := &sinkState{Registered: h0.Add(-72 * time.Hour)}
	s.addBytes(h0, 5)
	s.addBytes(h0.Add(24*time.Hour), 7)
	if got := s.lastHour(h0.Add(24 * time.Hour)); got != 7 {
		t.Fatalf("lastHour %d, want 7", got)
	}
}

func TestMetaCorrupt(t *testing.T) {
	for _, b := range [][]byte{nil, {1}, make([]byte, 17), append([]byte{2}, make([]byte, 16)...)} {
		if _, err := decodeMeta(b); err == nil && (len(b) != 17 || b[0] != metaV1) {
			t.Errorf("decodeMeta(%x) accepted", b)
		}
	}
	if _, err := decodeMeta(make([]byte, 17)); err == nil {
		t.Error("meta version 0 accepted")
	}
	m := meta{next: 42, bytes: 1 << 40}
	if got, err := decodeMeta(m.encode()); err != nil || got != m {
		t.Fatalf("round trip %+v %v", got, err)
	}
}

// perDayOf scales bytes seen over hours to 24 h.
func perDayOf(bytes, hours float64) int64 { return int64(bytes * 24 / hours) }
