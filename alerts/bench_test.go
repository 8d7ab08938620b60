package alerts

import (
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// benchEvents feeds evs round-robin to a warm engine, advancing packet
// time by 10 ms per event, and reports the cost per event.
func benchEvents(b *testing.B, evs ...*dissectors.Event) {
	e := NewEngine(Config{})
	for i, ev := range evs { // warm up: alerts and state exist
		ev.Time = at(time.Duration(i) * time.Millisecond)
		e.Event(ev)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		ev := evs[i%len(evs)]
		ev.Time = at(time.Duration(i+len(evs)) * 10 * time.Millisecond)
		e.Event(ev)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

func BenchmarkEngine(b *testing.B) {
	ev := func(f *dissectors.Flow, dir dissectors.Direction, r dissectors.Record) *dissectors.Event {
		return &dissectors.Event{Dir: dir, Flow: f, Record: r}
	}
	b.Run("modbus_read_poll", func(b *testing.B) {
		benchEvents(b,
			ev(fMB, dissectors.ToServer, mbReq(3, "read_holding_registers", 1)),
			ev(fMB, dissectors.ToClient, &modbus.Record{UnitID: 1, FunctionCode: 3, Function: "read_holding_registers", Response: true, Values: []uint16{1, 2}}))
	})
	b.Run("dnp3_poll", func(b *testing.B) {
		benchEvents(b, ev(fDN, dissectors.ToServer, dnReq(1, "read")), ev(fDN, dissectors.ToClient, dnResp(0x0002)))
	})
	b.Run("known_alert_umas", func(b *testing.B) {
		benchEvents(b, ev(fMB, dissectors.ToServer, mbReq(90, "umas", 1)))
	})
	b.Run("known_alert_dnp3_iin_restart", func(b *testing.B) {
		benchEvents(b, ev(fDN, dissectors.ToClient, dnResp(0x0080)))
	})
	b.Run("known_alert_violation", func(b *testing.B) {
		benchEvents(b, &dissectors.Event{Dir: dissectors.ToServer, Flow: fMB, Anomaly: &dissectors.Anomaly{AppProto: "modbus", Name: "modbus.invalid_length"}})
	})
}
