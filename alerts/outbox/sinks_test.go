package outbox

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// TestTwoSinksDeletion: a message is deleted only when both sinks
// confirmed it.
func TestTwoSinksDeletion(t *testing.T) {
	ob, _ := openOutbox(t, Config{})
	fast, slow := &fakeSink{name: "fast"}, &fakeSink{name: "slow"}
	ff := ob.Forwarder(fast, ForwardConfig{})
	fs := ob.Forwarder(slow, ForwardConfig{BatchSize: 4})
	enqueue(t, ob, msgs("m", 10, 100)...)

	steps := []struct {
		name      string
		do        func()
		wantDepth int64
		wantFast  int64 // pending
		wantSlow  int64
	}{
		{"fast flushes: slow holds all 10", func() { flush(t, ff) }, 10, 0, 10},
		{"slow sends one batch of 4: 1-4 deleted", func() { step(t, fs) }, 6, 0, 6},
		{"slow flushes: all deleted", func() { flush(t, fs) }, 0, 0, 0},
	}
	for _, s := range steps {
		s.do()
		st := status(t, ob)
		if st.Depth != s.wantDepth || st.Sinks[0].Pending != s.wantFast || st.Sinks[1].Pending != s.wantSlow {
			t.Fatalf("%s: depth %d, pending fast %d slow %d; want %d, %d, %d", s.name,
				st.Depth, st.Sinks[0].Pending, st.Sinks[1].Pending, s.wantDepth, s.wantFast, s.wantSlow)
		}
	}
	if !slices.Equal(fast.seqs(), seqRangeOf(1, 10)) || !slices.Equal(slow.seqs(), seqRangeOf(1, 10)) {
		t.Fatalf("fast %v slow %v", fast.seqs(), slow.seqs())
	}
}

func step(t testing.TB, f *Forwarder) {
	t.Helper()
	r, err := f.step(context.Background())
	if err != nil || r.sendErr != nil || r.idle {
		t.Fatalf("step: %+v %v", r, err)
	}
}

// TestSinksDifferentSpeeds runs two forwarders, one 20x slower, while
// messages arrive; both get everything in order and the outbox empties.
func TestSinksDifferentSpeeds(t *testing.T) {
	ob, _ := openOutbox(t, Config{})
	fast := &fakeSink{name: "fast"}
	slow := &fakeSink{name: "slow", hold: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range []*fakeSink{fast, slow} {
		f := ob.Forwarder(s, ForwardConfig{BatchSize: 10})
		wg.Go(func() {
			if err := f.Run(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	all := msgs("m", 300, 200)
	for i := 0; i < len(all); i += 30 {
		enqueue(t, ob, all[i:i+30]...)
		time.Sleep(5 * time.Millisecond)
	}
	waitFor(t, 20*time.Second, func() bool { return len(slow.ids()) == 300 })
	cancel()
	wg.Wait()
	for _, s := range []*fakeSink{fast, slow} {
		if !slices.Equal(s.seqs(), seqRangeOf(1, 300)) {
			t.Errorf("%s: got %d messages, not 1-300 in order", s.name, len(s.seqs()))
		}
	}
	if st := status(t, ob); st.Depth != 0 || st.Bytes != 0 {
		t.Fatalf("status %+v, want empty", st)
	}
}

// TestForget: forgetting a sink releases the messages it held.
func TestForget(t *testing.T) {
	ob, _ := openOutbox(t, Config{})
	a, b := &fakeSink{name: "a"}, &fakeSink{name: "b"}
	fa := ob.Forwarder(a, ForwardConfig{})
	ob.Forwarder(b, ForwardConfig{})
	enqueue(t, ob, msgs("m", 5, 10)...)
	flush(t, fa)
	if st := status(t, ob); st.Depth != 5 || len(st.Sinks) != 2 {
		t.Fatalf("before Forget: %+v", st)
	}
	if err := ob.Forget("b"); err != nil {
		t.Fatal(err)
	}
	if st := status(t, ob); st.Depth != 0 || len(st.Sinks) != 1 || st.Sinks[0].Name != "a" {
		t.Fatalf("after Forget: %+v", st)
	}
}

// waitFor polls cond until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("condition not met within %v", d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
