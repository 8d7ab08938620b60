package synth

import (
	"bytes"
	"testing"
	"time"
)

// TestDNP3Objects checks object headers and objects against the layouts
// of IEEE 1815-2012 (4.2.2.5 headers, annex A objects). Values are
// little-endian; times are milliseconds since 1970 in 48 bits.
func TestDNP3Objects(t *testing.T) {
	at := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC) // 1709280000000 ms = 0x018DF906F800
	for _, c := range []struct {
		name string
		got  []byte
		hex  string
	}{
		{"class polls", AppendDNP3ClassPoll(nil, 0, 3), "3c 01 06 3c 04 06"},
		// Range codes: 1-octet start/stop, 2-octet start/stop, 4-octet
		// count, 2-octet index prefix with 2-octet count.
		{"q00", DNP3Header{Group: 1, Variation: 2, Qualifier: 0x00, Start: 3, Stop: 9}.Append(nil), "01 02 00 03 09"},
		{"q01", DNP3Header{Group: 30, Variation: 1, Qualifier: 0x01, Start: 0x100, Stop: 0x1ff}.Append(nil), "1e 01 01 00 01 ff 01"},
		{"q09", DNP3Header{Group: 20, Variation: 1, Qualifier: 0x09, Count: 0x01020304}.Append(nil), "14 01 09 04 03 02 01"},
		{"q28", DNP3Header{Group: 12, Variation: 1, Qualifier: 0x28, Count: 2}.Append(nil), "0c 01 28 02 00"},
		{"q5b", DNP3Header{Group: 120, Variation: 1, Qualifier: 0x5B, Count: 1}.Append(nil), "78 01 5b 01"},
		// g1v2: flags ONLINE (01) plus state (80).
		{"g1v2", AppendDNP3BinaryInputs(nil, 4, []bool{true, false}), "01 02 00 04 05 81 01"},
		// Indexes past 255 switch to 2-octet start/stop.
		{"g1v2 wide", AppendDNP3BinaryInputs(nil, 255, []bool{false, false}), "01 02 01 ff 00 00 01 01 01"},
		// g30v1: flag, int32 (-2 = fe ff ff ff).
		{"g30v1", AppendDNP3AnalogInputs32(nil, 0, []int32{-2}), "1e 01 00 00 00 01 fe ff ff ff"},
		{"g30v2", AppendDNP3AnalogInputs16(nil, 1, []int16{0x1234}), "1e 02 00 01 01 01 34 12"},
		{"g20v1", AppendDNP3Counters32(nil, 0, []uint32{70000}), "14 01 00 00 00 01 70 11 01 00"},
		// g2v2: index 7, flags online|state, time.
		{"g2v2", AppendDNP3BinaryEvents(nil, []DNP3BinaryEvent{{Index: 7, State: true, Time: at}}), "02 02 28 01 00 07 00 81 00 f8 06 f9 8d 01"},
		{"g32v1", AppendDNP3AnalogEvents(nil, []DNP3AnalogEvent{{Index: 258, Value: 100}}), "20 01 28 01 00 02 01 01 64 00 00 00"},
		{"g50v1", AppendDNP3Time(nil, at), "32 01 07 01 00 f8 06 f9 8d 01"},
		{"g52v2", AppendDNP3TimeDelayFine(nil, 2000), "34 02 07 01 d0 07"},
		// g80v1 index 7 set to 0: clears DEVICE_RESTART.
		{"g80v1", AppendDNP3IINWrite(nil, 7, false), "50 01 00 07 07 00"},
		// g12v1: index 3, pulse on + close (41), count 1, on 1000 ms
		// (e8 03 00 00), off 500 ms (f4 01 00 00), status 0.
		{"g12v1", AppendDNP3CROB(nil, DNP3CROB{Index: 3, Code: DNP3OpPulseOn | DNP3TCCClose, Count: 1, OnMs: 1000, OffMs: 500}),
			"0c 01 28 01 00 03 00 41 01 e8 03 00 00 f4 01 00 00 00"},
		{"g41v1", AppendDNP3AnalogOutput(nil, DNP3AnalogOutput{Variation: 1, Index: 0, Value: 1500}), "29 01 28 01 00 00 00 dc 05 00 00 00"},
		{"g41v2", AppendDNP3AnalogOutput(nil, DNP3AnalogOutput{Variation: 2, Index: 1, Value: -250, Status: 4}), "29 02 28 01 00 01 00 06 ff 04"},
		// 1.5 as float32 is 3fc00000, as float64 3ff8000000000000.
		{"g41v3", AppendDNP3AnalogOutput(nil, DNP3AnalogOutput{Variation: 3, Index: 2, Value: 1.5}), "29 03 28 01 00 02 00 00 00 c0 3f 00"},
		{"g41v4", AppendDNP3AnalogOutput(nil, DNP3AnalogOutput{Variation: 4, Index: 2, Value: 1.5}), "29 04 28 01 00 02 00 00 00 00 00 00 00 f8 3f 00"},
		// g0 attribute read (set 0) and a VSTR answer: type 1, length 3.
		{"g0 read", AppendDNP3AttributeRead(nil, DNP3AttrManufacturer), "00 fc 00 00 00"},
		{"g0v242", AppendDNP3AttributeString(nil, DNP3AttrSoftwareVersion, "4.2"), "00 f2 00 00 00 01 03 34 2e 32"},
		{"g0 uint", AppendDNP3Attribute(nil, 249, DNP3AttrTypeUINT, []byte{2}), "00 f9 00 00 00 02 01 02"},
	} {
		if want := unhex(t, c.hex); !bytes.Equal(c.got, want) {
			t.Errorf("%s: % x, want % x", c.name, c.got, want)
		}
	}
}

// TestDNP3BuildersDoNotAllocate builds a poll and a response into
// buffers with room, as the benchmark does.
func TestDNP3BuildersDoNotAllocate(t *testing.T) {
	frag := make([]byte, 0, 1024)
	wire := make([]byte, 0, 2048)
	vals := make([]int32, 100)
	l := DNP3UserData(false, 1, 10)
	n := testing.AllocsPerRun(100, func() {
		frag = AppendDNP3Response(frag[:0], DNP3Single(1), DNP3Response, 0)
		frag = AppendDNP3AnalogInputs32(frag, 0, vals)
		wire, _ = l.AppendFragment(wire[:0], frag, 0)
	})
	if n != 0 {
		t.Errorf("%v allocations per response", n)
	}
}
