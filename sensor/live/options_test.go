package live

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
	"github.com/otsensor/otsensor/sensor/live/livetest"
)

// TestTwoInterfaces captures two interfaces with two workers each: each
// interface has its own fanout group and counts only its own frames.
func TestTwoInterfaces(t *testing.T) {
	pairs := livetest.NewVethPairs(t, 2)
	a, b := flowMix(t, 8), flowMix(t, 3)
	ia := livetest.NewInjector(t, pairs[0])
	ib := livetest.NewInjector(t, pairs[1])
	r := startLive(t, testConfig([]string{pairs[0].Capture, pairs[1].Capture}, 2))
	var ids [2]uint16
	for i, p := range pairs {
		ifi, err := net.InterfaceByName(p.Capture)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = fanoutID(ifi.Index)
	}
	if ids[0] == ids[1] {
		t.Errorf("both interfaces use fanout group %d", ids[0])
	}
	ia.Send(t, a)
	ib.Send(t, b)
	waitPackets(t, r.s, 0, uint64(len(a)))
	waitPackets(t, r.s, 1, uint64(len(b)))
	got := r.stop(t)
	st := r.s.Stats()
	checkCounts(t, st.Interfaces[0], len(a))
	checkCounts(t, st.Interfaces[1], len(b))
	// b's flows have the addresses of a's first three of each kind: the
	// recorder, keyed by addresses, sums them with those.
	if len(got.flows) != len(a)/2 {
		t.Errorf("%d flow keys, want %d", len(got.flows), len(a)/2)
	}
	for k, tot := range got.flows {
		want := uint64(1)
		if strings.HasSuffix(k.client, ":40000") || strings.HasSuffix(k.client, ":40001") || strings.HasSuffix(k.client, ":40002") {
			want = 2
		}
		if tot.packets != [2]uint64{want, want} {
			t.Errorf("flow %+v: packets %v, want %d each way", k, tot.packets, want)
		}
	}
}

// TestCaptureFilter attaches `tcpdump -ddd arp` and sees only the ARP
// frames of the plant.
func TestCaptureFilter(t *testing.T) {
	frames := livetest.ReadFrames(t, livetest.RepoPcap(t, "modbus_plant.pcap.gz"))
	arp := 0
	for _, f := range frames {
		if len(f) >= 14 && f[12] == 0x08 && f[13] == 0x06 {
			arp++
		}
	}
	if arp == 0 || arp == len(frames) {
		t.Fatalf("%d ARP frames of %d: the test needs some of each", arp, len(frames))
	}
	v := livetest.NewVethPair(t)
	in := livetest.NewInjector(t, v)
	cfg := testConfig([]string{v.Capture}, 2)
	// tcpdump -ddd arp: ldh [12]; jeq #0x806 jt 2 jf 3; ret #262144; ret #0
	cfg.BPF = "4\n40 0 0 12\n21 0 1 2054\n6 0 0 262144\n6 0 0 0\n"
	r := startLive(t, cfg)
	in.Send(t, frames)
	waitPackets(t, r.s, 0, uint64(arp))
	time.Sleep(3 * cfg.BlockTimeout) // anything else would have arrived by now
	r.stop(t)
	checkCounts(t, r.s.Stats().Interfaces[0], arp)
}

// chanObserver sends ended flows on a channel.
type chanObserver struct{ ended chan dissectors.Flow }

func (o *chanObserver) Event(*dissectors.Event) {}
func (o *chanObserver) Neighbor(*flow.Neighbor) {}
func (o *chanObserver) Flow(u *flow.Update) {
	if u.Ended {
		o.ended <- *u.Flow
	}
}

// TestQuietAndIdleFlows: a quiet interface is reported once, its return
// too, and a UDP flow ends on the wall clock without further packets.
func TestQuietAndIdleFlows(t *testing.T) {
	v := livetest.NewVethPair(t)
	in := livetest.NewInjector(t, v)
	cfg := testConfig([]string{v.Capture}, 2)
	cfg.Flow.UDPIdle = 300 * time.Millisecond
	cfg.QuietAfter = 200 * time.Millisecond
	type call struct {
		iface string
		quiet bool
		d     time.Duration
	}
	var mu sync.Mutex
	var calls []call
	cfg.OnQuiet = func(iface string, last time.Time) {
		mu.Lock()
		calls = append(calls, call{iface: iface, quiet: true})
		mu.Unlock()
	}
	cfg.OnTraffic = func(iface string, d time.Duration) {
		mu.Lock()
		calls = append(calls, call{iface: iface, d: d})
		mu.Unlock()
	}
	obs := &chanObserver{ended: make(chan dissectors.Flow, 4)}
	cfg.Observer = obs
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &liveRun{s: s, done: make(chan error, 1), finish: func() outcome { return outcome{} }}
	ctx, cancel := contextWithCancel()
	r.cancel = cancel
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() { cancel() })

	time.Sleep(400 * time.Millisecond) // quiet from the start
	if !s.Stats().Interfaces[0].Quiet {
		t.Error("not quiet after 2×QuietAfter without packets")
	}
	c, srv := net.IP{10, 9, 0, 1}, net.IP{10, 9, 0, 2}
	in.Send(t, [][]byte{
		synthFrame(t, false, false, false, 0, c, srv, 40000, 161, []byte("get")),
		synthFrame(t, false, false, false, 0, srv, c, 161, 40000, []byte("response")),
	})
	select {
	case f := <-obs.ended:
		if f.Client.Port() != 40000 {
			t.Errorf("ended flow %+v", f)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the UDP flow did not end within 5s of its last packet (UDPIdle 300ms)")
	}
	if s.Stats().Interfaces[0].Quiet {
		// It may already be quiet again: the flow took UDPIdle to end.
		mu.Lock()
		n := len(calls)
		mu.Unlock()
		if n < 3 {
			t.Error("quiet while traffic flowed, without having reported its return")
		}
	}
	time.Sleep(400 * time.Millisecond)
	r.stop(t)
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 3 || !calls[0].quiet || calls[1].quiet || !calls[2].quiet {
		t.Fatalf("calls %+v, want quiet, traffic, quiet", calls)
	}
	for _, c := range calls {
		if c.iface != v.Capture {
			t.Errorf("call for %q", c.iface)
		}
	}
	if calls[1].d < 300*time.Millisecond || calls[1].d > 5*time.Second {
		t.Errorf("traffic after %v of silence, want about 400ms", calls[1].d)
	}
}

// TestNewErrors: bad configurations and interfaces are refused, naming
// what is wrong.
func TestNewErrors(t *testing.T) {
	base := testConfig([]string{"lo"}, 1)
	base.Observer = &chanObserver{}
	for _, c := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"no interface", func(c *Config) { c.Interfaces = nil }, "no interface"},
		{"twice", func(c *Config) { c.Interfaces = []string{"lo", "lo"} }, "listed twice"},
		{"missing", func(c *Config) { c.Interfaces = []string{"nosuchif0"} }, "nosuchif0"},
		{"workers", func(c *Config) { c.Workers = 1000 }, "workers"},
		{"block", func(c *Config) { c.BlockBytes = 1000 }, "page size"},
		{"ring", func(c *Config) { c.RingBytes = 4096; c.BlockBytes = 8192 }, "smaller than a block"},
		{"observer", func(c *Config) { c.Observer = nil }, "Observer"},
		{"bpf", func(c *Config) { c.BPF = "tcp port 502" }, "tcpdump -ddd"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := base
			c.edit(&cfg)
			s, err := New(cfg)
			if err == nil {
				s.Close()
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}
