package alerts

import (
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/dissectors/mqtt"
)

// benchRules are 10 rules of the kinds users write, all reading Modbus
// fields or the endpoints; none matches the benchmark's event.
const benchRules = `
- {id: r1, title: x, severity: low, condition: 'event.modbus.function_code in [5, 6, 15, 16] && dest.ip == "10.1.1.5"'}
- {id: r2, title: x, severity: low, condition: 'event.modbus.function_code == 90'}
- {id: r3, title: x, severity: low, condition: 'event.modbus.unit_id > 200'}
- {id: r4, title: x, severity: low, condition: 'has(event.modbus.address) && event.modbus.address >= 40000'}
- {id: r5, title: x, severity: low, condition: 'event.modbus.exception_code == 4'}
- {id: r6, title: x, severity: low, condition: 'src.ip == "10.9.9.9" && event.modbus.function_code == 3'}
- {id: r7, title: x, severity: low, condition: 'event.modbus.function == "write_file_record"'}
- {id: r8, title: x, severity: low, condition: 'dest.port != 502'}
- {id: r9, title: x, severity: low, condition: '!cidr("10.0.0.0/8").containsIP(src.ip)'}
- {id: r10, title: x, severity: low, condition: 'event.direction == "to_server" && event.modbus.quantity > 120'}
`

// benchRulesEngine is an engine with benchRules.
func benchRulesEngine(b *testing.B) *Engine {
	s, err := NewRuleSet()
	if err != nil {
		b.Fatal(err)
	}
	if err := s.AddYAML("bench.yaml", []byte(benchRules)); err != nil {
		b.Fatal(err)
	}
	return NewEngine(Config{Rules: s})
}

// BenchmarkRuleEval measures the custom rules' cost per Modbus event
// (read holding registers request): 10 rules, through Engine.Event.
func BenchmarkRuleEval(b *testing.B) {
	e := benchRulesEngine(b)
	f := newFlow(1, "modbus", "10.1.1.9:40000", "10.1.1.5:502")
	r := &modbus.Record{UnitID: 1, FunctionCode: 3, Function: "read_holding_registers",
		Present: modbus.FieldAddress | modbus.FieldQuantity, Address: 100, Quantity: 10}
	ev := &dissectors.Event{Time: t0, Dir: dissectors.ToServer, Flow: f, Record: r}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.customRules(ev)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/event")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	for _, st := range e.RuleStats() {
		if st.Errors > 0 || st.Matches > 0 {
			b.Fatalf("rule %s: %+v", st.ID, st)
		}
	}
}

// BenchmarkRuleEvalOtherProtocol: the same rules on an MQTT event, which
// all but r8 and r9 (no protocol field) skip without evaluation.
func BenchmarkRuleEvalOtherProtocol(b *testing.B) {
	e := benchRulesEngine(b)
	f := newFlow(1, "mqtt", "10.1.1.9:40000", "10.1.1.5:1883")
	ev := &dissectors.Event{Time: t0, Dir: dissectors.ToServer, Flow: f, Record: &mqtt.Record{Type: mqtt.PingReq}}
	b.ReportAllocs()
	for b.Loop() {
		e.customRules(ev)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/event")
}
