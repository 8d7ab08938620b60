package outbox

import (
	"slices"
	"testing"

	"github.com/otsensor/otsensor/alerts/sink"
)

// TestCapDropsPerSink: sink a had sent 1-4, sink b nothing, when the cap
// dropped 1-6: a counts 5 and 6 dropped, b all six.
func TestCapDropsPerSink(t *testing.T) {
	all := msgs("m", 16, 100)
	r := int64(recordSize(&all[0]))
	for i := range all {
		if int64(recordSize(&all[i])) != r {
			t.Fatal("test needs records of one size")
		}
	}
	ob, _ := openOutbox(t, Config{MaxBytes: 10 * r})
	a, b := &fakeSink{name: "a"}, &fakeSink{name: "b"}
	fa := ob.Forwarder(a, ForwardConfig{BatchSize: 4})
	fb := ob.Forwarder(b, ForwardConfig{})

	enqueue(t, ob, all[:10]...) // exactly the cap
	step(t, fa)                 // a confirms 1-4; b holds them
	enqueue(t, ob, all[10:13]...)
	checkDrops(t, ob, "after 13", 10, 4, 0, 3) // 1-3 dropped: a had sent them
	enqueue(t, ob, all[13:16]...)
	checkDrops(t, ob, "after 16", 10, 7, 2, 6) // 4-6 dropped: a had sent 4

	flush(t, fa)
	flush(t, fb)
	if got := a.seqs(); !slices.Equal(got, append(seqRangeOf(1, 4), seqRangeOf(7, 16)...)) {
		t.Errorf("a got %v", got)
	}
	if got := b.seqs(); !slices.Equal(got, seqRangeOf(7, 16)) {
		t.Errorf("b got %v", got)
	}
	st := status(t, ob)
	for _, s := range st.Sinks {
		if s.Sent+s.Dropped != 16 {
			t.Errorf("%s: sent %d + dropped %d != 16", s.Name, s.Sent, s.Dropped)
		}
	}
	if st.Depth != 0 || st.Bytes != 0 {
		t.Errorf("status %+v, want empty", st)
	}
}

func checkDrops(t *testing.T, ob *Outbox, when string, depth int64, oldestSeq int, dropA, dropB uint64) {
	t.Helper()
	st := status(t, ob)
	if st.Depth != depth || st.Bytes > st.MaxBytes {
		t.Fatalf("%s: depth %d bytes %d/%d, want depth %d", when, st.Depth, st.Bytes, st.MaxBytes, depth)
	}
	if want := msgs("m", oldestSeq, 100)[oldestSeq-1].Time; !st.Oldest.Equal(want) {
		t.Fatalf("%s: oldest %v, want message %d's %v", when, st.Oldest, oldestSeq, want)
	}
	if st.Sinks[0].Dropped != dropA || st.Sinks[1].Dropped != dropB {
		t.Fatalf("%s: dropped a %d b %d, want %d %d", when, st.Sinks[0].Dropped, st.Sinks[1].Dropped, dropA, dropB)
	}
}

func TestCapCases(t *testing.T) {
	tests := []struct {
		name      string
		maxRecs   int64 // cap in records of one message
		enqueue   []int // messages per Enqueue call
		withSink  bool
		wantDepth int64
		wantDrop  uint64
	}{
		{"no sink: oldest dropped, nobody counts", 5, []int{3, 3, 3}, false, 5, 0},
		{"sink: 2000 dropped in one Enqueue (several delete chunks)", 100, []int{2100}, true, 100, 2000},
		{"under the cap: nothing dropped", 50, []int{10, 10}, true, 20, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := msgs("a", 1, 100)[0]
			r := int64(recordSize(&m))
			ob, _ := openOutbox(t, Config{MaxBytes: tt.maxRecs * r})
			if tt.withSink {
				ob.Forwarder(&fakeSink{name: "s"}, ForwardConfig{})
			}
			var all []sink.Message
			for i, n := range tt.enqueue {
				b := msgs(string(rune('a'+i)), n, 100) // records of one size
				enqueue(t, ob, b...)
				all = append(all, b...)
			}
			st := status(t, ob)
			if st.Depth != tt.wantDepth || st.Bytes != tt.wantDepth*r {
				t.Fatalf("depth %d bytes %d, want %d, %d", st.Depth, st.Bytes, tt.wantDepth, tt.wantDepth*r)
			}
			if tt.withSink && st.Sinks[0].Dropped != tt.wantDrop {
				t.Fatalf("dropped %d, want %d", st.Sinks[0].Dropped, tt.wantDrop)
			}
			if want := all[len(all)-int(tt.wantDepth)].Time; !st.Oldest.Equal(want) {
				t.Fatalf("oldest %v, want %v", st.Oldest, want)
			}
		})
	}
}
