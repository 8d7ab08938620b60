package sensor_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
)

// dnp3Truth is the part of a truth file's "dnp3" section we check.
type dnp3Truth struct {
	Pairs       map[string]int `json:"link_address_pairs"`
	Functions   map[string]int `json:"application_function_counts"`
	Unsolicited int            `json:"unsolicited_response_count"`
	UNSBits     int            `json:"al_uns_bit_set_count"`
	IIN         map[string]int `json:"iin_flags_seen"`
	Malformed   int            `json:"malformed_frames"`
}

// tsharkIIN maps tshark's IIN field names to ours.
var tsharkIIN = map[string]string{
	"bmsg": "all_stations", "cls1d": "class_1_events", "cls2d": "class_2_events", "cls3d": "class_3_events",
	"tsr": "need_time", "dol": "local_control", "dt": "device_trouble", "rst": "device_restart",
	"fcni": "no_func_code_support", "obju": "object_unknown", "pioor": "parameter_error",
	"ebo": "event_buffer_overflow", "oae": "already_executing", "cc": "config_corrupt",
}

// dnp3Seen is what our replay saw, in the truth's terms.
type dnp3Seen struct {
	pairs       map[string]bool // "src->dst"
	functions   map[int]int
	unsolicited int
	unsBits     int
	iin         map[string]int
}

// dnp3Differences lists, per capture, where we knowingly disagree with
// tshark and why. Each entry is the exact difference expected, so a change
// in either direction fails the test.
var dnp3Differences = map[string]struct {
	functions    map[int]int    // ours minus tshark's, per function code
	unsolicited  int            // ours minus tshark's, responses and UNS bits alike
	iin          map[string]int // ours minus tshark's, per IIN name
	missingPairs []string       // pairs tshark sees and we do not
	why          string
}{
	"icsnpp-dnp3/testing/traces/dnp3_example.pcap": {
		functions: map[int]int{0: -1, 129: +4, 130: +1}, unsolicited: +1,
		why: "five responses span two transport segments whose sequence numbers wrap from 63 to 0 " +
			"(e.g. frames 17-18: 0x7f FIR seq 63, then 0x80 FIN seq 0); tshark does not reassemble across " +
			"the wrap and decodes none of them. Frame 311 (FIR+FIN, a response) tshark appends to the " +
			"unfinished fragment of frame 210 and decodes as a confirm",
	},
	"ITI-ICS-Security-Tools/pcaps/dnp3/auth_change_session_keys.pcap": {
		iin: map[string]int{"device_restart": 2, "need_time": 2},
		why: "authentication responses (function 131) carry IIN (c1 83 90 00: device_restart, need_time) " +
			"like every response (IEEE 1815-2012 4.2.2.4); tshark 4.0 decodes IIN for 129 and 130 only",
	},
	"ITI-ICS-Security-Tools/pcaps/dnp3/opendnp3-3/conformance/6.6.2.2/dump.pcap": {
		functions: map[int]int{1: -2},
		why: "frames 14 and 16 (a conformance test of invalid link functions) use the reserved link " +
			"functions 5 and 10, which carry no user data; an outstation discards them, and so do we. " +
			"tshark decodes their bytes as reads",
	},
	"pcaps/dnp3_malformed.pcap": {
		functions: map[int]int{0: -1, 1: +1, 81: -1, 129: +2},
		why: "tshark does not resynchronise after 9 garbage octets before a read (1709280000.293) and " +
			"misses it; keying reassembly on addresses and sequence numbers, it mixes the leftovers of " +
			"the 65-segment fragment (whose 65th segment reuses the first one's sequence number) into " +
			"the next two responses (frames 126 and 133, both FIR+FIN) and decodes them as a confirm " +
			"and a function 81",
	},
	"suricata-verify/tests/dnp3/dnp3-too-long-reassembly-response/input.pcap": {
		missingPairs: []string{"2->3"},
		why: "all 65 frames are segments of one fragment longer than the reassembly cap: it raises " +
			"dnp3.too_long_reassembly and gives no record to take addresses from",
	},
}

