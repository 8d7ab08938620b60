package webhook

import (
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/outbox/outboxtest"
	"github.com/otsensor/otsensor/alerts/sink"
)

// peer is a TLS webhook receiver on loopback that the outage harness
// stops and restarts on the same port.
func peer(t *testing.T) outboxtest.Peer {
	srv := newServer(t, true, nil)
	ca := srv.CAFile()
	return outboxtest.Peer{
		NewSink: func(t testing.TB) sink.Sink {
			return newSink(t, sink.Config{
				URL:     srv.URL() + "/hook",
				TLS:     sink.TLSConfig{CAFile: ca},
				Timeout: sink.Duration(2 * time.Second),
			})
		},
		Stop:     func(testing.TB) { srv.Stop() },
		Start:    func(testing.TB) { srv.Start() },
		Received: func(testing.TB) []string { return srv.IDs() },
	}
}

func TestOutage(t *testing.T) { outboxtest.RunOutage(t, peer(t), 200) }

func TestCapDrop(t *testing.T) { outboxtest.RunCapDrop(t, peer(t), 200) }
