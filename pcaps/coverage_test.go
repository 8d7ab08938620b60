package pcaps_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors/modbus"
)

// TestGoldenCoverage checks that the bundled captures exercise what the
// Modbus dissector knows: every documented anomaly, every public function
// code in requests and responses, exceptions, device identification. A
// capture change that loses coverage fails here, not silently.
func TestGoldenCoverage(t *testing.T) {
	anomalies := map[string]bool{}
	functions := map[string]map[bool]bool{} // function → response → seen
	exceptions, deviceIDs, vlans := 0, 0, 0
	files, err := filepath.Glob(filepath.Join("golden", "*.events.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden event files (%v)", err)
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var ev struct {
				Anomaly *struct{ Event string } `json:"anomaly"`
				VLAN    []int                   `json:"vlan"`
				Modbus  *struct {
					Function      string          `json:"function"`
					Response      bool            `json:"response"`
					ExceptionCode int             `json:"exception_code"`
					DeviceID      json.RawMessage `json:"device_id"`
				} `json:"modbus"`
			}
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if len(ev.VLAN) > 0 {
				vlans++
			}
			switch {
			case ev.Anomaly != nil:
				anomalies[ev.Anomaly.Event] = true
			case ev.Modbus != nil:
				m := ev.Modbus
				if functions[m.Function] == nil {
					functions[m.Function] = map[bool]bool{}
				}
				functions[m.Function][m.Response] = true
				if m.ExceptionCode != 0 {
					exceptions++
				}
				if len(m.DeviceID) > 0 {
					deviceIDs++
				}
			}
		}
		f.Close()
	}
	for _, a := range modbus.Anomalies {
		if !anomalies[a.Name] {
			t.Errorf("no bundled capture raises %s", a.Name)
		}
	}
	public := []string{"read_coils", "read_discrete_inputs", "read_holding_registers", "read_input_registers",
		"write_single_coil", "write_single_register", "read_exception_status", "diagnostics",
		"get_comm_event_counter", "get_comm_event_log", "write_multiple_coils", "write_multiple_registers",
		"report_server_id", "read_file_record", "write_file_record", "mask_write_register",
		"read_write_multiple_registers", "read_fifo_queue", "canopen_general_reference", "read_device_identification",
		"umas", "user_defined"}
	for _, fn := range public {
		if !functions[fn][false] || !functions[fn][true] {
			t.Errorf("function %s: request seen %v, response seen %v", fn, functions[fn][false], functions[fn][true])
		}
	}
	if exceptions == 0 || deviceIDs == 0 || vlans == 0 {
		t.Errorf("exceptions %d, device identifications %d, VLAN-tagged events %d: want some of each", exceptions, deviceIDs, vlans)
	}
}

// TestREADMEDocumentsAnomalies keeps the README's anomaly table in step
// with the dissector's list.
func TestREADMEDocumentsAnomalies(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"stream.gap", "stream.buffer_overflow", "app.parser_panic"}
	for _, a := range modbus.Anomalies {
		names = append(names, a.Name)
	}
	for _, n := range names {
		if !strings.Contains(string(b), "`"+n+"`") {
			t.Errorf("README.md does not document %s", n)
		}
	}
}
