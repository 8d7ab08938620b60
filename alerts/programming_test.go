package alerts

import (
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// TestProgrammingStation: the engineering workstation programs the PLC
// (Modbus 90, UMAS) and opens a file on the RTU (DNP3 25) while the
// baseline learns; both alert then, as operational alerts do. Once the
// baseline is operational the workstation doing it again raises nothing
// more, while an HMI doing the same raises its own alerts.
func TestProgrammingStation(t *testing.T) {
	b := NewBaseline(BaselineConfig{})
	e := NewEngine(Config{Baseline: b})
	ews, hmi := "10.0.0.5", "10.0.0.10"
	umas := func(id uint64, client string, d time.Duration) []input {
		f := newFlow(id, "modbus", client+":50000", "10.0.0.21:502")
		return []input{newFlowUpdate(f, at(d), 2), rec(f, at(d), dissectors.ToServer, &modbus.Record{UnitID: 1, FunctionCode: 90, Function: "umas"})}
	}
	openFile := func(id uint64, master string, d time.Duration) []input {
		f := newFlow(id, "dnp3", master+":50001", "10.0.0.31:20000")
		return []input{newFlowUpdate(f, at(d), 2), rec(f, at(d), dissectors.ToServer, &dnp3.Record{Src: 1, Dst: 10, FromMaster: true, FunctionCode: 25, Function: "open_file"})}
	}
	count := func(rule, src string) uint64 {
		for _, a := range e.Alerts() {
			if a.Rule == rule && a.Source.IP.String() == src {
				return a.Count
			}
		}
		return 0
	}
	feed(e, concat(umas(1, ews, time.Minute), openFile(2, ews, time.Minute)))
	if count("modbus.programming", ews) != 1 || count("dnp3.file_operation", ews) != 1 {
		t.Fatalf("learning mode: programming alerts %d and %d, want 1 each", count("modbus.programming", ews), count("dnp3.file_operation", ews))
	}
	b.Lock(at(2 * time.Minute))
	feed(e, concat(umas(3, ews, 3*time.Minute), openFile(4, ews, 3*time.Minute)))
	if count("modbus.programming", ews) != 1 || count("dnp3.file_operation", ews) != 1 {
		t.Errorf("the known station again: counts %d and %d, want them unchanged (1)", count("modbus.programming", ews), count("dnp3.file_operation", ews))
	}
	feed(e, concat(umas(5, hmi, 4*time.Minute), openFile(6, hmi, 4*time.Minute)))
	if count("modbus.programming", hmi) != 1 || count("dnp3.file_operation", hmi) != 1 {
		t.Errorf("another device: programming alerts %d and %d, want 1 each", count("modbus.programming", hmi), count("dnp3.file_operation", hmi))
	}
}
