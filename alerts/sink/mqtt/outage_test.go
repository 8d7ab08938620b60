package mqtt

import (
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/outbox/outboxtest"
	"github.com/otsensor/otsensor/alerts/sink"
)

// outagePeer is mosquitto over TLS with the persistent-session subscriber:
// the broker keeps the subscriber's session and queued messages across its
// restarts, so Received sees every message the broker acknowledged.
func outagePeer(t *testing.T) outboxtest.Peer {
	b := startBroker(t, brokerUsers(t), testACL)
	sub := subscribe(t, b, "otsensor/#")
	pw := secretFile(t, t.TempDir(), "pw", pubPass)
	return outboxtest.Peer{
		NewSink: func(t testing.TB) sink.Sink {
			s, err := New(sink.Config{URL: b.url("mqtts", pubUser, "otsensor/{type}"), Password: pw,
				TLS: sink.TLSConfig{CAFile: b.ca.File}, Timeout: sink.Duration(5 * time.Second)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Stop:     func(testing.TB) { b.stop() },
		Start:    func(testing.TB) { b.start() },
		Received: func(testing.TB) []string { return sub.ids() },
	}
}

func TestOutage(t *testing.T) {
	t.Parallel()
	outboxtest.RunOutage(t, outagePeer(t), 500)
}

func TestCapDrop(t *testing.T) {
	t.Parallel()
	outboxtest.RunCapDrop(t, outagePeer(t), 200)
}
