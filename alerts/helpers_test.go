package alerts

import (
	"net/netip"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
)

// t0 is the packet time the synthetic inputs start at.
var t0 = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)

// at is t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// newFlow returns a TCP flow (handshake seen) from client to server.
func newFlow(id uint64, app, client, server string) *dissectors.Flow {
	return &dissectors.Flow{
		ID:        id,
		Transport: dissectors.TCP,
		Client:    netip.MustParseAddrPort(client),
		Server:    netip.MustParseAddrPort(server),
		ClientMAC: [6]byte{0x02, 0, 0, 0, 0, 0x0a},
		ServerMAC: [6]byte{0x02, 0, 0, 0, 0, 0x15},
		AppProto:  app,
		Start:     t0,
		Handshake: true,
	}
}

// input is one thing fed to an engine: an event or a flow update.
type input struct {
	ev *dissectors.Event
	u  *flow.Update
}

// rec is a record event in dir.
func rec(f *dissectors.Flow, t time.Time, dir dissectors.Direction, r dissectors.Record) input {
	return input{ev: &dissectors.Event{Time: t, Dir: dir, Flow: f, Record: r}}
}

// anomaly is an anomaly event.
func anomaly(f *dissectors.Flow, t time.Time, proto, name string) input {
	return input{ev: &dissectors.Event{Time: t, Dir: dissectors.ToServer, Flow: f, Anomaly: &dissectors.Anomaly{AppProto: proto, Name: name}}}
}

// newFlowUpdate is the first update of f, which started at t with pkts
// packets to the server.
func newFlowUpdate(f *dissectors.Flow, t time.Time, pkts uint64) input {
	return input{u: &flow.Update{Flow: f, First: t, Last: t, Packets: [2]uint64{pkts, 1}, New: true}}
}

func feed(e *Engine, in []input) {
	for _, x := range in {
		if x.ev != nil {
			e.Event(x.ev)
		}
		if x.u != nil {
			e.Flow(x.u)
		}
	}
}

// repeat returns n inputs made by mk(i).
func repeat(n int, mk func(i int) input) []input {
	out := make([]input, n)
	for i := range out {
		out[i] = mk(i)
	}
	return out
}

func concat(parts ...[]input) []input {
	var out []input
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
