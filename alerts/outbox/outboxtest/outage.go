package outboxtest

import (
	"context"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/outbox"
)

// RunOutage forwards to the peer through a running Forwarder, stops the
// peer, enqueues n alerts, waits for failed sends, starts the peer again
// and flushes; every id (and the one sent before the outage) must arrive
// exactly once, and the outbox must count them sent.
func RunOutage(t testing.TB, peer Peer, n int) { t.Helper(); runOutage(t, defaultLimits, peer, n) }

func runOutage(t testing.TB, lim limits, peer Peer, n int) {
	t.Helper()
	ob := open(t, outbox.Config{})
	s := newSink(t, peer)
	f := ob.Forwarder(s, forwardConfig())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("outboxtest: Run: %v", err)
			}
		}
	}
	defer stop()

	prefix := uniquePrefix("outage")
	warm := Alerts(prefix+"-warm", 1)
	enqueue(t, ob, warm...)
	if len(waitReceived(t, lim, peer, prefix, 1)) == 0 {
		t.Fatalf("outboxtest: the peer did not receive a message before the outage")
	}

	peer.Stop(t)
	msgs := Alerts(prefix, n)
	enqueue(t, ob, msgs...)
	end := time.Now().Add(lim.wait)
	for sinkStatus(t, ob, s.Name()).Failed == 0 {
		if time.Now().After(end) {
			t.Fatalf("outboxtest: no failed send within %v of stopping the peer", lim.wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
	peer.Start(t)
	stop()
	flush(t, lim, f)

	want := append(ids(warm), ids(msgs)...)
	checkOnce(t, waitReceived(t, lim, peer, prefix, len(want)), want)
	st := sinkStatus(t, ob, s.Name())
	if st.Sent != uint64(len(want)) || st.Dropped != 0 || st.Pending != 0 {
		t.Fatalf("outboxtest: status sent %d dropped %d pending %d, want %d, 0, 0", st.Sent, st.Dropped, st.Pending, len(want))
	}
}
