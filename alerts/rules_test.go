package alerts

import (
	"errors"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// TestRuleLoad: good rules load; each kind of bad rule is rejected with
// the file, the YAML line (and column) of its cause, and the others load.
func TestRuleLoad(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string // error prefix; "" for a good rule
	}{
		{"good", "id: a\ntitle: A\nseverity: low\ncondition: event.modbus.function_code in [5, 6, 15, 16] && dest.ip == \"10.1.1.5\"\n", ""},
		{"good list and block", "- id: a\n  title: A\n  severity: high\n  condition: |\n    has(event.modbus.address) &&\n      event.modbus.address > 100\n", ""},
		{"good mqtt and flow", "id: a\ntitle: A\nseverity: low\ncondition: '\"#\" in event.mqtt.topics && flow.transport == \"TCP\"'\n", ""},
		// function_cod: the '.' before it is column 13 of the condition, which starts at column 12.
		{"unknown field", "id: a\ntitle: A\nseverity: low\ncondition: event.modbus.function_cod == 5\n", "r.yaml:4:24: rule \"a\": condition: undefined field 'function_cod'"},
		{"unknown variable", "id: a\ntitle: A\nseverity: low\ncondition: packet.len > 5\n", "r.yaml:4:12: rule \"a\": condition: undeclared reference to 'packet'"},
		// Line 2 of the block is file line 6; "==" is at column 13 there.
		{"wrong type", "id: a\ntitle: A\nseverity: low\ncondition: |\n  event.modbus.unit_id == 1 &&\n    dest.ip == 10\n", "r.yaml:6:13: rule \"a\": condition: found no matching overload for '_==_' applied to '(string, int)'"},
		{"syntax", "id: a\ntitle: A\nseverity: low\ncondition: event.modbus.unit_id == (1\n", "r.yaml:4:"},
		{"not bool", "id: a\ntitle: A\nseverity: low\ncondition: event.modbus.unit_id\n", "r.yaml:4:12: rule \"a\": condition: want a bool"},
		{"bad severity", "id: a\ntitle: A\nseverity: urgent\ncondition: 'true'\n", "r.yaml:3:11: rule \"a\": severity \"urgent\""},
		{"bad engine", "id: a\ntitle: A\nseverity: low\nengine: custom\ncondition: 'true'\n", "r.yaml:4:9: rule \"a\": engine \"custom\""},
		{"unknown key", "id: a\ntitle: A\nseverity: low\nwhen: 'true'\n", "r.yaml:4:1: unknown key \"when\""},
		{"missing condition", "id: a\ntitle: A\nseverity: low\n", "r.yaml:1: rule \"a\": missing condition"},
		{"bad id", "id: a b\ntitle: A\nseverity: low\ncondition: 'true'\n", "r.yaml:1:5: rule \"a b\": id:"},
		{"duplicate id", "- id: a\n  title: A\n  severity: low\n  condition: 'true'\n- id: a\n  title: B\n  severity: low\n  condition: 'true'\n", "r.yaml:5:7: rule \"a\": duplicate id: first defined at r.yaml:1"},
		{"yaml syntax", "id: a\ntitle: [A\n", "r.yaml:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewRuleSet()
			if err != nil {
				t.Fatal(err)
			}
			err = s.AddYAML("r.yaml", []byte(tc.yaml))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("good rule rejected: %v", err)
				}
				if len(s.Rules()) == 0 {
					t.Fatal("no rule loaded")
				}
				return
			}
			var re RuleErrors
			if !errors.As(err, &re) || len(re) != 1 {
				t.Fatalf("want one RuleError, got %v", err)
			}
			if !strings.HasPrefix(re[0].Error(), tc.want) {
				t.Errorf("error\n %q\nwant prefix\n %q", re[0].Error(), tc.want)
			}
		})
	}
}

