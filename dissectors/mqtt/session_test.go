package mqtt

import (
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

type anomalyCounter map[string]int

func (c anomalyCounter) Emit(ev *dissectors.Event) {
	if ev.Anomaly != nil {
		c[ev.Anomaly.Name]++
	}
}

// TestMissingConnectNeedsTheHandshake: two PUBLISHes (30 04: QoS 0,
// remaining length 4; topic length 00 01, topic "a", payload "x") as the
// first packets of a flow are a missing CONNECT only when the flow layer
// saw the connection's SYN; and then once.
func TestMissingConnectNeedsTheHandshake(t *testing.T) {
	publish := unhex(t, "30 04 00 01 61 78  30 04 00 01 61 78")
	for _, handshake := range []bool{true, false} {
		p := New(Options{}).NewParser(&dissectors.Flow{Transport: dissectors.TCP, Handshake: handshake})
		got := anomalyCounter{}
		if n, err := p.Parse(dissectors.ToServer, publish, time.Unix(0, 0), got); n != len(publish) || err != nil {
			t.Fatalf("Parse: %d, %v", n, err)
		}
		want := 0
		if handshake {
			want = 1
		}
		if got[AnomalyMissingConnect] != want || len(got) != want {
			t.Errorf("handshake %v: anomalies %v, want %d missing_connect", handshake, got, want)
		}
	}
}
