package live

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/sensor/flow"
	"github.com/otsensor/otsensor/sensor/live/livetest"
)

// liveRun is a Sensor capturing in a test namespace, with per-worker
// flow recorders in front of an inventory and an events writer.
type liveRun struct {
	s      *Sensor
	cancel context.CancelFunc
	done   chan error
	finish func() outcome
}

// testConfig is a Config for the test veths: small rings, short block
// timeouts so that runs are quick.
func testConfig(ifaces []string, workers int) Config {
	return Config{
		Interfaces: ifaces, Workers: workers,
		RingBytes: 4 << 20, BlockBytes: 256 << 10, BlockTimeout: 20 * time.Millisecond,
		Flow:       flow.DefaultConfig(),
		Dissectors: func() []dissectors.Dissector { return all.Dissectors(all.Options{}) },
	}
}

// startLive opens cfg's interfaces and starts capturing.
func startLive(t testing.TB, cfg Config) *liveRun {
	t.Helper()
	inv, ew, buf := observers()
	cfg.Observer = flow.Tee{inv, ew}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	// Each worker reports through its own recorder, which notes the
	// worker: which worker saw which flow is what the test checks.
	flows := map[flowKey]*flowTotals{}
	mu := &sync.Mutex{}
	n := 0
	for _, w := range s.workers {
		rec := &flowRecorder{worker: n, mu: mu, flows: flows, next: flow.Tee{inv, ew}}
		w.fw = flow.NewWorker(s.cfg.Flow, s.cfg.Dissectors(), &lockedObserver{mu: s.cfg.Lock, obs: rec})
		n++
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &liveRun{s: s, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-r.done
	})
	r.finish = func() outcome { return finish(t, inv, ew, buf, flows) }
	return r
}

// waitPackets waits until iface i read want packets (or more).
func waitPackets(t testing.TB, s *Sensor, i int, want uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s.Stats().Interfaces[i].Packets >= want {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%s read %d packets in 10s, want %d; stats %+v", s.ifaces[i].name, s.Stats().Interfaces[i].Packets, want, s.Stats().Interfaces[i])
}

// stop ends the run and returns its outcome.
func (r *liveRun) stop(t testing.TB) outcome {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
		r.done <- nil // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancellation")
	}
	return r.finish()
}

// checkCounts asserts captured == sent and captured + dropped == the
// kernel's count, per interface.
func checkCounts(t testing.TB, st IfaceStats, sent int) {
	t.Helper()
	if st.Group != "" {
		t.Errorf("%s: group %q without Merge", st.Name, st.Group)
	}
	if st.Packets != uint64(sent) {
		t.Errorf("%s: captured %d frames, sent %d", st.Name, st.Packets, sent)
	}
	if st.Packets+st.KernelDrops != st.KernelPackets {
		t.Errorf("%s: captured %d + dropped %d != kernel count %d", st.Name, st.Packets, st.KernelDrops, st.KernelPackets)
	}
	var sum uint64
	for _, w := range st.Workers {
		sum += w.Packets
		if w.Packets+w.KernelDrops != w.KernelPackets {
			t.Errorf("%s worker: captured %d + dropped %d != kernel count %d", st.Name, w.Packets, w.KernelDrops, w.KernelPackets)
		}
	}
	if sum != st.Packets {
		t.Errorf("%s: workers captured %d in all, interface says %d", st.Name, sum, st.Packets)
	}
}

// compare asserts that a live outcome equals the replay's.
func compare(t testing.TB, live, replay outcome) {
	t.Helper()
	for _, d := range differences(live, replay) {
		t.Error(d)
	}
}

