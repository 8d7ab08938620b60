package modbus

import (
	"slices"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

// Each documented anomaly, raised by the bytes the specification forbids.
// Only anomalies (and how many records) are checked here; the records
// themselves are checked in TestFunctionCodes.
func TestAnomalies(t *testing.T) {
	for _, tc := range anomalyCases {
		t.Run(tc.name, func(t *testing.T) {
			c := run(t, tc.opts, tc.steps...)
			if got := c.anomalies(); !slices.Equal(got, prefixed(tc.want)) {
				t.Errorf("anomalies %v, want %v", got, tc.want)
			}
			if len(c.recs) != tc.records {
				t.Errorf("%d records, want %d", len(c.recs), tc.records)
			}
		})
	}
}

// Every documented anomaly is raised by some test input, and every name
// is in the documented list.
func TestAnomalyListComplete(t *testing.T) {
	if len(Anomalies) != int(numAnomalies) {
		t.Fatalf("%d documented anomalies, %d kinds", len(Anomalies), numAnomalies)
	}
	seen := map[string]bool{}
	for _, a := range Anomalies {
		if !strings.HasPrefix(a.Name, "modbus.") || seen[a.Name] {
			t.Errorf("%s is not a new modbus.* name", a.Name)
		}
		seen[a.Name] = true
		if a.Description == "" {
			t.Errorf("%s has no description", a.Name)
		}
	}
}

func prefixed(names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, "!"+n)
	}
	return out
}

func repeatHex(h string, n int) string {
	b := make([]byte, 0, len(h)*n)
	for range n {
		b = append(b, h...)
	}
	return string(b)
}

