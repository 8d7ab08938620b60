package alerts

import (
	"fmt"
	"testing"
	"time"

	"github.com/otsensor/otsensor/sensor/flow"
)

// BenchmarkPolicyFlow is the cost of one new flow's update on known hosts
// and links: with an operational baseline, and without (the scans only),
// for comparison. 64 clients poll 16 servers, all learnt.
func BenchmarkPolicyFlow(b *testing.B) {
	var us []*flow.Update
	for c := range 64 {
		for s := range 16 {
			f := newFlow(uint64(c*16+s+1), "modbus", fmt.Sprintf("10.1.%d.%d:40000", c/250, c%250+1), fmt.Sprintf("10.2.0.%d:502", s+1))
			us = append(us, &flow.Update{Flow: f, Packets: [2]uint64{4, 4}, New: true})
		}
	}
	run := func(b *testing.B, bl *Baseline) {
		benchKnown(b, bl, "flows", func(e *Engine) {
			for i, u := range us { // learn, and warm the scan state
				u.First = at(time.Duration(i) * time.Millisecond)
				e.Flow(u)
			}
		}, func(e *Engine, i int) {
			u := us[i%len(us)]
			u.First = at(time.Hour + time.Duration(i)*time.Millisecond)
			e.Flow(u)
		})
	}
	b.Run("no_baseline", func(b *testing.B) { run(b, nil) })
	b.Run("operational_known", func(b *testing.B) { run(b, NewBaseline(BaselineConfig{})) })
}

// benchKnown measures one known input per op on an engine with baseline
// bl (or none): learn feeds the engine what makes the inputs known, bl is
// then locked (operational) at an hour of packet time, and next feeds the
// i-th input. It reports the rate in unit/s and fails on any alert.
func benchKnown(b *testing.B, bl *Baseline, unit string, learn func(*Engine), next func(e *Engine, i int)) {
	e := NewEngine(Config{Baseline: bl})
	learn(e)
	if bl != nil {
		bl.Lock(at(time.Hour))
	}
	b.ReportAllocs()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		next(e, i)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), unit+"/s")
	if n := len(e.Alerts()); n != 0 {
		b.Fatalf("%d alerts on known %s", n, unit)
	}
}