// differences lists how a live outcome differs from the replay's: a
// flow seen by two workers, flows, devices, links, events.
func differences(live, replay outcome) []string {
	var out []string
	for k, tot := range live.flows {
		if len(tot.workers) != 1 {
			out = append(out, fmt.Sprintf("flow %+v was seen by workers %v: both directions must reach one worker", k, slices.Sorted(maps.Keys(tot.workers))))
		}
	}
	if len(live.flows) != len(replay.flows) {
		out = append(out, fmt.Sprintf("%d flows live, %d in the replay", len(live.flows), len(replay.flows)))
	}
	for k, want := range replay.flows {
		got := live.flows[k]
		if got == nil {
			out = append(out, fmt.Sprintf("flow %+v missing live", k))
			continue
		}
		if got.flows != want.flows || got.packets != want.packets {
			out = append(out, fmt.Sprintf("flow %+v: live %d flows, packets %v; replay %d flows, packets %v", k, got.flows, got.packets, want.flows, want.packets))
		}
	}
	if live.devices != replay.devices {
		out = append(out, fmt.Sprintf("devices differ\nlive:\n%s\nreplay:\n%s", live.devices, replay.devices))
	}
	if live.links != replay.links {
		out = append(out, fmt.Sprintf("links differ\nlive:\n%s\nreplay:\n%s", live.links, replay.links))
	}
	if !slices.Equal(live.events, replay.events) {
		out = append(out, fmt.Sprintf("%d events live, %d replayed; first difference:\n%s", len(live.events), len(replay.events), firstDiff(live.events, replay.events)))
	}
	return out
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("live:   %s\nreplay: %s", a[i], b[i])
		}
	}
	return "(one is a prefix of the other)"
}

// TestLiveMatchesReplay sends captures through a veth and checks that
// the live sensor learns what a replay of the same frames does.
func TestLiveMatchesReplay(t *testing.T) {
	type capCase struct {
		name   string
		frames func(t testing.TB) [][]byte
		path   func(t testing.TB, frames [][]byte) string
		split  bool // enough flows that 2 workers must both get some
	}
	fromFile := func(name string) func(t testing.TB) [][]byte {
		return func(t testing.TB) [][]byte { return livetest.ReadFrames(t, livetest.RepoPcap(t, name)) }
	}
	cases := []capCase{
		{"modbus_plant", fromFile("modbus_plant.pcap.gz"), func(t testing.TB, _ [][]byte) string { return livetest.RepoPcap(t, "modbus_plant.pcap.gz") }, false},
		{"mqtt_live", fromFile("mqtt_live.pcap"), func(t testing.TB, _ [][]byte) string { return livetest.RepoPcap(t, "mqtt_live.pcap") }, true},
		// The plant on a provider link: 802.1ad 100 outside, 802.1Q 20
		// inside. The kernel strips the outer tag; the sensor puts it back.
		{"modbus_plant_qinq", func(t testing.TB) [][]byte {
			var out [][]byte
			for _, f := range livetest.ReadFrames(t, livetest.RepoPcap(t, "modbus_plant.pcap.gz")) {
				out = append(out, qinq(f, 100, 20))
			}
			return out
		}, writePcap, false},
	}
	for _, c := range cases {
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/workers=%d", c.name, workers), func(t *testing.T) {
				frames := c.frames(t)
				want := replayOutcome(t, c.path(t, frames))
				v := livetest.NewVethPair(t)
				in := livetest.NewInjector(t, v)
				r := startLive(t, testConfig([]string{v.Capture}, workers))
				in.Send(t, frames)
				waitPackets(t, r.s, 0, uint64(len(frames)))
				got := r.stop(t)
				st := r.s.Stats().Interfaces[0]
				checkCounts(t, st, len(frames))
				if st.KernelDrops != 0 || st.QueueFreezes != 0 {
					t.Errorf("kernel dropped %d frames (%d freezes) of %d", st.KernelDrops, st.QueueFreezes, len(frames))
				}
				if c.split && workers == 2 {
					for i, w := range st.Workers {
						if w.Packets == 0 {
							t.Errorf("worker %d captured nothing: the fanout did not spread %d flows", i, len(got.flows))
						}
					}
				}
				if strings.HasSuffix(c.name, "qinq") && !strings.Contains(got.devices, "100") {
					t.Errorf("no VLAN 100 in the devices:\n%s", got.devices)
				}
				compare(t, got, want)
			})
		}
	}
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}
