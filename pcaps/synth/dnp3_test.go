package synth

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// crcBitwise is the DNP3 CRC computed bit by bit from the polynomial
// (x^16+x^13+x^12+x^11+x^10+x^8+x^6+x^5+x^2+1 = 0x3D65, LSB first, so
// 0xA6BC), without DNP3CRC's table.
func crcBitwise(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc ^= uint16(c)
		for k := 0; k < 8; k++ {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0xA6BC
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

// TestDNP3CRC checks CRCs that tshark 4.0.17 reported "[correct]" when
// it decoded this package's output (tshark -V, "Data Link Header
// checksum" and "Data Chunk checksum"), among them the reset link states
// frame often quoted from DNP3 documentation (05 64 05 C0 01 00 00 04 E9
// 21).
func TestDNP3CRC(t *testing.T) {
	for _, c := range []struct {
		hex  string
		want uint16
	}{
		{"05 64 05 c9 0a 00 01 00", 0xdafe},                         // request link status 1 -> 10
		{"05 64 05 0b 01 00 0a 00", 0xed6d},                         // status of link 10 -> 1
		{"05 64 14 c4 0a 00 01 00", 0xed8f},                         // unconfirmed user data, 15 octets
		{"c0 c0 01 3c 02 06 3c 03 06 3c 04 06 3c 01 06", 0x518a},    // transport + integrity poll
		{"05 64 05 c0 01 00 00 04", 0x21e9},                         // reset link states 1024 -> 1
		{"05 64 81 44 01 00 0a 00", 0x3d61},                         // a 129-length response header
		{"40 c0 81 00 00 1e 01 00 00 45 01 e8 03 00 00 01", 0x44e9}, // a full 16-octet block
		{"", 0xffff}, // nothing: the complement of 0
		{"95 03 00 00 01 42 03 00 00 01 57 04 00 00 01 04", 0x1acd}, // another full block
		{"00 00 01 20 04 00 00 01 35 05 00 00 01 e2 04 00", 0x103b}, // and another
		{"04 00 00 01 b1 03 00 00 01 c6 04 00 00 01 73 04", 0x2b75}, // and another
	} {
		b := unhex(t, c.hex)
		if got := DNP3CRC(b); got != c.want {
			t.Errorf("DNP3CRC(%s) = %#04x, want %#04x", c.hex, got, c.want)
		}
		if got := crcBitwise(b); got != c.want {
			t.Errorf("bitwise CRC(%s) = %#04x, want %#04x", c.hex, got, c.want)
		}
	}
}

// TestDNP3Frames checks whole link frames against IEEE 1815-2012 clause
// 9.2: start octets, length (5 + user data), control, destination and
// source little-endian, header CRC, 16-octet blocks each with its CRC.
func TestDNP3Frames(t *testing.T) {
	master := DNP3UserData(true, 10, 1)
	poll := AppendDNP3IntegrityPoll(AppendDNP3Request(nil, DNP3Single(0), DNP3Read))
	got, next := master.AppendFragment(nil, poll, 0)
	// Length 0x14 = 5 + 15 user octets; control C4 = DIR, PRM,
	// unconfirmed user data; dst 10, src 1; header CRC; one 15-octet
	// block: transport C0 (FIR, FIN, seq 0), application C0 (FIR, FIN,
	// seq 0), READ, g60v2, g60v3, g60v4, g60v1 all with qualifier 06.
	want := unhex(t, "05 64 14 c4 0a 00 01 00 8f ed c0 c0 01 3c 02 06 3c 03 06 3c 04 06 3c 01 06 8a 51")
	if !bytes.Equal(got, want) || next != 1 {
		t.Errorf("integrity poll:\n got % x (next %d)\nwant % x", got, next, want)
	}
	// Link-only frames: request link status C9 (DIR, PRM, 9) and the
	// secondary status of link 0B (11).
	ls := DNP3Link{Dir: true, Prm: true, Func: DNP3LinkRequestLinkStatus, Dst: 10, Src: 1}
	if got, want := ls.AppendFrame(nil, nil), unhex(t, "05 64 05 c9 0a 00 01 00 fe da"); !bytes.Equal(got, want) {
		t.Errorf("link status request % x, want % x", got, want)
	}
	st := DNP3Link{Func: DNP3LinkStatus, Dst: 1, Src: 10}
	if got, want := st.AppendFrame(nil, nil), unhex(t, "05 64 05 0b 01 00 0a 00 6d ed"); !bytes.Equal(got, want) {
		t.Errorf("link status % x, want % x", got, want)
	}
	if got := master.Reply(); got.Control() != 0x44 || got.Dst != 1 || got.Src != 10 {
		t.Errorf("Reply: %+v control %#x", got, got.Control())
	}
	// FCB and FCV: confirmed user data with both set is 0xF3.
	if c := (DNP3Link{Dir: true, Prm: true, FCB: true, FCV: true, Func: DNP3LinkConfirmedUserData}).Control(); c != 0xF3 {
		t.Errorf("control %#x, want 0xf3", c)
	}
	// A length field the caller chooses (malformed captures).
	if got := ls.AppendFrameLength(nil, 3); got[2] != 3 || len(got) != 10 || binary.LittleEndian.Uint16(got[8:]) != DNP3CRC(got[:8]) {
		t.Errorf("AppendFrameLength: % x", got)
	}
}

// dnpFrame is one link frame read back by the tests.
type dnpFrame struct {
	ctrl     byte
	dst, src uint16
	user     []byte
}

// parseFrames splits b into link frames, checking every CRC with the
// bitwise implementation.
func parseFrames(b []byte) ([]dnpFrame, error) {
	var out []dnpFrame
	for len(b) > 0 {
		if len(b) < 10 || b[0] != 0x05 || b[1] != 0x64 {
			return out, fmt.Errorf("no frame header at % x", b[:min(len(b), 10)])
		}
		if crcBitwise(b[:8]) != binary.LittleEndian.Uint16(b[8:]) {
			return out, fmt.Errorf("bad header CRC")
		}
		n := int(b[2]) - 5
		if n < 0 {
			return out, fmt.Errorf("length %d", b[2])
		}
		size := 10 + n + 2*((n+15)/16)
		if len(b) < size {
			return out, fmt.Errorf("frame of %d octets, %d left", size, len(b))
		}
		f := dnpFrame{ctrl: b[3], dst: binary.LittleEndian.Uint16(b[4:]), src: binary.LittleEndian.Uint16(b[6:])}
		for p := 10; p < size; {
			k := min(16, size-p-2)
			blk := b[p : p+k]
			if crcBitwise(blk) != binary.LittleEndian.Uint16(b[p+k:]) {
				return out, fmt.Errorf("bad block CRC")
			}
			f.user = append(f.user, blk...)
			p += k + 2
		}
		out = append(out, f)
		b = b[size:]
	}
	return out, nil
}

// reassemble joins transport segments (FIR starts, FIN ends, sequence
// numbers consecutive modulo 64) into application fragments.
func reassemble(fs []dnpFrame) ([][]byte, error) {
	var out [][]byte
	var cur []byte
	open := false
	var seq uint8
	for i, f := range fs {
		if len(f.user) == 0 {
			continue
		}
		th := f.user[0]
		fir, fin, s := th&0x40 != 0, th&0x80 != 0, th&0x3F
		switch {
		case fir:
			cur, open = nil, true
		case !open:
			return out, fmt.Errorf("frame %d: no FIR", i)
		case s != (seq+1)&0x3F:
			return out, fmt.Errorf("frame %d: sequence %d after %d", i, s, seq)
		}
		seq = s
		cur = append(cur, f.user[1:]...)
		if fin {
			out = append(out, cur)
			open = false
		}
	}
	if open {
		return out, fmt.Errorf("fragment without FIN")
	}
	return out, nil
}

// TestDNP3Segmentation round-trips fragments of every interesting size
// through AppendFragment, the frame parser and the reassembler.
func TestDNP3Segmentation(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 248, 249, 250, 498, 499, 2048, 15936, 16011} {
		frag := make([]byte, n)
		for i := range frag {
			frag[i] = byte(i*7 + n)
		}
		l := DNP3UserData(false, 1, 10)
		wire, next := l.AppendFragment([]byte{0xAA}, frag, 62) // after an unrelated octet, sequence wrapping
		if wire[0] != 0xAA {
			t.Fatalf("n=%d: dst prefix lost", n)
		}
		wire = wire[1:]
		if len(wire) != DNP3FragmentSize(n) {
			t.Errorf("n=%d: %d octets, DNP3FragmentSize says %d", n, len(wire), DNP3FragmentSize(n))
		}
		fs, err := parseFrames(wire)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		segs := max(1, (n+DNP3MaxSegmentData-1)/DNP3MaxSegmentData)
		if len(fs) != segs || next != uint8(62+segs)&0x3F {
			t.Errorf("n=%d: %d frames, next seq %d; want %d, %d", n, len(fs), next, segs, (62+segs)&0x3F)
		}
		for i, f := range fs {
			if f.ctrl != 0x44 || f.dst != 1 || f.src != 10 || len(f.user) > DNP3MaxLinkData {
				t.Errorf("n=%d frame %d: ctrl %#x %d->%d, %d user octets", n, i, f.ctrl, f.src, f.dst, len(f.user))
			}
		}
		got, err := reassemble(fs)
		if err != nil || len(got) != 1 || !bytes.Equal(got[0], frag) {
			t.Errorf("n=%d: reassembled %d fragments (%v)", n, len(got), err)
		}
	}
}

// TestDNP3AppHeaders checks application control, function and IIN
// octets (IEEE 1815-2012, 4.2.2).
func TestDNP3AppHeaders(t *testing.T) {
	for _, c := range []struct {
		name string
		got  []byte
		hex  string
	}{
		// FIR FIN seq 3, READ.
		{"read", AppendDNP3Request(nil, DNP3Single(3), DNP3Read), "c3 01"},
		// Unsolicited confirm: FIR FIN UNS seq 5, CONFIRM.
		{"uns confirm", AppendDNP3Confirm(nil, 5, true), "d5 00"},
		// Solicited confirm seq 15.
		{"confirm", AppendDNP3Confirm(nil, 15, false), "cf 00"},
		// Unsolicited response FIR FIN CON UNS seq 0, IIN1 = restart |
		// class 1 (0x82), IIN2 = object unknown (0x02).
		{"uns", AppendDNP3Response(nil, DNP3AC{FIR: true, FIN: true, CON: true, UNS: true}, DNP3UnsolicitedResponse,
			DNP3IINDeviceRestart|DNP3IINClass1Events|DNP3IINObjectUnknown), "f0 82 82 02"},
		// Middle fragment of a response: CON only, seq 9, need time.
		{"middle", AppendDNP3Response(nil, DNP3AC{CON: true, Seq: 9}, DNP3Response, DNP3IINNeedTime), "29 81 10 00"},
		// Sequence numbers are 4 bits.
		{"seq wraps", AppendDNP3Request(nil, DNP3Single(17), DNP3Write), "c1 02"},
	} {
		if want := unhex(t, c.hex); !bytes.Equal(c.got, want) {
			t.Errorf("%s: % x, want % x", c.name, c.got, want)
		}
	}
}
