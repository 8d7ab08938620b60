package modbus

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// A request stream and its response stream (spec examples, see
// TestFunctionCodes): FC3, FC16, FC43/14, FC1.
const (
	streamRequests = "0003 0000 0006 11 03 006B 0003" +
		"0011 0000 000B 01 10 0001 0002 04 000A 0102" +
		"0019 0000 0005 01 2B 0E 01 00" +
		"0001 0000 0006 01 01 0013 0013"
	streamResponses = "0003 0000 0009 11 03 06 022B 0000 0064" +
		"0011 0000 0006 01 10 0001 0002" +
		"0019 0000 0035 01 2B 0E 01 01 00 00 03" +
		"00 16 436f6d70616e79206964656e74696669636174696f6e" +
		"01 0C 50726f6475637420636f6465" +
		"02 05 56322e3131" +
		"0001 0000 0006 01 01 03 CD 6B 05"
)

func TestSeveralADUsInOneCall(t *testing.T) {
	c := run(t, Options{}, req(streamRequests), resp(streamResponses))
	if len(c.recs) != 8 || len(c.anomalies()) != 0 {
		t.Fatalf("got %d records and anomalies %v, want 8 and none:\n%s", len(c.recs), c.anomalies(), strings.Join(c.events, "\n"))
	}
	want := []uint8{3, 16, 43, 1, 3, 16, 43, 1}
	for i, r := range c.recs {
		if r.FunctionCode != want[i] || r.Response != (i >= 4) {
			t.Errorf("record %d: FC %d response %v", i, r.FunctionCode, r.Response)
		}
	}
	if d := c.recs[6].DeviceID; d == nil || d.VendorName != "Company identification" || d.Revision != "V2.11" {
		t.Errorf("device id %+v", c.recs[6].DeviceID)
	}
}

// Splitting the streams at any byte boundary gives the same events as
// feeding them whole.
func TestSplitAtEveryBoundary(t *testing.T) {
	whole := run(t, Options{}, req(streamRequests), resp(streamResponses)).events
	for _, s := range []step{req(streamRequests), resp(streamResponses)} {
		b := unhex(t, s.hex)
		for k := 0; k <= len(b); k++ {
			steps := []step{req(streamRequests), resp(streamResponses)}
			i := slices.IndexFunc(steps, func(x step) bool { return x.dir == s.dir })
			a, z := hexOf(b[:k]), hexOf(b[k:])
			steps = slices.Replace(steps, i, i+1, step{dir: s.dir, hex: a}, step{dir: s.dir, hex: z})
			got := run(t, Options{}, steps...).events
			if !slices.Equal(got, whole) {
				t.Fatalf("split %s at %d:\ngot  %s\nwant %s", s.dir, k, strings.Join(got, "\n     "), strings.Join(whole, "\n     "))
			}
		}
	}
}

// Byte-at-a-time feeding gives the same events too.
func TestOneByteAtATime(t *testing.T) {
	whole := run(t, Options{}, req(streamRequests), resp(streamResponses)).events
	var steps []step
	for _, s := range []step{req(streamRequests), resp(streamResponses)} {
		for _, x := range unhex(t, s.hex) {
			steps = append(steps, step{dir: s.dir, hex: hexOf([]byte{x})})
		}
	}
	if got := run(t, Options{}, steps...).events; !slices.Equal(got, whole) {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, "\n     "), strings.Join(whole, "\n     "))
	}
}

// feeder drives one parser and keeps unconsumed bytes per direction, the
// way the flow layer does.
type feeder struct {
	t    *testing.T
	p    dissectors.Parser
	c    collector
	left [2][]byte
}

func newFeeder(t *testing.T, opts Options, transport dissectors.Transport) *feeder {
	return &feeder{t: t, p: New(opts).NewParser(&dissectors.Flow{Transport: transport})}
}

// feed parses left-over + hex at ts and returns how many bytes were
// consumed.
func (f *feeder) feed(dir dissectors.Direction, h string, ts time.Time) int {
	f.t.Helper()
	data := append(f.left[dir], unhex(f.t, h)...)
	n, err := f.p.Parse(dir, data, ts, &f.c)
	if err != nil || n < 0 || n > len(data) {
		f.t.Fatalf("Parse = %d, %v", n, err)
	}
	f.left[dir] = append([]byte(nil), data[n:]...)
	return n
}

