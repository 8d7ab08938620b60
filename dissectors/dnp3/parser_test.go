package dnp3

import (
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

// Real frames (zeek dnp3_read.pcap and dnp3_link_only.pcap; tshark
// validates every CRC in them).
const (
	// Header: len 0x14 (15 user octets), ctl c4 (DIR PRM, unconfirmed
	// user data), dst 2, src 3, CRC 0345. User data: transport c7 (FIR
	// FIN seq 7), app c8 (FIR FIN seq 8) 01 read, g60v2 06, g60v3 06,
	// g60v4 06, g60v1 06 (class 1, 2, 3, 0 polls), CRC ac42.
	readReqHex = "05 64 14 c4 02 00 03 00 45 03  c7 c8 01 3c 02 06 3c 03 06 3c 04 06 3c 01 06 42 ac"
	readReqApp = "c8013c02063c03063c04063c0106"
	// Header: len 0x74 (111 user octets: 6 blocks of 16 + 15), ctl 44
	// (PRM, unconfirmed user data, from the outstation), dst 3, src 2.
	// Transport f4 (FIR FIN seq 52), app c8 81 (response) IIN 0000, then
	// g1v2, g20v1, g30v1 ... objects.
	readRespHex = "05 64 74 44 03 00 02 00 68 54" +
		" f4 c8 81 00 00 01 02 00 00 08 81 01 81 01 01 01 d3 74" +
		" 01 01 01 0a 02 00 00 06 00 00 00 00 00 00 01 1e 6c a4" +
		" 01 00 00 0e 01 ef 03 00 00 01 03 00 00 00 01 ed 21 78" +
		" 03 00 00 01 2b d1 ff ff 01 ed 03 00 00 01 e6 2e 41 c9" +
		" 00 00 01 17 0d 02 00 00 00 00 00 00 01 b5 0c 02 c6 50" +
		" 00 00 00 00 00 00 01 8a 0d 02 00 00 00 00 00 00 06 93" +
		" 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 ff ff"
	// The response's fragment: user data without CRCs and transport
	// header (110 octets), 16 per line.
	readRespApp = "c8810000010200000881018101010101" +
		"01010a02000006000000000000011e01" +
		"00000e01ef030000010300000001ed03" +
		"0000012bd1ffff01ed03000001e62e00" +
		"0001170d0200000000000001b50c0200" +
		"0000000000018a0d0200000000000000" +
		"0000000000000000000000000000"
	// ctl 49 (PRM, request link status), dst 100, src 1.
	linkStatusReqHex = "05 64 05 49 64 00 01 00 7e 5f"
	// ctl 8b (DIR, secondary, link status), dst 1, src 100.
	linkStatusHex = "05 64 05 8b 01 00 64 00 a0 97"
)

// binaryInputs returns a response fragment (app control c0|seq: FIR FIN,
// function 81, IIN 0000) with one object header g1v2 (binary input with
// flags, one octet each), qualifier 00 (8-bit start-stop), points 0..n-1,
// each with flags 01 (online): 9+n octets.
func binaryInputs(seq byte, n int) []byte {
	b := []byte{0xC0 | seq&0x0F, 0x81, 0, 0, 0x01, 0x02, 0x00, 0, byte(n - 1)}
	for range n {
		b = append(b, 0x01)
	}
	return b
}

// segments cuts frag at the given offsets into unconfirmed user data
// frames from outstation src to master dst, transport sequence numbers
// from seq on.
func segments(dst, src uint16, seq byte, frag []byte, cuts ...int) [][]byte {
	var out [][]byte
	prev := 0
	cuts = append(cuts, len(frag))
	for i, c := range cuts {
		th := (seq + byte(i)) & thSeq
		if i == 0 {
			th |= thFIR
		}
		if i == len(cuts)-1 {
			th |= thFIN
		}
		out = append(out, userFrame(false, dst, src, th, frag[prev:c]))
		prev = c
	}
	return out
}

func TestParse(t *testing.T) {
	h := func(s string) []byte { return unhex(t, s) }
	// A three-segment fragment from outstation 4 to master 3: FIR seq 5
	// (40 octets), seq 6 (40), FIN seq 7 (10): 81 binary inputs.
	frag := binaryInputs(1, 81)
	s := segments(3, 4, 5, frag, 40, 80)
	fir, mid, fin := s[0], s[1], s[2]
	whole := "4->3 unconfirmed_user_data frames=3 fc=129 frag=" + hexOf(frag)
	// Another pair, 5 -> 3: FIR seq 0 (20 octets), FIN seq 1 (5).
	other := binaryInputs(2, 16)
	s = segments(3, 5, 0, other, 20)
	badHeader := h("05 64 05 c9 01 00 00 04 e9 22") // request link status with its CRC's high octet changed (21 -> 22)
	badData := h(readReqHex)
	badData[len(badData)-1] ^= 0xFF                             // last data block CRC broken
	small := withCRC(h("05 64 04 c9 01 00 00 04"))              // length 4: no room for control and addresses
	reset := withCRC(h("05 64 05 c0 0a 00 01 00"))              // ctl c0: DIR PRM reset link states, 1 -> 10
	ack := withCRC(h("05 64 05 00 01 00 0a 00"))                // ctl 00: secondary ack, 10 -> 1
	reserved := withCRC(h("05 64 05 c5 0a 00 01 00"))           // ctl c5: primary function 5, reserved
	confirmed := linkFrame(0xF3, 10, 1, h("c3 c3 01 3c 01 06")) // ctl f3: DIR PRM FCB FCV confirmed user data; transport c3 (FIR FIN seq 3); read g60v1
	emptyUser := withCRC(h("05 64 05 c4 0a 00 01 00"))          // unconfirmed user data without user data

	cases := []struct {
		name  string
		opts  Options
		udp   bool
		steps []linkStep
		want  []string
	}{
		{"single frame", Options{}, false, []linkStep{master(h(readReqHex))},
			[]string{"3->2 unconfirmed_user_data frames=1 fc=1 frag=" + readReqApp}},
		{"multi-block response", Options{}, false, []linkStep{outstation(h(readRespHex))},
			[]string{"2->3 unconfirmed_user_data frames=1 fc=129 frag=" + readRespApp}},
		{"several frames per call", Options{}, false, []linkStep{master(h(linkStatusReqHex), h(readReqHex), h(linkStatusReqHex))},
			[]string{"1->100 request_link_status frames=1 link_only", "3->2 unconfirmed_user_data frames=1 fc=1 frag=" + readReqApp, "1->100 request_link_status frames=1 link_only"}},
		{"link-only frames", Options{}, false, []linkStep{master(reset), outstation(ack), master(reserved), outstation(h(linkStatusHex)), master(emptyUser)},
			[]string{"1->10 reset_link_states frames=1 link_only", "10->1 ack frames=1 link_only", "1->10 reserved_5 frames=1 link_only",
				"100->1 link_status frames=1 link_only", "1->10 unconfirmed_user_data frames=1 link_only"}},
		{"confirmed user data", Options{}, false, []linkStep{master(confirmed)},
			[]string{"1->10 confirmed_user_data frames=1 fc=1 frag=c3013c0106"}},
		{"multi-segment fragment", Options{}, false, []linkStep{outstation(fir), outstation(mid, fin)}, []string{whole}},
		{"interleaved address pairs", Options{}, false, []linkStep{
			outstation(fir),
			outstation(s[0]), // 5 -> 3 FIR seq 0
			outstation(mid),
			outstation(s[1]), // 5 -> 3 FIN seq 1
			outstation(fin)},
			[]string{"5->3 unconfirmed_user_data frames=2 fc=129 frag=" + hexOf(other), whole}},
		{"directions reassemble apart", Options{}, false, []linkStep{
			outstation(fir), master(userFrame(true, 4, 3, 0x86, []byte{1, 2, 3})), outstation(mid, fin)},
			// the master's non-FIR segment (same pair reversed, other direction) does not touch the outstation's fragment
			[]string{"!missing_first_fragment", whole}},
		{"bad header CRC then good frame", Options{}, false, []linkStep{master(badHeader, h(readReqHex))},
			[]string{"!bad_link_crc", "3->2 unconfirmed_user_data frames=1 fc=1 frag=" + readReqApp}},
		{"bad data CRC skips the frame", Options{}, false, []linkStep{master(badData, h(linkStatusReqHex))},
			[]string{"!bad_link_crc", "1->100 request_link_status frames=1 link_only"}},
		{"len too small", Options{}, false, []linkStep{master(small, h(linkStatusReqHex))},
			[]string{"!len_too_small", "1->100 request_link_status frames=1 link_only"}},
		{"garbage before a frame", Options{}, false, []linkStep{master(h("00 01 02 05 05 64"), h(readReqHex))},
			// 05 64 followed by 05 64 ...: the first start's header CRC fails
			[]string{"!skipped_bytes", "!bad_link_crc", "3->2 unconfirmed_user_data frames=1 fc=1 frag=" + readReqApp}},
		{"one anomaly per run of skipped bytes", Options{}, false, []linkStep{
			master(h("00 01 02")), master(h("03 04 05")), master(h("64 99")), master(h(linkStatusReqHex), h("aa"), h(linkStatusReqHex))},
			// 05 | 64 99: the start is split across calls, its header (05 64 99 05 64 05 49 64) fails the CRC
			[]string{"!skipped_bytes", "!bad_link_crc", "1->100 request_link_status frames=1 link_only", "!skipped_bytes", "1->100 request_link_status frames=1 link_only"}},
		{"missing first fragment", Options{}, false, []linkStep{outstation(mid), outstation(fin), outstation(fir, mid, fin)},
			[]string{"!missing_first_fragment", "!missing_first_fragment", whole}},
		{"wrong sequence", Options{}, false, []linkStep{outstation(fir, fin, fir, mid, fin)},
			// seq 5 then 7: sequence error drops the fragment
			[]string{"!transport_sequence", whole}},
		{"FIR restarts a fragment", Options{}, false, []linkStep{outstation(fir, fir, mid, fin)}, []string{whole}},
		{"too long reassembly", Options{MaxFragment: 60}, false, []linkStep{
			outstation(fir, mid, mid, fin),                                      // 40 + 40 > 60: dropped up to the FIN, once
			outstation(userFrame(false, 3, 4, 0x01, []byte{1, 2, 3})),           // then a non-FIR is missing its FIR
			outstation(userFrame(false, 3, 4, 0xC9, []byte{0xC3, 0x81, 0, 0}))}, // FIR FIN seq 9: null response
			[]string{"!too_long_reassembly", "!missing_first_fragment", "4->3 unconfirmed_user_data frames=1 fc=129 frag=c3810000"}},
		{"too long single segment", Options{MaxFragment: 10}, false, []linkStep{outstation(userFrame(false, 3, 4, 0xC0, binaryInputs(0, 2)))},
			[]string{"!too_long_reassembly"}},
		{"gap mid-fragment", Options{}, false, []linkStep{outstation(fir), gapStep(dissectors.ToClient), outstation(mid, fin)},
			[]string{"!missing_first_fragment", "!missing_first_fragment"}},
		{"gap in the other direction keeps the fragment", Options{}, false, []linkStep{outstation(fir), gapStep(dissectors.ToServer), outstation(mid, fin)},
			[]string{whole}},
		{"gap drops a partial frame", Options{}, false, []linkStep{master(h(readReqHex)[:12]), gapStep(dissectors.ToServer), master(h("c8 01"), h(linkStatusReqHex))},
			[]string{"!skipped_bytes", "1->100 request_link_status frames=1 link_only"}},
		{"TCP stream ends inside a frame", Options{}, false, []linkStep{master(h(linkStatusReqHex), h(readReqHex)[:20])},
			[]string{"1->100 request_link_status frames=1 link_only", "!truncated_frame"}},
		{"TCP stream ends in a lone 05", Options{}, false, []linkStep{master(h(linkStatusReqHex), h("05"))},
			[]string{"1->100 request_link_status frames=1 link_only"}},
		{"UDP datagrams", Options{}, true, []linkStep{master(h(readReqHex), h(linkStatusReqHex)), outstation(h(readRespHex))},
			[]string{"3->2 unconfirmed_user_data frames=1 fc=1 frag=" + readReqApp, "1->100 request_link_status frames=1 link_only", "2->3 unconfirmed_user_data frames=1 fc=129 frag=" + readRespApp}},
		{"UDP truncated", Options{}, true, []linkStep{master(h(linkStatusReqHex), h(readReqHex)[:20]), master(h(readReqHex)[20:]), master(h(readReqHex)[:5])},
			// the rest of the frame in the next datagram is garbage
			[]string{"1->100 request_link_status frames=1 link_only", "!truncated_frame", "!skipped_bytes", "!truncated_frame"}},
		{"UDP fragment across datagrams", Options{}, true, []linkStep{outstation(fir), outstation(mid), outstation(fin)}, []string{whole}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sameLinkEvents(t, runLink(t, c.opts, c.udp, c.steps...).events, c.want)
		})
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	var s strings.Builder
	for _, x := range b {
		s.WriteByte(digits[x>>4])
		s.WriteByte(digits[x&15])
	}
	return s.String()
}

// TestParseSplit feeds a stream of mixed frames and garbage split in two
// at every offset: the events must be those of the unsplit stream.
func TestParseSplit(t *testing.T) {
	h := func(s string) []byte { return unhex(t, s) }
	s := segments(3, 2, 1, binaryInputs(3, 51), 30)
	stream := cat(h("ff 05"), h(linkStatusReqHex), h(readRespHex),
		s[0], h("05 64 05 c9 01 00 00 04 e9 22"),
		h(readReqHex), s[1], h("00"))
	want := runLink(t, Options{}, false, outstation(stream)).events
	if len(want) != 7 { // skipped, link status, response, bad CRC, read, fragment, skipped
		t.Fatalf("unsplit: %q", want)
	}
	for i := range len(stream) + 1 {
		got := runLink(t, Options{}, false, outstation(stream[:i]), outstation(stream[i:])).events
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("split at %d:\ngot:  %q\nwant: %q", i, got, want)
		}
	}
	// One octet per call.
	var steps []linkStep
	for _, b := range stream {
		steps = append(steps, outstation([]byte{b}))
	}
	if got := runLink(t, Options{}, false, steps...).events; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("octet by octet:\ngot:  %q\nwant: %q", got, want)
	}
}

