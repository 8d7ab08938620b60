package eventhubs

import (
	"testing"

	"github.com/otsensor/otsensor/alerts/outbox/outboxtest"
	"github.com/otsensor/otsensor/alerts/sink"
)

// outagePeer is the stand-in as the outbox harness's peer.
func outagePeer(t *testing.T) outboxtest.Peer {
	p := newStandIn(t, 0)
	return outboxtest.Peer{
		NewSink: func(t testing.TB) sink.Sink {
			return p.newSink(t, p.key, p.hub, WithPartitionKey("sensor-1"))
		},
		Stop:     p.stop,
		Start:    p.start,
		Received: p.receivedIDs,
	}
}

// TestOutage: the hub goes down, alerts queue in the outbox, the hub comes
// back and every alert arrives exactly once.
func TestOutage(t *testing.T) {
	outboxtest.RunOutage(t, outagePeer(t), 200)
}

// TestCapDrop: with the hub down and a small outbox, the oldest alerts are
// dropped; what arrives plus what was dropped is all of them.
func TestCapDrop(t *testing.T) {
	outboxtest.RunCapDrop(t, outagePeer(t), 200)
}
