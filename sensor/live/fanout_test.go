package live

import (
	"testing"

	"github.com/otsensor/otsensor/sensor/live/livetest"
)

// TestFanoutKeepsFlowsTogether checks that the kernel's fanout hash is
// symmetric for UDP and TCP over IPv4 and IPv6, tagged or not: with four
// workers, each flow's request and answer reach the same one.
func TestFanoutKeepsFlowsTogether(t *testing.T) {
	frames := flowMix(t, 32)
	v := livetest.NewVethPair(t)
	in := livetest.NewInjector(t, v)
	r := startLive(t, testConfig([]string{v.Capture}, 4))
	in.Send(t, frames)
	waitPackets(t, r.s, 0, uint64(len(frames)))
	got := r.stop(t)
	st := r.s.Stats().Interfaces[0]
	checkCounts(t, st, len(frames))
	for i, w := range st.Workers {
		if w.Packets == 0 {
			t.Errorf("worker %d captured nothing", i)
		}
	}
	if want := len(frames) / 2; len(got.flows) != want {
		t.Errorf("%d flows, want %d", len(got.flows), want)
	}
	tagged := 0
	for k, tot := range got.flows {
		if k.vlan[0] == 7 {
			tagged++
		}
		if len(tot.workers) != 1 || tot.packets != [2]uint64{1, 1} {
			t.Errorf("flow %+v: workers %v, packets %v; want one worker, [1 1]", k, tot.workers, tot.packets)
		}
	}
	if tagged != len(got.flows)/2 {
		t.Errorf("%d flows on VLAN 7, want %d", tagged, len(got.flows)/2)
	}
}