func (f *feeder) gap(dir dissectors.Direction) {
	f.p.Gap(dir)
	f.left[dir] = nil // the flow layer drops what preceded the gap
}

func TestResyncAfterGap(t *testing.T) {
	f := newFeeder(t, Options{}, dissectors.TCP)
	// First half of an FC3 request: nothing consumed yet.
	if n := f.feed(dissectors.ToServer, "0001 0000 0006 01 03", t0); n != 0 {
		t.Fatalf("consumed %d of a partial ADU", n)
	}
	f.gap(dissectors.ToServer)
	// After the gap: the tail of some lost ADU (not a header) is dropped,
	// but for its last bytes, which could begin a header.
	if n := f.feed(dissectors.ToServer, "0064 0000 0001 0002 0003 0004", t0); n < 12-headerFC+1 {
		t.Fatalf("consumed %d of a 12-byte garbage chunk, want all but at most %d", n, headerFC-1)
	}
	// The next chunk starts with a header: parsed.
	f.feed(dissectors.ToServer, "0002 0000 0006 01 03 0010 0002", t0)
	sameEvents(t, f.c.events, []string{
		`{"transaction_id":2,"unit_id":1,"function_code":3,"function":"read_holding_registers","response":false,"address":16,"quantity":2}`,
	})
}

func TestResyncAfterGapAtHeader(t *testing.T) {
	f := newFeeder(t, Options{}, dissectors.TCP)
	f.gap(dissectors.ToClient)
	// A chunk that starts with a partial but plausible header waits for more.
	if n := f.feed(dissectors.ToClient, "0002 0000 00", t0); n != 0 {
		t.Fatalf("consumed %d of a plausible partial header", n)
	}
	f.feed(dissectors.ToClient, "05 01 03 02 0102", t0)
	sameEvents(t, f.c.events, []string{
		`{"transaction_id":2,"unit_id":1,"function_code":3,"function":"read_holding_registers","response":true,"byte_count":2,"values":[258]}`,
	})
}

func TestResyncAfterGarbage(t *testing.T) {
	f := newFeeder(t, Options{}, dissectors.TCP)
	http := "474554202f20485454502f312e310d0a486f73743a20780d0a0d0a" // "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	if n := f.feed(dissectors.ToServer, http, t0); n < 27-headerFC+1 {
		t.Fatalf("consumed %d of 27 garbage bytes, want all but at most %d", n, headerFC-1)
	}
	// More garbage while resynchronising: consumed silently.
	f.feed(dissectors.ToServer, "16030100a5010000a10303", t0) // a TLS ClientHello start
	// A valid ADU followed by garbage in the same chunk: the ADU is parsed,
	// the garbage raises one anomaly and is dropped.
	f.feed(dissectors.ToServer, "0003 0000 0006 01 06 0001 0003"+"ffff ffff ffff ffff", t0)
	f.feed(dissectors.ToServer, "0004 0000 0006 01 06 0002 0004", t0)
	sameEvents(t, f.c.events, []string{
		"!" + AnomalyInvalidProtocolID,
		`{"transaction_id":3,"unit_id":1,"function_code":6,"function":"write_single_register","response":false,"address":1,"values":[3]}`,
		"!" + AnomalyInvalidProtocolID,
		`{"transaction_id":4,"unit_id":1,"function_code":6,"function":"write_single_register","response":false,"address":2,"values":[4]}`,
	})
}

// An ADU with a bad protocol id but a plausible length is skipped even
// when it arrives in pieces, and raises its anomaly once.
func TestBadProtocolIDSplit(t *testing.T) {
	f := newFeeder(t, Options{}, dissectors.TCP)
	if n := f.feed(dissectors.ToServer, "0001 0005 0006 01 03", t0); n != 8 {
		t.Fatalf("consumed %d", n)
	}
	f.feed(dissectors.ToServer, "0000 0001"+"0002 0000 0006 01 03 0000 0001", t0)
	if got := f.c.anomalies(); !slices.Equal(got, []string{"!" + AnomalyInvalidProtocolID}) || len(f.c.recs) != 1 || f.c.recs[0].TransactionID != 2 {
		t.Fatalf("events %v", f.c.events)
	}
}

