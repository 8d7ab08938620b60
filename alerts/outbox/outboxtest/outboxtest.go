// Package outboxtest checks a sink against an outage of its peer, through
// a real alerts/outbox: every sink package runs RunOutage and RunCapDrop
// against its real peer on loopback.
package outboxtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/outbox"
	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/inventory"
	"go.uber.org/zap"
)

// Peer is the destination a sink delivers to, controlled by the test.
type Peer struct {
	NewSink  func(t testing.TB) sink.Sink // a sink connected to the peer
	Stop     func(t testing.TB)           // take the peer down (same address stays reserved)
	Start    func(t testing.TB)           // bring it back on the same address
	Received func(t testing.TB) []string  // message IDs the peer received so far, across restarts, in arrival order
}

// limits are the time limits of one run.
type limits struct {
	wait   time.Duration // for the peer to receive what was confirmed
	flush  time.Duration
	settle time.Duration // for late duplicates
}

var defaultLimits = limits{wait: 30 * time.Second, flush: 60 * time.Second, settle: 300 * time.Millisecond}

const sendTimeout = 5 * time.Second

// forwardConfig retries quickly, so that a run takes seconds.
func forwardConfig() outbox.ForwardConfig {
	return outbox.ForwardConfig{BatchSize: 50, SendTimeout: sendTimeout, BackoffMin: 20 * time.Millisecond,
		BackoffMax: 500 * time.Millisecond, PermanentBackoff: time.Second}
}

// open opens an outbox in a fresh data dir, closed at the end of the test.
func open(t testing.TB, cfg outbox.Config) *outbox.Outbox {
	t.Helper()
	db, err := inventory.OpenDB(t.TempDir(), false, zap.NewNop())
	if err != nil {
		t.Fatalf("outboxtest: %v", err)
	}
	ob, err := outbox.Open(db, cfg)
	if err != nil {
		db.Close()
		t.Fatalf("outboxtest: %v", err)
	}
	t.Cleanup(func() { ob.Close(); db.Close() })
	return ob
}

func newSink(t testing.TB, peer Peer) sink.Sink {
	t.Helper()
	s := peer.NewSink(t)
	t.Cleanup(func() { s.Close() })
	return s
}

// uniquePrefix keeps the ids of two runs on one peer apart.
func uniquePrefix(kind string) string {
	return fmt.Sprintf("%s-%x", kind, time.Now().UnixNano())
}

// ours returns the ids the peer received that start with prefix.
func ours(t testing.TB, peer Peer, prefix string) []string {
	var out []string
	for _, id := range peer.Received(t) {
		if strings.HasPrefix(id, prefix+"-") {
			out = append(out, id)
		}
	}
	return out
}

// waitReceived waits until the peer received n of our ids, then a little
// longer for duplicates, and returns them.
// On timeout it returns what arrived (checkOnce then names what is missing).
func waitReceived(t testing.TB, lim limits, peer Peer, prefix string, n int) []string {
	t.Helper()
	end := time.Now().Add(lim.wait)
	for {
		got := ours(t, peer, prefix)
		if len(got) >= n {
			time.Sleep(lim.settle)
			return ours(t, peer, prefix)
		}
		if time.Now().After(end) {
			t.Logf("outboxtest: the peer received %d of %d messages within %v", len(got), n, lim.wait)
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sinkStatus(t testing.TB, ob *outbox.Outbox, name string) outbox.SinkStatus {
	t.Helper()
	st, err := ob.Status()
	if err != nil {
		t.Fatalf("outboxtest: %v", err)
	}
	for _, s := range st.Sinks {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("outboxtest: sink %s not in the outbox status", name)
	return outbox.SinkStatus{}
}

func enqueue(t testing.TB, ob *outbox.Outbox, m ...sink.Message) {
	t.Helper()
	if err := ob.Enqueue(m...); err != nil {
		t.Fatalf("outboxtest: %v", err)
	}
}

func flush(t testing.TB, lim limits, f *outbox.Forwarder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), lim.flush)
	defer cancel()
	if err := f.Flush(ctx); err != nil {
		t.Fatalf("outboxtest: flush after the peer came back: %v", err)
	}
}

// checkOnce fails unless got holds each of want exactly once.
func checkOnce(t testing.TB, got, want []string) {
	t.Helper()
	count := make(map[string]int, len(got))
	for _, id := range got {
		count[id]++
	}
	var missing, dup []string
	for _, id := range want {
		switch c := count[id]; {
		case c == 0:
			missing = append(missing, id)
		case c > 1:
			dup = append(dup, fmt.Sprintf("%s×%d", id, c))
		}
		delete(count, id)
	}
	for id := range count {
		dup = append(dup, "unexpected "+id)
	}
	if len(missing) > 0 || len(dup) > 0 {
		t.Fatalf("outboxtest: %d of %d ids missing %v, duplicated or unexpected %v", len(missing), len(want), head(missing), head(dup))
	}
}

func head(s []string) []string { return s[:min(len(s), 10)] }

func ids(m []sink.Message) []string {
	out := make([]string, len(m))
	for i := range m {
		out[i] = m[i].ID
	}
	return out
}
