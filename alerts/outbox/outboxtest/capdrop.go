package outboxtest

import (
	"testing"

	"github.com/otsensor/otsensor/alerts/outbox"
)

// RunCapDrop stops the peer, enqueues n alerts (n ≥ 4) one by one into
// an outbox capped at about half their size, starts the peer and
// flushes: the oldest must have been dropped, the rest must arrive
// exactly once, and received + dropped == n.
func RunCapDrop(t testing.TB, peer Peer, n int) { t.Helper(); runCapDrop(t, defaultLimits, peer, n) }

func runCapDrop(t testing.TB, lim limits, peer Peer, n int) {
	t.Helper()
	if n < 4 {
		t.Fatalf("outboxtest: RunCapDrop needs n ≥ 4, got %d", n)
	}
	prefix := uniquePrefix("capdrop")
	msgs := Alerts(prefix, n)
	var size int64
	for _, m := range msgs {
		size += int64(len(m.Body))
	}
	ob := open(t, outbox.Config{MaxBytes: size / 2})
	s := newSink(t, peer)
	f := ob.Forwarder(s, forwardConfig()) // registered: drops count for it

	peer.Stop(t)
	for i := range msgs {
		enqueue(t, ob, msgs[i])
	}
	dropped := sinkStatus(t, ob, s.Name()).Dropped
	if dropped == 0 || dropped >= uint64(n) {
		t.Fatalf("outboxtest: %d of %d dropped under a cap of half their size", dropped, n)
	}
	peer.Start(t)
	flush(t, lim, f)

	kept := ids(msgs[dropped:])
	got := waitReceived(t, lim, peer, prefix, len(kept))
	checkOnce(t, got, kept) // the oldest `dropped` ones never arrive
	st := sinkStatus(t, ob, s.Name())
	if st.Sent+st.Dropped != uint64(n) || st.Sent != uint64(len(kept)) || st.Pending != 0 {
		t.Fatalf("outboxtest: sent %d + dropped %d, want %d + %d = %d", st.Sent, st.Dropped, len(kept), dropped, n)
	}
}