// TestDNP3MatchesTshark replays every shared capture with DNP3 and compares
// what we saw with tshark's truth file: the link address pairs, the count
// of application fragments per function code, unsolicited responses (by
// function code and by UNS bit) and IIN flags, and that every link
// address is known to the inventory as a master's or an outstation's.
// The captures of ../shared and our own (pcaps/, whose truth files
// pcaps/gen made with the same tool) are checked alike.
func TestDNP3MatchesTshark(t *testing.T) {
	forEachTruth(t, "dnp3", checkDNP3Truth)
}

func checkDNP3Truth(t *testing.T, name, capPath string, doc map[string]json.RawMessage) {
	var truth dnp3Truth
	if err := json.Unmarshal(doc["dnp3"], &truth); err != nil {
		t.Fatal(err)
	}
	got := dnp3Seen{pairs: map[string]bool{}, functions: map[int]int{}, iin: map[string]int{}}
	var names []string
	c := &collector{anomalies: map[string]int{}, events: func(ev *dissectors.Event) {
		r, ok := ev.Record.(*dnp3.Record)
		if !ok {
			return
		}
		got.pairs[strconv.Itoa(int(r.Src))+"->"+strconv.Itoa(int(r.Dst))] = true
		if r.LinkOnly {
			return
		}
		got.functions[int(r.FunctionCode)]++
		if r.Unsolicited {
			got.unsolicited++
		}
		if r.UNS {
			got.unsBits++
		}
		names = dnp3.IINNames(r.IIN, names[:0])
		for _, n := range names {
			got.iin[n]++
		}
	}}
	_, inv := replay(t, c, capPath)
	diff := dnp3Differences[name]

	want := map[string]bool{}
	for p := range truth.Pairs {
		want[p] = true
	}
	for _, p := range diff.missingPairs {
		delete(want, p)
	}
	if g, w := sortedKeys(got.pairs), sortedKeys(want); !slices.Equal(g, w) {
		t.Errorf("link address pairs:\n got      %v\n expected %v", g, w)
	}
	wantFC := map[int]int{}
	for k, n := range truth.Functions {
		fc, err := strconv.Atoi(k[:strings.IndexByte(k, ' ')])
		if err != nil {
			t.Fatalf("function %q: %v", k, err)
		}
		wantFC[fc] += n
	}
	for fc, d := range diff.functions {
		wantFC[fc] += d
		if wantFC[fc] == 0 {
			delete(wantFC, fc)
		}
	}
	if !maps.Equal(got.functions, wantFC) {
		t.Errorf("fragments per function code:\n got      %v\n expected %v", got.functions, wantFC)
	}
	if got.unsolicited-truth.Unsolicited != diff.unsolicited || got.unsBits-truth.UNSBits != diff.unsolicited {
		t.Errorf("unsolicited: got %d responses and %d UNS bits, tshark %d and %d (accepted difference %d)",
			got.unsolicited, got.unsBits, truth.Unsolicited, truth.UNSBits, diff.unsolicited)
	}
	wantIIN := map[string]int{}
	for k, n := range truth.IIN {
		wantIIN[tsharkIIN[k]] = n
	}
	for k, d := range diff.iin {
		wantIIN[k] += d
	}
	if !maps.Equal(got.iin, wantIIN) {
		t.Errorf("IIN flags in responses:\n got      %v\n expected %v", got.iin, wantIIN)
	}

	known := map[uint16]bool{}
	for _, d := range inv.Snapshot().Devices {
		if d.DNP3 != nil {
			for _, a := range append(slices.Clone(d.DNP3.MasterAddresses), d.DNP3.OutstationAddresses...) {
				known[a] = true
			}
		}
	}
	for p := range got.pairs {
		for _, s := range strings.Split(p, "->") {
			a, _ := strconv.Atoi(s)
			if a < 0xFFF0 && !known[uint16(a)] {
				t.Errorf("link address %d is no device's", a)
			}
		}
	}
	if len(c.anomalies) > 0 {
		t.Logf("anomalies: %v", c.anomalies)
	}
}
