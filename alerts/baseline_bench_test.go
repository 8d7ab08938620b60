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
		e := NewEngine(Config{Baseline: bl})
		for i, u := range us { // learn, and warm the scan state
			u.First = at(time.Duration(i) * time.Millisecond)
			e.Flow(u)
		}
		if bl != nil {
			bl.Lock(at(time.Hour))
		}
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for i := 0; b.Loop(); i++ {
			u := us[i%len(us)]
			u.First = at(time.Hour + time.Duration(i)*time.Millisecond)
			e.Flow(u)
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "flows/s")
		if n := len(e.Alerts()); n != 0 {
			b.Fatalf("%d alerts on known flows", n)
		}
	}
	b.Run("no_baseline", func(b *testing.B) { run(b, nil) })
	b.Run("operational_known", func(b *testing.B) { run(b, NewBaseline(BaselineConfig{})) })
}
