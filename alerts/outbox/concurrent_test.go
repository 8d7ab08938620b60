package outbox

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestConcurrentEnqueue: four producers enqueue while a forwarder runs;
// every message arrives once, in seq order, each producer's in its order.
func TestConcurrentEnqueue(t *testing.T) {
	ob, _ := openOutbox(t, Config{})
	s := &fakeSink{name: "s"}
	f := ob.Forwarder(s, ForwardConfig{BatchSize: 50})
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error)
	go func() { runDone <- f.Run(ctx) }()

	const producers, each = 4, 500
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			all := msgs(fmt.Sprintf("p%d", p), each, 100)
			for i := 0; i < each; i += 1 + i%7 {
				if err := ob.Enqueue(all[i:min(i+1+i%7, each)]...); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	waitFor(t, 20*time.Second, func() bool { return len(s.ids()) >= producers*each })
	cancel()
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}
	seqs, ids := s.seqs(), s.ids()
	if len(ids) != producers*each {
		t.Fatalf("%d messages, want %d", len(ids), producers*each)
	}
	next := map[string]int{}
	for i, id := range ids {
		if seqs[i] != uint64(i+1) {
			t.Fatalf("message %d has seq %d", i, seqs[i])
		}
		p, n, _ := strings.Cut(id, "-")
		if want := fmt.Sprintf("%06d", next[p]); n != want {
			t.Fatalf("producer %s: got %s, want %s", p, n, want)
		}
		next[p]++
	}
	if st := status(t, ob); st.Depth != 0 || st.Sinks[0].Sent != producers*each {
		t.Fatalf("status %+v", st)
	}
}