// An ADU longer than 260 bytes that is complete in the buffer is decoded;
// one that is not is decoded from its first 260 bytes and the rest is
// skipped as it arrives, keeping the stream in sync.
func TestOversizedADU(t *testing.T) {
	f := newFeeder(t, Options{}, dissectors.TCP)
	// UMAS REPEAT (0x0A) request, MBAP length 255, as in ITI modicon_test.pcap.
	f.feed(dissectors.ToServer, "0007 0000 00FF 00 5A 00 0A"+repeatHex("54", 251), t0)
	// MBAP length 0x0400: 1 + 1023-byte UMAS PDU (download_block), sent as 300 + 730 bytes.
	big := "0008 0000 0400 00 5A 01 34" + repeatHex("AB", 1020)
	b := unhex(t, big)
	if n := f.feed(dissectors.ToServer, hexOf(b[:200]), t0); n != 0 {
		t.Fatalf("consumed %d of 200 bytes of an oversized ADU", n)
	}
	if n := f.feed(dissectors.ToServer, hexOf(b[200:300]), t0); n != 300 {
		t.Fatalf("consumed %d of 300 bytes of an oversized ADU", n)
	}
	f.feed(dissectors.ToServer, hexOf(b[300:])+"0009 0000 0004 00 5A 01 12", t0) // then a KEEP_ALIVE
	sameEvents(t, f.c.events, []string{
		`{"transaction_id":7,"unit_id":0,"function_code":90,"function":"umas","response":false,"sub_function":10,"sub_function_name":"repeat","umas_session":0,"data_length":251}`,
		"!" + AnomalyInvalidLength,
		`{"transaction_id":8,"unit_id":0,"function_code":90,"function":"umas","response":false,"sub_function":52,"sub_function_name":"download_block","umas_session":1,"data_length":1020}`,
		"!" + AnomalyInvalidLength,
		`{"transaction_id":9,"unit_id":0,"function_code":90,"function":"umas","response":false,"sub_function":18,"sub_function_name":"keep_alive","umas_session":1,"data_length":0}`,
	})
}

func TestUDP(t *testing.T) {
	f := newFeeder(t, Options{}, dissectors.UDP)
	// Two ADUs in one datagram.
	if n := f.feed(dissectors.ToServer, "0001 0000 0006 01 03 0000 0001"+"0002 0000 0006 01 03 0001 0001", t0); n != 24 {
		t.Fatalf("consumed %d of 24", n)
	}
	f.left[dissectors.ToServer] = nil
	// A datagram that ends inside its ADU: anomaly, all consumed.
	if n := f.feed(dissectors.ToServer, "0003 0000 0006 01 03 00", t0); n != 9 {
		t.Fatalf("consumed %d of a truncated datagram", n)
	}
	f.left[dissectors.ToServer] = nil
	// Garbage, then a valid datagram: each datagram is framed afresh.
	f.feed(dissectors.ToServer, "ffffffffffffffff", t0)
	f.left[dissectors.ToServer] = nil
	f.feed(dissectors.ToClient, "0001 0000 0005 01 03 02 0102", t0)
	sameEvents(t, f.c.events, []string{
		`{"transaction_id":1,"unit_id":1,"function_code":3,"function":"read_holding_registers","response":false,"address":0,"quantity":1}`,
		`{"transaction_id":2,"unit_id":1,"function_code":3,"function":"read_holding_registers","response":false,"address":1,"quantity":1}`,
		"!" + AnomalyInvalidLength,
		"!" + AnomalyInvalidProtocolID,
		`{"transaction_id":1,"unit_id":1,"function_code":3,"function":"read_holding_registers","response":true,"address":0,"quantity":1,"byte_count":2,"values":[258]}`,
	})
}

func TestRequestTimeout(t *testing.T) {
	for _, tc := range []struct {
		timeout   time.Duration
		unmatched bool
	}{{0, true}, {time.Minute, false}, {-1, false}} {
		f := newFeeder(t, Options{RequestTimeout: tc.timeout}, dissectors.TCP)
		f.feed(dissectors.ToServer, "0001 0000 0006 01 03 0000 0001", t0)
		// Another request 31s later expires the first under the 30s default.
		f.feed(dissectors.ToServer, "0002 0000 0006 01 03 0000 0001", t0.Add(31*time.Second))
		f.feed(dissectors.ToClient, "0001 0000 0005 01 03 02 0102", t0.Add(31*time.Second))
		got := slices.Contains(f.c.anomalies(), "!"+AnomalyUnmatchedResponse)
		if got != tc.unmatched {
			t.Errorf("timeout %v: unmatched %v, want %v", tc.timeout, got, tc.unmatched)
		}
	}
}

