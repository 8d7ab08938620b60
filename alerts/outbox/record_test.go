package outbox

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

func TestRecordRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		m    sink.Message
	}{
		{"alert", sink.Message{ID: "a-1", Type: sink.TypeAlert, Time: time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC), Body: []byte(`{"x":1}`)}},
		{"zero time, empty body", sink.Message{ID: "h", Type: sink.TypeHeartbeat}},
		{"before 1970", sink.Message{ID: "old", Type: sink.TypeDevice, Time: time.Date(1969, 12, 31, 23, 59, 59, 5, time.UTC), Body: []byte("b")}},
		{"utf-8 id, 300-byte id", sink.Message{ID: "é" + string(bytes.Repeat([]byte("x"), 300)), Type: "alert", Time: time.Unix(1, 0).UTC()}},
		{"64 KiB body", sink.Message{ID: "big", Type: "alert", Time: time.Unix(1700000000, 0).UTC(), Body: bytes.Repeat([]byte("z"), 64<<10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := appendRecord(nil, &tt.m)
			if len(b) != recordSize(&tt.m) {
				t.Fatalf("recordSize %d, appended %d", recordSize(&tt.m), len(b))
			}
			got, err := decodeRecord(7, b)
			if err != nil {
				t.Fatal(err)
			}
			if got.Seq != 7 || got.ID != tt.m.ID || got.Type != tt.m.Type || !got.Time.Equal(tt.m.Time) || !bytes.Equal(got.Body, tt.m.Body) {
				t.Fatalf("got %+v, want %+v", got, tt.m)
			}
		})
	}
}

// TestRecordLayout pins the version-1 layout byte by byte.
func TestRecordLayout(t *testing.T) {
	m := sink.Message{ID: "ab", Type: "alert", Time: time.Unix(1, 2).UTC(), Body: []byte("{}")}
	// 01 version, 01 has-time, 02 "ab", 05 "alert", varint(1)=02, uvarint(2)=02, "{}"
	want := "0101" + "02" + "6162" + "05" + "616c657274" + "02" + "02" + "7b7d"
	if got := hex.EncodeToString(appendRecord(nil, &m)); got != want {
		t.Fatalf("record %s, want %s", got, want)
	}
}

func TestRecordCorrupt(t *testing.T) {
	tests := []struct {
		name, hex string
	}{
		{"empty", ""},
		{"version only", "01"},
		{"unknown version 2", "0200"},
		{"id length past end", "010005616263"},
		{"id length huge uvarint", "0100ffffffffffffffffff01"},
		{"type length past end", "0100016103"},
		{"time flag but no time", "010101610161"},
		{"nanoseconds ≥ 1e9", "01010161016102" + "8094ebdc03"}, // uvarint 1e9
		{"truncated uvarint", "010080"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := decodeRecord(1, b); !errors.Is(err, errRecord) {
				t.Fatalf("err %v, want errRecord", err)
			}
		})
	}
}

func FuzzDecodeRecord(f *testing.F) {
	m := msgs("seed", 2, 600)
	f.Add(appendRecord(nil, &m[0]))
	f.Add(appendRecord(nil, &sink.Message{ID: "h", Type: sink.TypeHeartbeat}))
	f.Add([]byte{1, 1, 0x80})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := decodeRecord(1, b)
		if err != nil {
			return
		}
		// what decodes re-encodes to the same bytes when canonical
		again := appendRecord(nil, &got)
		if back, err := decodeRecord(1, again); err != nil || back.ID != got.ID || back.Type != got.Type ||
			!back.Time.Equal(got.Time) || !bytes.Equal(back.Body, got.Body) {
			t.Fatalf("re-encoded record differs: %v", err)
		}
	})
}
