package alerts

import (
	"fmt"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

// BenchmarkPolicyEvent is the cost of one known request event (a Modbus
// read inside a learnt range, a DNP3 integrity poll) with an operational
// baseline, and without a baseline for comparison: 64 clients poll 16
// servers, all learnt.
func BenchmarkPolicyEvent(b *testing.B) {
	for _, proto := range []string{"modbus", "dnp3"} {
		var evs []*dissectors.Event
		var learn []input
		for c := range 64 {
			for s := range 16 {
				id := uint64(c*16 + s + 1)
				var f *dissectors.Flow
				var r dissectors.Record
				if proto == "modbus" {
					f = newFlow(id, "modbus", fmt.Sprintf("10.1.%d.%d:40000", c/250, c%250+1), fmt.Sprintf("10.2.0.%d:502", s+1))
					r = mbAt(3, "read_holding_registers", 1, uint16(s*100), 10)
				} else {
					f = newFlow(id, "dnp3", fmt.Sprintf("10.1.%d.%d:40000", c/250, c%250+1), fmt.Sprintf("10.2.0.%d:20000", s+1))
					r = dnTo(1, "read", uint16(s+10))
				}
				learn = append(learn, newFlowUpdate(f, t0, 3))
				evs = append(evs, &dissectors.Event{Time: t0, Dir: dissectors.ToServer, Flow: f, Record: r})
			}
		}
		run := func(b *testing.B, bl *Baseline) {
			benchKnown(b, bl, "events", func(e *Engine) {
				feed(e, learn)
				for _, ev := range evs {
					e.Event(ev)
				}
			}, func(e *Engine, i int) {
				ev := evs[i%len(evs)]
				ev.Time = at(time.Hour + time.Duration(i)*time.Millisecond)
				e.Event(ev)
			})
		}
		b.Run(proto+"/no_baseline", func(b *testing.B) { run(b, nil) })
		b.Run(proto+"/operational_known", func(b *testing.B) { run(b, NewBaseline(BaselineConfig{})) })
	}
}

// TestPolicyEventAllocs: the policy engine's known-cause path allocates
// nothing, for every protocol: an event costs an engine with an
// operational baseline no more allocations than one without (the TLS
// detections allocate on certificates, not this engine's concern).
func TestPolicyEventAllocs(t *testing.T) {
	bl := NewBaseline(BaselineConfig{})
	e := NewEngine(Config{Baseline: bl})
	plain := NewEngine(Config{})
	known := []input{
		rec(fPM, at(1), up, mbAt(3, "read_holding_registers", 1, 0, 10)),
		rec(fPM, at(1), up, mb23(0, 2, 50, 1)),
		rec(fPD, at(1), up, dnReq(1, "read")),
		rec(fPD, at(1), down, dnAttrs("RTU-5000", "4.2.1", "B")),
		rec(fPM, at(1), down, mbIdent("Schneider Electric", "BMX P34 2020", "v3.10")),
		rec(fPQ, at(1), up, mqPub("hmi", "plant/a")),
		rec(fPQ, at(1), up, mqSub("hmi", "plant/#")),
		rec(fPT, at(1), up, tlsHello("ja3-a", "t13d_a", "plc1", "fp1")),
	}
	feed(e, concat(protoPlant, known))
	feed(plain, concat(protoPlant, known))
	bl.Lock(at(time.Hour))
	for _, in := range known {
		ev := in.ev
		ev.Time = at(2 * time.Hour)
		n := testing.AllocsPerRun(100, func() { e.Event(ev) })
		if n0 := testing.AllocsPerRun(100, func() { plain.Event(ev) }); n != n0 {
			t.Errorf("%T %s: %v allocs per known event, %v without a baseline", ev.Record, ev.Record.AppProto(), n, n0)
		}
	}
	if n := len(e.Alerts()); n != 0 {
		t.Fatalf("%d alerts", n)
	}
}
