package modbus

import (
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/corpus"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// modbusTruth is the part of a *.truth.json this test checks.
type modbusTruth struct {
	Modbus *struct {
		FunctionCodesPerUnit map[string][]int `json:"function_codes_per_unit"`
		RequestCount         int              `json:"request_count"`
		ResponseCount        int              `json:"response_count"`
	} `json:"modbus"`
}

// modbusCaptures returns the captures whose truth file has a modbus section.
func modbusCaptures(t testing.TB) map[string]*modbusTruth {
	t.Helper()
	return corpus.Truths(t, func(tr *modbusTruth) bool { return tr.Modbus != nil })
}

// segment is one port-502 payload of a capture.
type segment struct {
	flow    string // client addr:port > server addr:port
	dir     dissectors.Direction
	udp     bool
	ts      time.Time
	payload []byte
}

// readSegments returns the TCP/UDP payloads to or from port 502, in file
// order, without TCP retransmissions.
func readSegments(t testing.TB, path string) []segment {
	t.Helper()
	var seq corpus.Sequencer
	var out []segment
	for _, p := range corpus.Packets(t, path) {
		if fresh, _ := seq.Accept(&p); !fresh || (p.Src.Port() != 502 && p.Dst.Port() != 502) {
			continue
		}
		s := segment{dir: dissectors.ToServer, udp: p.UDP(), ts: p.Time, payload: p.Payload}
		client, server := p.Src, p.Dst
		if p.Src.Port() == 502 {
			s.dir, client, server = dissectors.ToClient, server, client
		}
		s.flow = client.String() + ">" + server.String()
		out = append(out, s)
	}
	return out
}

// captureResult is what the dissector made of one capture.
type captureResult struct {
	pairs     map[string][]int // unit id -> function codes, as in the truth
	records   [2]int           // by direction
	anomalies map[string]int
	rejected  int // flows on port 502 that Probe rejected
}

// dissectCapture probes each port-502 flow (both directions' first bytes,
// on port) and parses the accepted ones, feeding each direction's payloads
// in order with whatever the previous call left unconsumed.
func dissectCapture(t testing.TB, path string) captureResult {
	t.Helper()
	d := New(Options{})
	type flowState struct {
		probed [2][]byte
		state  int // 0 probing, 1 parsing, -1 rejected
		p      dissectors.Parser
		left   [2][]byte
	}
	res := captureResult{pairs: map[string][]int{}, anomalies: map[string]int{}}
	sink := dissectortest.Func(func(ev *dissectors.Event) {
		if ev.Anomaly != nil {
			res.anomalies[ev.Anomaly.Name]++
			return
		}
		r := ev.Record.(*Record)
		res.records[ev.Dir]++
		u := strconv.Itoa(int(r.UnitID))
		if !slices.Contains(res.pairs[u], int(r.FunctionCode)) {
			res.pairs[u] = append(res.pairs[u], int(r.FunctionCode))
		}
	})
	flows := map[string]*flowState{}
	for _, s := range readSegments(t, path) {
		fs := flows[s.flow]
		if fs == nil {
			fs = &flowState{}
			flows[s.flow] = fs
		}
		switch fs.state {
		case -1:
			continue
		case 0:
			fs.probed[s.dir] = append(fs.probed[s.dir], s.payload...)
			switch d.Probe(s.dir, fs.probed[s.dir], true) {
			case dissectors.ProbeNo:
				fs.state = -1
				res.rejected++
				continue
			case dissectors.ProbeNeedMore:
				continue
			}
			fs.state = 1
			tr := dissectors.TCP
			if s.udp {
				tr = dissectors.UDP
			}
			fs.p = d.NewParser(&dissectors.Flow{Transport: tr})
			fs.left[s.dir], s.payload = fs.probed[s.dir], nil
		}
		data := append(fs.left[s.dir], s.payload...)
		n, err := fs.p.Parse(s.dir, data, s.ts, sink)
		if err != nil || n < 0 || n > len(data) {
			t.Fatalf("%s: Parse = %d, %v", path, n, err)
		}
		fs.left[s.dir] = append([]byte(nil), data[n:]...)
		if s.udp {
			fs.left[s.dir] = nil
		}
	}
	for _, v := range res.pairs {
		slices.Sort(v)
	}
	return res
}

// deviation is what this dissector reports differently from tshark for one
// capture, each item explained where it is listed.
type deviation struct {
	anomalies         map[string]int   // anomaly name -> count (tshark raises none)
	rejected          int              // port-502 flows Probe rejects
	extra, missing    map[string][]int // (unit, function code) pairs
	requests, replies int              // record count minus tshark's ADU count
}

// deviations, by capture path relative to the corpus. A capture not listed
// must match tshark exactly and raise no anomaly.
//
// A response before the first request of its flow (the capture started
// mid-session) is not an anomaly: modbus_test.pcap frame 1 and
// modbusBig.pcap frame 1 are such responses, which tshark counts as
// unmatched.
var deviations = map[string]deviation{
	// Frame 3 (transaction 2741, 1.05 s) answers a request sent before the
	// capture started, but the requests of frames 1 and 2 (transactions
	// 2743, 2744) precede it in its flow; tshark: 1593 responses, 1592
	// matched.
	"ITI-ICS-Security-Tools/pcaps/ModbusTCP/Modbus/modbus_test_2.pcap": {
		anomalies: map[string]int{AnomalyUnmatchedResponse: 1}},
	// Frame 3 carries three responses (transactions 31998-32000) to
	// requests sent before the capture started, after the request of frame
	// 2 (transaction 0); tshark: 7986 responses, 7983 matched.
	"ITI-ICS-Security-Tools/pcaps/ModbusTCP/ModbusTCP.pcap": {
		anomalies: map[string]int{AnomalyUnmatchedResponse: 3}},
	// Digital Bond sweep: every function code 0-127 sent with 4 zero data
	// bytes (FC6 with 6, FC7 with none). Unassigned codes: 0, 25-39, 44-64,
	// 73-89, 92-99, 111-124 (76). Quantity 0 in FC1-4, FC15, FC16 and MEI
	// type 0 in FC43 (7 invalid values). Data that does not fit the
	// function: FC6 (6 bytes), FC11, FC12, FC17 (take none), FC20, FC21
	// (byte count 0 then 3 bytes), FC22 (needs 6), FC23 (needs 9+), FC24
	// (needs 2) (9).
	"ITI-ICS-Security-Tools/pcaps/ModbusTCP/modbus_test_data_part2.pcap": {
		anomalies: map[string]int{AnomalyUnknownFunction: 76, AnomalyInvalidValue: 7, AnomalyInvalidFunctionData: 9}},
	// UMAS REPEAT request and its echo with MBAP length 255 (frames 19, 20).
	"ITI-ICS-Security-Tools/pcaps/modicon/modicon_test.pcap": {
		anomalies: map[string]int{AnomalyInvalidLength: 2}},
	// Stream 52: after request 1 and its response, an exception response
	// with transaction 2, never requested (frame 447). Stream 93: the
	// request is FC3 (transaction 0x0101); frame 866 answers with MBAP
	// length 2, i.e. the PDU 0x81 alone (exception without code: invalid
	// function data; FC1 is not FC3: unmatched), then an FC3 response with
	// transaction 0x0102 (unmatched). tshark marks frame 866 malformed and
	// counts neither its FC1 nor its second ADU. Stream 94: the exception
	// response (0x0201) precedes the only request (0x0202): no request
	// seen yet, not flagged.
	"arkime/tests/pcap/arkime_synthetic.pcap": {
		anomalies: map[string]int{AnomalyUnmatchedResponse: 3, AnomalyInvalidFunctionData: 1},
		extra:     map[string][]int{"1": {1}}, replies: 1},
	// FC20 and FC21 requests and echoes with byte count 0, i.e. without any
	// sub-request (frames 64-70).
	"icsnpp-modbus/testing/traces/modbus_example.pcap": {
		anomalies: map[string]int{AnomalyInvalidFunctionData: 4}},
	// After transaction 0x00FF the client sends transaction 0 four times
	// and the server answers with transactions 1-4 (frames 95-102); tshark:
	// 51 responses, 47 matched.
	"nDPI/tests/cfgs/default/pcap/modbus.pcap": {
		anomalies: map[string]int{AnomalyUnmatchedResponse: 4}},
	// Stream 5: five exception responses (transaction 1, 81 06) and no
	// request (not flagged as unmatched), each with a byte after the
	// exception code (MBAP length 4). Stream 2: two 43/14 requests with a
	// byte after the object id. Stream 4 starts with MBAP length 0x8804 and
	// is rejected by Probe (tshark does not decode it either).
	"suricata-verify/tests/modbus/modbus.pcap": {
		anomalies: map[string]int{AnomalyInvalidFunctionData: 7},
		rejected:  1},
	// The FC23 request is random bytes after its function code: read
	// quantity 0, write quantity 0x2112, write byte count 0xBF.
	"zeek/testing/btest/Traces/modbus/4SICS-GeekLounge-151022-min.pcap": {
		anomalies: map[string]int{AnomalyInvalidFunctionData: 1, AnomalyInvalidValue: 1}},
	// Fuzzed capture. tshark frames Modbus per TCP segment; this parser
	// frames the stream by MBAP length, as a server does. Frame 6's ADU
	// (length 4) leaves 2 bytes that misframe frame 7: MBAP length 0, and
	// the resync scan finds frame 7's own header (FC34) two bytes on.
	// Frame 14 (unit 0, FC38, length 0x25) absorbs frames 16-18 (FC43, 46,
	// 47, lost) and misframes frame 20, whose header the resync scan finds
	// (FC50). Frames 8, 12 and 35 have protocol ids 0x0200, 0x0041 and
	// 0xAAAA. Frame 2 (FC28 exception) is one tshark calls out-of-order and
	// does not dissect; it precedes every request (not flagged). Frame 5
	// (FC32 exception) has the transaction and unit id of the pending FC29
	// request of frame 3: unmatched. Unassigned function codes in requests:
	// 29, 33, 34, 35, 36, 37, 38, 50, 52, 54, 63 (11).
	"zeek/testing/btest/Traces/modbus/fuzz-72.pcap": {
		anomalies: map[string]int{AnomalyInvalidLength: 2, AnomalyInvalidProtocolID: 3, AnomalyUnknownFunction: 11, AnomalyUnmatchedResponse: 1},
		extra:     map[string][]int{"0": {38}, "1": {28, 34}},
		missing:   map[string][]int{"1": {43, 46, 47}},
		requests:  -1, replies: 1},
	// Six HTTP/TLS flows on port 502 are rejected by Probe.
	"zeek/testing/btest/Traces/modbus/modbus-and-non-modbus-p502.pcap": {rejected: 6},
	// Frame 3150 (transaction 0xC4CE) is a response tshark calls a spurious
	// retransmission and does not dissect; its request is in frame 3147.
	"zeek/testing/btest/Traces/modbus/modbusBig.pcap": {replies: 1},
}

// TestCaptures runs Probe and Parser over every Modbus capture of the shared
// corpus and checks the (unit id, function code) pairs and ADU counts
// against tshark's, and every anomaly against the explained deviations.
func TestCaptures(t *testing.T) {
	dir := corpus.Dir(t)
	captures := modbusCaptures(t)
	for _, path := range slices.Sorted(maps.Keys(captures)) {
		rel := corpus.Name(dir, path)
		t.Run(rel, func(t *testing.T) {
			tr := captures[path].Modbus
			dev := deviations[rel]
			res := dissectCapture(t, path)
			want := map[string][]int{}
			for u, fcs := range tr.FunctionCodesPerUnit {
				for _, fc := range fcs {
					if !slices.Contains(dev.missing[u], fc) {
						want[u] = append(want[u], fc)
					}
				}
			}
			for u, fcs := range dev.extra {
				want[u] = append(want[u], fcs...)
			}
			for _, v := range want {
				slices.Sort(v)
			}
			if !maps.EqualFunc(res.pairs, want, slices.Equal) {
				t.Errorf("function codes per unit:\ngot  %v\nwant %v", res.pairs, want)
			}
			if dev.anomalies == nil {
				dev.anomalies = map[string]int{}
			}
			if !maps.Equal(res.anomalies, dev.anomalies) {
				t.Errorf("anomalies %v, explained %v", res.anomalies, dev.anomalies)
			}
			if res.rejected != dev.rejected {
				t.Errorf("probe rejected %d flows, want %d", res.rejected, dev.rejected)
			}
			if res.records[0] != tr.RequestCount+dev.requests || res.records[1] != tr.ResponseCount+dev.replies {
				t.Errorf("%d requests, %d responses; tshark %d, %d; explained difference %d, %d",
					res.records[0], res.records[1], tr.RequestCount, tr.ResponseCount, dev.requests, dev.replies)
			}
		})
	}
	for rel := range deviations {
		if captures[filepath.Join(dir, filepath.FromSlash(rel))] == nil {
			t.Errorf("deviation listed for %s, which has no modbus truth", rel)
		}
	}
}