// TestRecordLinkFields checks the link fields of a record against the
// header octets.
func TestRecordLinkFields(t *testing.T) {
	l := runLink(t, Options{}, false, master(unhex(t, readReqHex)), outstation(unhex(t, linkStatusHex)))
	if len(l.recs) != 2 {
		t.Fatalf("%d records", len(l.recs))
	}
	r := l.recs[0] // ctl c4, dst 2, src 3
	if r.Src != 3 || r.Dst != 2 || !r.FromMaster || !r.Primary || r.LinkFunctionCode != 4 || r.LinkOnly || r.Frames != 1 || r.AppProto() != "dnp3" {
		t.Errorf("read request: %+v", r)
	}
	r = l.recs[1] // ctl 8b, dst 1, src 100
	if r.Src != 100 || r.Dst != 1 || !r.FromMaster || r.Primary || r.LinkFunctionCode != 11 || !r.LinkOnly || r.FunctionCode != 0 || len(r.Objects) != 0 {
		t.Errorf("link status: %+v", r)
	}
}

// TestLinkControlBits checks FCB, FCV and DFC against the control octet:
// f3 is DIR PRM FCB FCV, confirmed user data (opendnp3 conformance 6.6.2.2,
// frame 8); 90 is DIR, secondary, DFC, ack.
func TestLinkControlBits(t *testing.T) {
	confirmed := linkFrame(0xF3, 1024, 1, []byte{0xC0, 0xC0, 0x01, 0x3C, 0x01, 0x06}) // FIR FIN, read g60v1
	ack := linkFrame(0x90, 1, 1024, nil)
	l := runLink(t, Options{}, false, master(confirmed), outstation(ack))
	if len(l.recs) != 2 {
		t.Fatalf("%d records", len(l.recs))
	}
	if r := l.recs[0]; !r.FCB || !r.FCV || r.DFC || r.LinkFunction != "confirmed_user_data" || r.FunctionCode != 1 {
		t.Errorf("confirmed user data: %+v", r)
	}
	if r := l.recs[1]; r.FCB || r.FCV || !r.DFC || r.LinkFunction != "ack" {
		t.Errorf("ack with DFC: %+v", r)
	}
}

// TestSlotsLRU: a fifth address pair takes the least recently used slot,
// whose fragment is dropped; the four others complete.
func TestSlotsLRU(t *testing.T) {
	var steps []linkStep
	for src := uint16(1); src <= 5; src++ {
		steps = append(steps, outstation(userFrame(false, 100, src, 0x40, []byte{0xC0 | byte(src)}))) // FIR seq 0: app control FIR FIN seq src
	}
	for src := uint16(1); src <= 5; src++ {
		steps = append(steps, outstation(userFrame(false, 100, src, 0x81, []byte{0x81, 0, 0}))) // FIN seq 1: response, IIN 0000
	}
	got := runLink(t, Options{}, false, steps...).events
	// Pair 1 was evicted: its FIN has no fragment. The others complete.
	want := []string{"!missing_first_fragment",
		"2->100 unconfirmed_user_data frames=2 fc=129 frag=c2810000",
		"3->100 unconfirmed_user_data frames=2 fc=129 frag=c3810000",
		"4->100 unconfirmed_user_data frames=2 fc=129 frag=c4810000",
		"5->100 unconfirmed_user_data frames=2 fc=129 frag=c5810000"}
	sameLinkEvents(t, got, want)
}
