package outbox

import (
	"slices"
	"testing"
)

func TestFIFO(t *testing.T) {
	tests := []struct {
		name         string
		n, size      int // messages, body bytes
		chunk        int // messages per Enqueue call
		batch, maxB  int // ForwardConfig.BatchSize, MaxBatchBytes
		wantMaxBatch int // most messages per Send
		wantBatches  int
	}{
		{"one message", 1, 100, 1, 100, 1 << 20, 1, 1},
		{"by count", 250, 100, 7, 100, 1 << 20, 100, 3},
		{"by bytes: 5 bodies of 600 per 3000", 20, 600, 20, 100, 3000, 5, 4},
		{"body larger than MaxBatchBytes goes alone", 3, 5000, 1, 100, 1000, 1, 3},
		{"one enqueue of 2500 (several transactions)", 2500, 50, 2500, 1000, 1 << 20, 1000, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ob, _ := openOutbox(t, Config{})
			s := &fakeSink{name: "a"}
			f := ob.Forwarder(s, ForwardConfig{BatchSize: tt.batch, MaxBatchBytes: tt.maxB})
			all := msgs("m", tt.n, tt.size)
			for i := 0; i < len(all); i += tt.chunk {
				enqueue(t, ob, all[i:min(i+tt.chunk, len(all))]...)
			}
			for i, m := range all {
				if m.Seq != uint64(i+1) {
					t.Fatalf("message %d got seq %d", i, m.Seq)
				}
			}
			flush(t, f)
			want := make([]string, len(all))
			var bodyBytes int64
			for i, m := range all {
				want[i] = m.ID
				bodyBytes += int64(len(m.Body))
			}
			if got := s.ids(); !slices.Equal(got, want) {
				t.Fatalf("received %d ids out of order or missing (first %v)", len(got), got[:min(5, len(got))])
			}
			if len(s.sent) != tt.wantBatches {
				t.Errorf("%d batches, want %d", len(s.sent), tt.wantBatches)
			}
			for _, b := range s.sent {
				if len(b) > tt.wantMaxBatch {
					t.Errorf("batch of %d, want at most %d", len(b), tt.wantMaxBatch)
				}
			}
			st := status(t, ob)
			if st.Depth != 0 || st.Bytes != 0 || st.NextSeq != uint64(tt.n+1) {
				t.Errorf("after flush: %+v, want empty, next %d", st, tt.n+1)
			}
			if ss := st.Sinks[0]; ss.Sent != uint64(tt.n) || ss.BytesSent != bodyBytes || ss.Pending != 0 {
				t.Errorf("sink status %+v", ss)
			}
		})
	}
}

// TestNoSinkKeepsMessages: with no sink registered nothing is deleted,
// and a sink registered later starts at the oldest stored message.
func TestNoSinkKeepsMessages(t *testing.T) {
	ob, _ := openOutbox(t, Config{})
	enqueue(t, ob, msgs("early", 5, 10)...)
	if st := status(t, ob); st.Depth != 5 {
		t.Fatalf("depth %d, want 5", st.Depth)
	}
	a := &fakeSink{name: "a"}
	flush(t, ob.Forwarder(a, ForwardConfig{}))
	if got := a.seqs(); !slices.Equal(got, seqRangeOf(1, 5)) {
		t.Fatalf("a got %v", got)
	}
	// a confirmed 1-5, so they are gone; b, registered now, starts at 6.
	enqueue(t, ob, msgs("late", 3, 10)...)
	b := &fakeSink{name: "b"}
	flush(t, ob.Forwarder(b, ForwardConfig{}))
	if got := b.seqs(); !slices.Equal(got, seqRangeOf(6, 8)) {
		t.Fatalf("b got %v, want 6-8", got)
	}
	if st := status(t, ob); st.Depth != 3 || st.Sinks[0].Pending != 3 || st.Sinks[1].Pending != 0 {
		t.Fatalf("status %+v: a still holds 6-8", st)
	}
}
