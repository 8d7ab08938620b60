package live

import (
	"fmt"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
	"github.com/otsensor/otsensor/sensor/live/livetest"
)

// discard is an Observer that keeps nothing.
type discard struct{}

func (discard) Event(*dissectors.Event) {}
func (discard) Flow(*flow.Update)       {}
func (discard) Neighbor(*flow.Neighbor) {}

// BenchmarkCapture injects b.N frames (a mix of 512 UDP and TCP flows,
// IPv4 and IPv6, tagged and not, 60-100 bytes) into a veth as fast as
// one AF_PACKET socket writes them, and captures them with 1 and 2
// workers running the whole pipeline (all dissectors). pkts/s is frames
// captured per second from the first write to the last frame read; drops
// is the kernel's count.
func BenchmarkCapture(b *testing.B) {
	frames := flowMix(b, 64)
	for _, c := range []struct {
		workers int
		merge   bool
	}{{1, false}, {2, false}, {2, true}} {
		name := fmt.Sprintf("workers=%d", c.workers)
		if c.merge {
			name += "/merge"
		}
		b.Run(name, func(b *testing.B) {
			// With Merge, two veths: requests on one, answers on the
			// other, as a TAP's ports carry them.
			pairs := livetest.NewVethPairs(b, 1+btoi(c.merge))
			var ins []*livetest.Injector
			var names []string
			for _, p := range pairs {
				ins = append(ins, livetest.NewInjector(b, p))
				names = append(names, p.Capture)
			}
			cfg := Config{
				Interfaces: names, Workers: c.workers, Merge: c.merge, Observer: discard{},
				Dissectors: func() []dissectors.Dissector { return allDissectors() },
			}
			s, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := contextWithCancel()
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			defer func() { cancel(); <-done }()

			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; b.Loop(); i++ {
				k := i % len(frames)
				ins[k%len(ins)].Send(b, frames[k:k+1])
			}
			sent := uint64(b.N)
			deadline := time.Now().Add(30 * time.Second)
			var st IfaceStats
			for time.Now().Before(deadline) {
				st = sumStats(s.Stats())
				if st.Packets+st.KernelDrops >= sent {
					break
				}
				time.Sleep(time.Millisecond)
			}
			elapsed := time.Since(start)
			b.StopTimer()
			if st.Packets+st.KernelDrops < sent {
				b.Fatalf("%d captured + %d dropped of %d sent", st.Packets, st.KernelDrops, sent)
			}
			b.ReportMetric(float64(st.Packets)/elapsed.Seconds(), "pkts/s")
			b.ReportMetric(float64(st.KernelDrops), "drops")
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sumStats adds up the interfaces' packets and kernel drops.
func sumStats(st Stats) IfaceStats {
	var sum IfaceStats
	for _, ifc := range st.Interfaces {
		sum.Packets += ifc.Packets
		sum.KernelDrops += ifc.KernelDrops
	}
	return sum
}