var anomalyCases = []struct {
	name    string
	opts    Options
	steps   []step
	records int
	want    []string
}{
	{"protocol id 1: ADU skipped, next ADU parsed", Options{}, []step{req(
		"0001 0001 0006 01 03 0000 0001" + // protocol id 1
			"0002 0000 0006 01 03 0000 0001")}, // valid FC3 request
		1, []string{AnomalyInvalidProtocolID}},
	{"MBAP length 1 (unit id only)", Options{}, []step{req("0001 0000 0001 01 03 0000 0001")}, 0, []string{AnomalyInvalidLength}},
	{"MBAP length 0", Options{}, []step{req("0001 0000 0000 01 03")}, 0, []string{AnomalyInvalidLength}},
	{"MBAP length 255 (oversized, still decoded)", Options{}, []step{req("0001 0000 00FF 00 5A 00 0A" + repeatHex("54", 251))}, 1, []string{AnomalyInvalidLength}},
	{"function code 0", Options{}, []step{req("0001 0000 0006 01 00 0000 0000")}, 1, []string{AnomalyUnknownFunction}},
	{"unassigned function code 29", Options{}, []step{req("0001 0000 0004 01 1D 01 02")}, 1, []string{AnomalyUnknownFunction}},
	{"request with the exception bit set", Options{}, []step{req("0001 0000 0003 01 83 02")}, 1, []string{AnomalyUnknownFunction}},
	// unmatched_response needs a request seen in the flow since its start
	// or since the last Gap in the requests: before that, a response may
	// answer a request the sensor never saw.
	{"lone response at flow start: not flagged", Options{}, []step{
		resp("0001 0000 0005 01 03 02 0000")}, // FC3 response, transaction 1, no request seen
		1, nil},
	{"response without request, after a request of another transaction", Options{}, []step{
		req("0001 0000 0006 01 03 0000 0001"), // FC3 request, transaction 1
		resp("0002 0000 0005 01 03 02 0000")}, // FC3 response, transaction 2
		2, []string{AnomalyUnmatchedResponse}},
	{"request, gap in requests, unknown response: not flagged", Options{}, []step{
		req("0001 0000 0006 01 03 0000 0001"),
		gapIn(dissectors.ToServer),
		resp("0002 0000 0005 01 03 02 0000")}, // may answer a request lost in the gap
		2, nil},
	{"request, gap in requests, unknown response, request, unknown response: second flagged", Options{}, []step{
		req("0001 0000 0006 01 03 0000 0001"),
		gapIn(dissectors.ToServer),
		resp("0002 0000 0005 01 03 02 0000"),  // not flagged (case above)
		req("0003 0000 0006 01 03 0000 0001"), // a request seen again
		resp("0004 0000 0005 01 03 02 0000")}, // transaction 4 was never requested
		4, []string{AnomalyUnmatchedResponse}},
	{"request, gap in requests, response with the request's ids and another function code", Options{}, []step{
		req("0001 0000 0006 01 03 0000 0001"), // FC3, still pending after the gap
		gapIn(dissectors.ToServer),
		resp("0001 0000 0005 01 04 02 0000")}, // FC4
		2, []string{AnomalyUnmatchedResponse}},
	{"request, gap in responses, unknown response: still flagged", Options{}, []step{
		req("0001 0000 0006 01 03 0000 0001"),
		gapIn(dissectors.ToClient), // lost responses do not hide requests
		resp("0002 0000 0005 01 03 02 0000")},
		2, []string{AnomalyUnmatchedResponse}},
	{"response to another unit", Options{}, []step{
		req("0001 0000 0006 01 03 0000 0001"),
		resp("0001 0000 0005 02 03 02 0000")}, // unit 2
		2, []string{AnomalyUnmatchedResponse}},
	{"response with another function code", Options{}, []step{
		req("0001 0000 0006 01 03 0000 0001"),
		resp("0001 0000 0005 01 04 02 0000")}, // FC4
		2, []string{AnomalyUnmatchedResponse}},
	{"outstanding cap 2: third request evicts the first", Options{MaxOutstanding: 2}, []step{
		req("0001 0000 0006 01 03 0000 0001"),
		req("0002 0000 0006 01 03 0000 0001"),
		req("0003 0000 0006 01 03 0000 0001"),
		resp("0001 0000 0005 01 03 02 0000"), // its request was forgotten
		resp("0002 0000 0005 01 03 02 0000"), // still matched
		resp("0003 0000 0005 01 03 02 0000")},
		6, []string{AnomalyTooManyOutstanding, AnomalyUnmatchedResponse}},
	{"FC3 response byte count 4 with 2 bytes", Options{}, []step{resp("0001 0000 0005 01 03 04 0000")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC3 response odd byte count", Options{}, []step{resp("0001 0000 0006 01 03 03 000000")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC3 response of 2 registers to a 1-register request", Options{}, []step{
		req("0001 0000 0006 01 03 0000 0001"),
		resp("0001 0000 0007 01 03 04 0000 0000")},
		2, []string{AnomalyInvalidFunctionData}},
	{"FC1 response of 2 bytes to a 3-coil request", Options{}, []step{
		req("0001 0000 0006 01 01 0000 0003"),
		resp("0001 0000 0005 01 01 02 07 00")},
		2, []string{AnomalyInvalidFunctionData}},
	{"FC1 request one byte short", Options{}, []step{req("0001 0000 0005 01 01 0000 00")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC7 request with data", Options{}, []step{req("0001 0000 0003 01 07 00")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC15 byte count 1 for 10 coils", Options{}, []step{req("0001 0000 0008 01 0F 0013 000A 01 CD")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC16 byte count 2 for 2 registers", Options{}, []step{req("0001 0000 0009 01 10 0001 0002 02 000A")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC20 request byte count 0 (ICSNPP sample)", Options{}, []step{req("0001 0000 0003 08 14 00")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC23 write byte count does not match quantity", Options{}, []step{req("0001 0000 000D 01 17 0003 0001 000E 0002 02 00FF")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC24 byte count does not match FIFO count", Options{}, []step{resp("0001 0000 0008 01 18 0004 0002 01B8")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC43/14 response says 2 objects, has 1", Options{}, []step{resp("0001 0000 000B 01 2B 0E 01 01 00 00 02 00 02 4142")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC43/14 object value truncated", Options{}, []step{resp("0001 0000 000B 01 2B 0E 01 01 00 00 01 00 05 4142")}, 1, []string{AnomalyInvalidFunctionData}},
	{"exception response without code", Options{}, []step{resp("0001 0000 0002 01 83")}, 1, []string{AnomalyInvalidFunctionData}},
	{"exception code 9", Options{}, []step{resp("0001 0000 0003 01 83 09")}, 1, []string{AnomalyInvalidExceptionCode}},
	{"exception code 0", Options{}, []step{resp("0001 0000 0003 01 83 00")}, 1, []string{AnomalyInvalidExceptionCode}},
	{"FC5 value 0x1234", Options{}, []step{req("0001 0000 0006 01 05 0001 1234")}, 1, []string{AnomalyInvalidValue}},
	{"FC3 quantity 0", Options{}, []step{req("0001 0000 0006 01 03 0000 0000")}, 1, []string{AnomalyInvalidValue}},
	{"FC3 quantity 126", Options{}, []step{req("0001 0000 0006 01 03 0000 007E")}, 1, []string{AnomalyInvalidValue}},
	{"FC1 quantity 2001", Options{}, []step{req("0001 0000 0006 01 01 0000 07D1")}, 1, []string{AnomalyInvalidValue}},
	{"FC3 address 0xFFFF + 2 registers", Options{}, []step{req("0001 0000 0006 01 03 FFFF 0002")}, 1, []string{AnomalyInvalidValue}},
	{"FC16 quantity 124", Options{}, []step{req("0001 0000 00FF 01 10 0000 007C F8" + repeatHex("0000", 124))}, 1, []string{AnomalyInvalidLength, AnomalyInvalidValue}},
	{"FC8 reserved sub-function 5", Options{}, []step{req("0001 0000 0006 01 08 0005 0000")}, 1, []string{AnomalyInvalidValue}},
	{"FC8 restart with data 0x1234", Options{}, []step{req("0001 0000 0006 01 08 0001 1234")}, 1, []string{AnomalyInvalidValue}},
	{"FC8 odd data length", Options{}, []step{req("0001 0000 0005 01 08 0000 A5")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC11 status word 0x0001", Options{}, []step{resp("0001 0000 0006 01 0B 0001 0000")}, 1, []string{AnomalyInvalidValue}},
	{"FC20 reference type 7", Options{}, []step{req("0001 0000 000A 01 14 07 07 0004 0001 0002")}, 1, []string{AnomalyInvalidValue}},
	{"FC20 record number 10000", Options{}, []step{req("0001 0000 000A 01 14 07 06 0004 2710 0002")}, 1, []string{AnomalyInvalidValue}},
	{"FC24 FIFO count 32", Options{}, []step{resp("0001 0000 0046 01 18 0042 0020" + repeatHex("0000", 32))}, 1, []string{AnomalyInvalidValue}},
	{"FC43 reserved MEI type 0 (zeek fuzz-72)", Options{}, []step{req("0001 0000 0005 01 2B 00 01 00")}, 1, []string{AnomalyInvalidValue}},
	{"FC43/14 read device id code 5", Options{}, []step{req("0001 0000 0005 01 2B 0E 05 00")}, 1, []string{AnomalyInvalidValue}},
	{"FC43/14 conformity level 4", Options{}, []step{resp("0001 0000 0008 01 2B 0E 01 04 00 00 00")}, 1, []string{AnomalyInvalidValue}},
	{"FC43/14 more follows 0x01", Options{}, []step{resp("0001 0000 0008 01 2B 0E 01 01 01 00 00")}, 1, []string{AnomalyInvalidValue}},
	{"FC20 file number 0", Options{}, []step{req("0001 0000 000A 01 14 07 06 0000 0001 0002")}, 1, []string{AnomalyInvalidValue}},
	{"FC20 response sub-response of even length", Options{}, []step{resp("0001 0000 0007 01 14 04 04 06 0DFE")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC20 response reference type 5", Options{}, []step{resp("0001 0000 0007 01 14 04 03 05 0DFE")}, 1, []string{AnomalyInvalidValue}},
	{"FC21 data length 5: below 9, sub-request truncated", Options{}, []step{req("0001 0000 0008 01 15 05 06 0004 0001")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC21 record data shorter than record length 2", Options{}, []step{req("0001 0000 000C 01 15 09 06 0004 0001 0002 0001")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC17 response with byte count 0", Options{}, []step{resp("0001 0000 0003 01 11 00")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC1 response with byte count 0", Options{}, []step{resp("0001 0000 0003 01 01 00")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC3 response without byte count", Options{}, []step{resp("0001 0000 0002 01 03")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC8 without sub-function", Options{}, []step{req("0001 0000 0003 01 08 00")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC8 ASCII delimiter data 0D01 (low byte must be 0)", Options{}, []step{req("0001 0000 0006 01 08 0003 0D01")}, 1, []string{AnomalyInvalidValue}},
	{"FC8 return diagnostic register with data 1", Options{}, []step{req("0001 0000 0006 01 08 0002 0001")}, 1, []string{AnomalyInvalidValue}},
	{"FC8 bus message count with two data words", Options{}, []step{req("0001 0000 0008 01 08 000B 0000 0000")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC12 response byte count 4", Options{}, []step{resp("0001 0000 0007 01 0C 04 0000 0000")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC15 request shorter than its header", Options{}, []step{req("0001 0000 0005 01 0F 0000 00")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC23 request shorter than its header", Options{}, []step{req("0001 0000 0005 01 17 0000 00")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC24 response shorter than its header", Options{}, []step{resp("0001 0000 0004 01 18 0000")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC43 without MEI type", Options{}, []step{req("0001 0000 0002 01 2B")}, 1, []string{AnomalyInvalidFunctionData}},
	{"FC43/14 response shorter than its header", Options{}, []step{resp("0001 0000 0006 01 2B 0E 01 01 00")}, 1, []string{AnomalyInvalidFunctionData}},
	{"UMAS PDU without function byte", Options{}, []step{req("0001 0000 0003 00 5A 00")}, 1, []string{AnomalyInvalidFunctionData}},
}
