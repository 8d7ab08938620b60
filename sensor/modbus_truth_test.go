package sensor_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/inventory"
)

// modbusTruth is the part of a truth file's "modbus" section we check.
type modbusTruth struct {
	Requests      int                            `json:"request_count"`
	Responses     int                            `json:"response_count"`
	Exceptions    int                            `json:"exception_response_count"`
	FCsPerUnit    map[string][]int               `json:"function_codes_per_unit"`
	Servers       []string                       `json:"servers"`
	Clients       []string                       `json:"clients"`
	DeviceObjects map[string]map[string][]string `json:"read_device_id_objects"`
}

// modbusCounts is what our replay saw, in the truth's terms.
type modbusCounts struct {
	requests, responses, exceptions int
	pairs                           map[string]bool // "unit/fc"
}

// modbusDifferences lists, per capture, where we knowingly disagree with
// tshark and why. Each entry is the exact difference expected, so a change
// in either direction fails the test.
var modbusDifferences = map[string]struct {
	requests, responses, exceptions int      // ours minus tshark's
	extraPairs, missingPairs        []string // "unit/fc" we see and tshark does not, and the reverse
	why                             string
}{
	"zeek/testing/btest/Traces/modbus/modbusBig.pcap": {
		responses: 1,
		why: "frame 3150 answers transaction 50382 in sequence after the request; tshark flags it as a " +
			"spurious retransmission (its client ACKed bytes that were not captured) and does not dissect it",
	},
	"arkime/tests/pcap/arkime_synthetic.pcap": {
		responses: 1, exceptions: 1, extraPairs: []string{"1/1"},
		why: "frame 866 starts with ADU 01 01 00 00 00 02 01 81: an exception response to function 1 " +
			"whose exception code is missing; we report it (and modbus.invalid_function_data), tshark skips it",
	},
	"zeek/testing/btest/Traces/modbus/fuzz-72.pcap": {
		requests: 1, responses: -1, exceptions: -1,
		extraPairs: []string{"1/34"}, missingPairs: []string{"1/32"},
		why: "a fuzzed trace: the server's segments carry random sequence numbers, so its side has no byte " +
			"stream to reassemble, and tshark dissects each segment alone and finds frame 5's exception to " +
			"function 32; tshark does not dissect frame 7 (FC34), which we find after resynchronising. " +
			"Zeek's own test only checks it does not crash",
	},
}

// TestModbusMatchesTshark replays every shared capture with Modbus and
// compares what we saw with tshark's truth file: request, response and
// exception counts, the (unit id, function code) pairs, and that every
// IPv4 host taking part in Modbus is a device.
func TestModbusMatchesTshark(t *testing.T) {
	dir := sharedPcaps(t)
	for capPath, doc := range truthFiles(t, dir, "modbus") {
		name, _ := filepath.Rel(dir, capPath)
		t.Run(name, func(t *testing.T) {
			var truth modbusTruth
			if err := json.Unmarshal(doc["modbus"], &truth); err != nil {
				t.Fatal(err)
			}
			got := modbusCounts{pairs: map[string]bool{}}
			c := &collector{anomalies: map[string]int{}, events: func(ev *dissectors.Event) {
				r, ok := ev.Record.(*modbus.Record)
				if !ok {
					return
				}
				if r.Response {
					got.responses++
					if r.Exception {
						got.exceptions++
					}
				} else {
					got.requests++
				}
				got.pairs[fmt.Sprintf("%d/%d", r.UnitID, r.FunctionCode)] = true
			}}
			_, inv := replay(t, c, capPath)

			diff := modbusDifferences[name]
			if d := got.requests - truth.Requests; d != diff.requests {
				t.Errorf("requests: got %d, tshark %d (accepted difference %d)", got.requests, truth.Requests, diff.requests)
			}
			if d := got.responses - truth.Responses; d != diff.responses {
				t.Errorf("responses: got %d, tshark %d (accepted difference %d)", got.responses, truth.Responses, diff.responses)
			}
			if d := got.exceptions - truth.Exceptions; d != diff.exceptions {
				t.Errorf("exceptions: got %d, tshark %d (accepted difference %d)", got.exceptions, truth.Exceptions, diff.exceptions)
			}
			want := map[string]bool{}
			for unit, fcs := range truth.FCsPerUnit {
				for _, fc := range fcs {
					want[unit+"/"+strconv.Itoa(fc)] = true
				}
			}
			for _, p := range diff.extraPairs {
				want[p] = true
			}
			for _, p := range diff.missingPairs {
				delete(want, p)
			}
			if g, w := sortedKeys(got.pairs), sortedKeys(want); !slices.Equal(g, w) {
				t.Errorf("(unit/function code) pairs:\n got      %v\n expected %v (tshark's, with the accepted differences)", g, w)
			}

			snap := inv.Snapshot()
			hosts := slices.Clone(truth.Clients)
			for _, s := range truth.Servers {
				hosts = append(hosts, s[:strings.LastIndexByte(s, ':')])
			}
			for _, h := range hosts {
				a, err := netip.ParseAddr(strings.Trim(h, "[]"))
				if err != nil || !a.Is4() {
					continue
				}
				if _, ok := snap.Find(a.String()); !ok {
					t.Errorf("Modbus host %s is not a device", a)
				}
			}
			for key, objs := range truth.DeviceObjects {
				host := key[:strings.LastIndexByte(key[:strings.Index(key, " ")], ':')]
				d, ok := snap.Find(host)
				if !ok {
					t.Errorf("device %s with identification objects is missing", host)
					continue
				}
				if vendor := objs["VendorName"]; len(vendor) > 0 && !hasIdentity(d.Modbus, vendor[len(vendor)-1]) {
					t.Errorf("device %s: vendor %q from 43/14 not in its identities %+v", host, vendor, d.Modbus)
				}
			}
			if len(c.anomalies) > 0 {
				t.Logf("anomalies: %v", c.anomalies)
			}
		})
	}
}

func hasIdentity(m *inventory.DeviceModbus, vendor string) bool {
	if m == nil {
		return false
	}
	for _, id := range m.Identities {
		if id.Vendor == vendor {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