// Requests pipelined under one transaction id (as in ITI
// modbus_test.pcap: three FC6 writes with id 0x01F8) are matched in order.
func TestPipelinedSameTransactionID(t *testing.T) {
	c := run(t, Options{},
		req("01F8 0000 0006 07 06 0004 09C4"+"01F8 0000 0006 07 06 0004 0000"+"01F8 0000 0006 07 06 0005 36C1"),
		resp("01F8 0000 0006 07 06 0004 09C4"),
		resp("01F8 0000 0006 07 06 0004 0000"),
		resp("01F8 0000 0006 07 06 0005 36C1"))
	if a := c.anomalies(); len(a) != 0 {
		t.Fatalf("anomalies %v", a)
	}
}

// A client that always sends transaction id 0: an unanswered request of
// another function code does not steal the next response, and a response
// of a function code never requested is unmatched.
func TestTransactionIDZero(t *testing.T) {
	c := run(t, Options{},
		req("0000 0000 0006 01 03 0010 0002"), // FC3, never answered
		req("0000 0000 0006 01 04 0020 0001"), // FC4
		resp("0000 0000 0005 01 04 02 0102"),  // matches the FC4 request
		resp("0000 0000 0004 01 02 01 01"))    // FC2: nothing asked
	if len(c.recs) != 4 || c.recs[2].Address != 0x20 || !c.recs[2].Has(FieldAddress) {
		t.Fatalf("records %+v", c.recs)
	}
	if a := c.anomalies(); !slices.Equal(a, []string{"!" + AnomalyUnmatchedResponse}) {
		t.Fatalf("anomalies %v", a)
	}
}

func TestEventFields(t *testing.T) {
	p := New(Options{}).NewParser(nil)
	// An FC3 request (transaction 9), so that the parser has seen a
	// request and flags the response to transaction 1 as unmatched.
	p.Parse(dissectors.ToServer, unhex(t, "0009 0000 0006 01 03 0000 0001"), t0, dissectortest.Func(func(*dissectors.Event) {}))
	var got []dissectors.Event
	p.Parse(dissectors.ToClient, unhex(t, "0001 0000 0005 01 03 02 0102"), t0, dissectortest.Func(func(ev *dissectors.Event) {
		got = append(got, *ev)
	}))
	if len(got) != 2 {
		t.Fatalf("%d events", len(got))
	}
	for _, ev := range got {
		if !ev.Time.Equal(t0) || ev.Dir != dissectors.ToClient || ev.Flow != nil {
			t.Errorf("event time %v dir %v flow %v", ev.Time, ev.Dir, ev.Flow)
		}
	}
	if got[0].Record == nil || got[0].Record.AppProto() != "modbus" || got[0].Anomaly != nil {
		t.Errorf("first event is not the record: %+v", got[0])
	}
	if got[1].Anomaly == nil || got[1].Anomaly.AppProto != "modbus" || got[1].Anomaly.Name != AnomalyUnmatchedResponse || got[1].Record != nil {
		t.Errorf("second event is not the anomaly: %+v", got[1])
	}
}

// The rule of the table cases on unmatched responses after a gap, with
// the order of events: only the response after the new request is flagged.
func TestUnmatchedAfterGapInRequests(t *testing.T) {
	c := run(t, Options{},
		req("0001 0000 0006 01 03 0000 0001"), // FC3 request, transaction 1
		gapIn(dissectors.ToServer),
		resp("0002 0000 0005 01 03 02 0000"),  // transaction 2: its request may be lost
		req("0003 0000 0006 01 03 0000 0001"), // FC3 request, transaction 3
		resp("0004 0000 0005 01 03 02 0000"),  // transaction 4: never requested
		resp("0003 0000 0005 01 03 02 0000"))  // answers transaction 3
	var kinds []string
	for _, e := range c.events {
		if strings.HasPrefix(e, "!") {
			kinds = append(kinds, e)
		} else {
			kinds = append(kinds, "record")
		}
	}
	want := []string{"record", "record", "record", "record", "!" + AnomalyUnmatchedResponse, "record"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("events %v, want %v", kinds, want)
	}
	if c.recs[3].TransactionID != 4 {
		t.Fatalf("flagged record has transaction %d, want 4", c.recs[3].TransactionID)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}