// TestRuleProtocolIndex: a rule reading event.modbus runs only on Modbus
// events; one reading only has(event.modbus) or no protocol runs on all.
func TestRuleProtocolIndex(t *testing.T) {
	s, err := NewRuleSet()
	if err != nil {
		t.Fatal(err)
	}
	err = s.AddYAML("r.yaml", []byte(`
- {id: mb, title: x, severity: low, condition: "event.modbus.unit_id == 1"}
- {id: mbdnp, title: x, severity: low, condition: "event.modbus.unit_id == 1 || event.dnp3.dst == 1"}
- {id: has, title: x, severity: low, condition: "!has(event.modbus)"}
- {id: ip, title: x, severity: low, condition: "dest.port == 502"}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{protoModbus: "mb mbdnp has ip", protoDNP3: "mbdnp has ip", protoMQTT: "has ip", protoAnomaly: "has ip"}
	for p, w := range want {
		var ids []string
		for _, r := range s.byProto[p] {
			ids = append(ids, r.ID)
		}
		if got := strings.Join(ids, " "); got != w {
			t.Errorf("protocol %d: rules %q, want %q", p, got, w)
		}
	}
}

// TestRuleEval: conditions over hand-made records; absent fields do not
// match and are counted apart from errors; matches aggregate per client
// and server.
func TestRuleEval(t *testing.T) {
	s, err := NewRuleSet()
	if err != nil {
		t.Fatal(err)
	}
	err = s.AddYAML("r.yaml", []byte(`
- {id: write, title: Write, severity: high, condition: "event.modbus.function_code in [5, 6, 15, 16] && dest.ip == \"10.1.1.5\""}
- {id: addr, title: Address, severity: low, condition: "event.modbus.address >= 100"}
- {id: overflow, title: Overflow, severity: low, condition: "event.modbus.unit_id * 9223372036854775807 > 0"}
- {id: do, title: DO, severity: critical, engine: operational, condition: "event.dnp3.function_code == 5 && event.dnp3.objects.exists(o, o.group == 12 && o.start == 3)"}
- {id: anomaly, title: Anomaly, severity: low, condition: "event.anomaly.name.startsWith(\"modbus.\") && src.mac == \"02:00:00:00:00:0a\""}
`))
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(Config{Rules: s})
	f := newFlow(1, "modbus", "10.1.1.9:40000", "10.1.1.5:502")
	f2 := newFlow(2, "modbus", "10.1.1.9:40001", "10.1.1.6:502")
	fd := newFlow(3, "dnp3", "10.1.1.9:40002", "10.1.1.7:20000")
	// FC6 write single register at 40; FC3 read response (no address).
	wr := &modbus.Record{UnitID: 2, FunctionCode: 6, Function: "write_single_register", Present: modbus.FieldAddress, Address: 40}
	rd := &modbus.Record{UnitID: 2, FunctionCode: 3, Function: "read_holding_registers", Response: true}
	wr2 := &modbus.Record{UnitID: 2, FunctionCode: 16, Present: modbus.FieldAddress | modbus.FieldQuantity, Address: 100, Quantity: 2}
	do := &dnp3.Record{FunctionCode: 5, Function: "direct_operate", Objects: []dnp3.Object{{Group: 12, Variation: 1, HasRange: true, Start: 3, Stop: 3, Count: 1}}}
	feed(e, []input{
		rec(f, at(0), dissectors.ToServer, wr),
		rec(f, at(1), dissectors.ToClient, rd),
		rec(f, at(2), dissectors.ToServer, wr2),
		rec(f2, at(3), dissectors.ToServer, wr),
		rec(fd, at(4), dissectors.ToServer, do),
		anomaly(f, at(5), "modbus", "modbus.invalid_length"),
	})
	got := map[string]uint64{}
	for _, a := range e.Alerts() {
		if !strings.HasPrefix(a.Rule, "custom.") {
			continue
		}
		got[a.Rule+" "+a.Destination.IP.String()] = a.Count
		if a.Rule == "custom.do" && (a.Engine != EngineOperational || a.Severity != Critical) {
			t.Errorf("custom.do: engine %s severity %s", a.Engine, a.Severity)
		}
	}
	want := map[string]uint64{"custom.write 10.1.1.5": 2, "custom.addr 10.1.1.5": 1, "custom.do 10.1.1.7": 1, "custom.anomaly 10.1.1.5": 1}
	if len(got) != len(want) {
		t.Errorf("alerts %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: count %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
	st := map[string]RuleStat{}
	for _, r := range e.RuleStats() {
		st[r.ID] = r
	}
	// addr: 4 Modbus events, one without an address.
	if a := st["addr"]; a.Evals != 4 || a.Absent != 1 || a.Errors != 0 || a.Matches != 1 {
		t.Errorf("addr stats %+v", a)
	}
	if o := st["overflow"]; o.Errors != 4 || !strings.Contains(o.FirstError, "overflow") {
		t.Errorf("overflow stats %+v", o)
	}
	if d := st["do"]; d.Evals != 1 {
		t.Errorf("the DNP3 rule ran on %d events, want 1", d.Evals)
	}
}

func TestRuleCustomOutsideCatalogue(t *testing.T) {
	if numRules >= ruleCustom {
		t.Fatalf("%d built-in detections: ruleCustom (%d) collides", numRules, ruleCustom)
	}
}

func TestSetRules(t *testing.T) {
	rs, err := NewRuleSet()
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.AddYAML("r.yaml", []byte("id: any_modbus\ntitle: Modbus seen\nseverity: low\ncondition: has(event.modbus)\n")); err != nil {
		t.Fatal(err)
	}
	e := NewEngine(Config{})
	f := newFlow(1, "modbus", "10.0.0.1:40000", "10.0.0.2:502")
	ev := rec(f, at(0), dissectors.ToServer, &modbus.Record{FunctionCode: 3, Function: "read_holding_registers"})
	feed(e, []input{ev})
	if n := len(e.Alerts()); n != 0 {
		t.Fatalf("%d alerts before rules", n)
	}
	e.SetRules(rs)
	feed(e, []input{ev})
	if a := e.Alerts(); len(a) != 1 || a[0].Rule != "custom.any_modbus" {
		t.Fatalf("after SetRules: %v", a)
	}
	e.SetRules(nil)
	feed(e, []input{ev})
	if a := e.Alerts(); a[0].Count != 1 {
		t.Errorf("rules removed, yet the alert counted %d", a[0].Count)
	}
}
