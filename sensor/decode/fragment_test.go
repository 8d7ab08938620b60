package decode

import (
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// The fragment tests split one TCP segment (20-byte header + 40 bytes of
// data, 60 bytes) at 24 and 48: pieces [0,24) [24,48) [48,60), each a
// multiple of 8 bytes but the last, as RFC 791 and RFC 8200 require.
var (
	fragData = []byte("0123456789abcdefghijklmnopqrstuvwxyzABCD") // 40 bytes
	fragCuts = [][2]int{{0, 24}, {24, 48}, {48, 60}}
)

// tcpSegment serializes a TCP header (sport 50000, dport 502, PSH ACK)
// with data after it.
func tcpSegment(t testing.TB, data []byte) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	tcp := &layers.TCP{SrcPort: 50000, DstPort: 502, Seq: 1000, Ack: 1, PSH: true, ACK: true, Window: 65535}
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true}, tcp, gopacket.Payload(data)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func serialize(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

var testEth = &layers.Ethernet{
	SrcMAC: net.HardwareAddr{0x00, 0x14, 0x22, 0x04, 0x05, 0x06},
	DstMAC: net.HardwareAddr{0x00, 0x80, 0xf4, 0x01, 0x02, 0x03},
}

// frag4 is one Ethernet/IPv4 fragment holding seg[start:end] of datagram id.
func frag4(t testing.TB, seg []byte, id uint16, start, end int, more bool) []byte {
	t.Helper()
	ip := &layers.IPv4{
		Version: 4, IHL: 5, TTL: 64, Id: id, Protocol: layers.IPProtocolTCP,
		FragOffset: uint16(start / 8),
		SrcIP:      net.IP{10, 0, 0, 10}, DstIP: net.IP{10, 0, 0, 21},
	}
	if more {
		ip.Flags = layers.IPv4MoreFragments
	}
	eth := *testEth
	eth.EthernetType = layers.EthernetTypeIPv4
	return serialize(t, &eth, ip, gopacket.Payload(seg[start:end]))
}

// frags4 splits seg at fragCuts.
func frags4(t testing.TB, seg []byte, id uint16) [][]byte {
	var out [][]byte
	for i, c := range fragCuts {
		out = append(out, frag4(t, seg, id, c[0], c[1], i < len(fragCuts)-1))
	}
	return out
}

// frag6 is one Ethernet/IPv6/Fragment fragment holding seg[start:end].
func frag6(t testing.TB, seg []byte, id uint32, start, end int, more bool) []byte {
	t.Helper()
	ip := &layers.IPv6{
		Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Fragment,
		SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2"),
	}
	fh := &layers.IPv6Fragment{NextHeader: layers.IPProtocolTCP, FragmentOffset: uint16(start / 8), MoreFragments: more, Identification: id}
	eth := *testEth
	eth.EthernetType = layers.EthernetTypeIPv6
	return serialize(t, &eth, ip, fh, gopacket.Payload(seg[start:end]))
}

func frags6(t testing.TB, seg []byte, id uint32) [][]byte {
	var out [][]byte
	for i, c := range fragCuts {
		out = append(out, frag6(t, seg, id, c[0], c[1], i < len(fragCuts)-1))
	}
	return out
}

// feed decodes frames in order, at the given times, and returns the kinds.
func feed(d *Decoder, frames [][]byte, times []time.Time) ([]Kind, *Packet) {
	var kinds []Kind
	var p *Packet
	for i, f := range frames {
		p = d.Decode(f, ciFor(f, times[i]), layers.LinkTypeEthernet)
		kinds = append(kinds, p.Kind)
	}
	return kinds, p
}

func at(offsets ...time.Duration) []time.Time {
	out := make([]time.Time, len(offsets))
	for i, o := range offsets {
		out[i] = t0.Add(o)
	}
	return out
}

func kindsEqual(a, b []Kind) bool { return bytes.Equal(kindBytes(a), kindBytes(b)) }

func kindBytes(ks []Kind) []byte {
	b := make([]byte, len(ks))
	for i, k := range ks {
		b[i] = byte(k)
	}
	return b
}

// checkReassembled checks the packet that completed a datagram.
func checkReassembled(t *testing.T, p *Packet, src, dst string) {
	t.Helper()
	if p.Kind != KindIP || p.TCP == nil {
		t.Fatalf("Kind %d TCP %v err %v, want a reassembled TCP segment", p.Kind, p.TCP != nil, p.Err)
	}
	if p.Proto != layers.IPProtocolTCP || p.SrcPort != 50000 || p.DstPort != 502 || p.TCP.Seq != 1000 {
		t.Errorf("proto %v ports %d→%d seq %d", p.Proto, p.SrcPort, p.DstPort, p.TCP.Seq)
	}
	if !bytes.Equal(p.Payload, fragData) {
		t.Errorf("Payload %q, want %q", p.Payload, fragData)
	}
	if p.Src.String() != src || p.Dst.String() != dst {
		t.Errorf("%v → %v, want %s → %s", p.Src, p.Dst, src, dst)
	}
	if !p.HasSrcMAC || p.SrcMAC != [6]byte{0x00, 0x14, 0x22, 0x04, 0x05, 0x06} {
		t.Errorf("SrcMAC %x", p.SrcMAC)
	}
	if s, d := p.NetFlow.Endpoints(); s.String() != src || d.String() != dst {
		t.Errorf("NetFlow %v", p.NetFlow)
	}
}

func TestIPv4Fragments(t *testing.T) {
	seg := tcpSegment(t, fragData)
	if len(seg) != 60 {
		t.Fatalf("segment is %d bytes, want 60", len(seg))
	}
	fr := frags4(t, seg, 0x4242)
	for _, tc := range []struct {
		name  string
		order []int
	}{
		{"in order", []int{0, 1, 2}},
		{"last first", []int{2, 0, 1}},
		{"reversed", []int{2, 1, 0}},
		{"middle first", []int{1, 2, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New()
			var frames [][]byte
			for _, i := range tc.order {
				frames = append(frames, fr[i])
			}
			kinds, p := feed(d, frames, at(0, time.Millisecond, 2*time.Millisecond))
			if want := []Kind{KindFragment, KindFragment, KindIP}; !kindsEqual(kinds, want) {
				t.Errorf("kinds %v, want %v", kinds, want)
			}
			checkReassembled(t, p, "10.0.0.10", "10.0.0.21")
			s := d.Stats
			if s.Fragments != 3 || s.Reassembled != 1 || s.FragmentErrors != 0 || s.IP != 3 || s.DecodeErrors != 0 {
				t.Errorf("stats %+v", s)
			}
			// The same datagram again (same id) is reassembled again: the
			// defragmenter forgot the first one.
			kinds, p = feed(d, frames, at(time.Second, time.Second, time.Second))
			if want := []Kind{KindFragment, KindFragment, KindIP}; !kindsEqual(kinds, want) {
				t.Errorf("second time: kinds %v, want %v", kinds, want)
			}
			checkReassembled(t, p, "10.0.0.10", "10.0.0.21")
		})
	}
}

// TestIPv4FragmentsInterleaved: two datagrams with different ids, their
// fragments mixed, are both rebuilt.
func TestIPv4FragmentsInterleaved(t *testing.T) {
	seg := tcpSegment(t, fragData)
	a, b := frags4(t, seg, 1), frags4(t, seg, 2)
	d := New()
	kinds, _ := feed(d, [][]byte{a[0], b[2], b[0], a[1], b[1]}, at(0, 0, 0, 0, 0))
	if want := []Kind{KindFragment, KindFragment, KindFragment, KindFragment, KindIP}; !kindsEqual(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	_, p := feed(d, [][]byte{a[2]}, at(0))
	checkReassembled(t, p, "10.0.0.10", "10.0.0.21")
	if d.Stats.Reassembled != 2 || d.Stats.Fragments != 6 {
		t.Errorf("stats %+v", d.Stats)
	}
}

func TestIPv4FragmentErrors(t *testing.T) {
	seg := tcpSegment(t, fragData)
	fr := frags4(t, seg, 7)
	const id = 7
	long := append(append([]byte(nil), seg...), make([]byte, 24)...) // bytes past the datagram's end
	tests := []struct {
		name        string
		frames      [][]byte
		kinds       []Kind
		errors      uint64
		reassembled uint64
	}{
		{
			// [0,24), then [16,40) overlapping it with other bytes: the
			// datagram is dropped; [24,48) and [48,60) can't complete it.
			name:   "overlap",
			frames: [][]byte{fr[0], frag4(t, seg, id, 16, 40, true), fr[1], fr[2]},
			kinds:  []Kind{KindFragment, KindFragment, KindFragment, KindFragment},
			errors: 1,
		},
		{
			// After the overlap the first fragment, sent again, completes
			// the datagram with the fragments that came after the error.
			name:        "overlap then retransmission",
			frames:      [][]byte{fr[0], frag4(t, seg, id, 16, 40, true), fr[1], fr[2], fr[0]},
			kinds:       []Kind{KindFragment, KindFragment, KindFragment, KindFragment, KindIP},
			errors:      1,
			reassembled: 1,
		},
		{
			// Two final fragments, ending the datagram at 60 and at 72.
			name:   "contradicting final fragments",
			frames: [][]byte{fr[0], fr[2], frag4(t, long, id, 64, 72, false), fr[1]},
			kinds:  []Kind{KindFragment, KindFragment, KindFragment, KindFragment},
			errors: 1,
		},
		{
			// A fragment past the final one's end; the datagram is dropped.
			name:   "beyond the final fragment",
			frames: [][]byte{fr[2], frag4(t, long, id, 64, 72, true), fr[0], fr[1]},
			kinds:  []Kind{KindFragment, KindFragment, KindFragment, KindFragment},
			errors: 1,
		},
		{
			// A non-final fragment of 4 bytes (fewer than 8).
			name:   "tiny fragment",
			frames: [][]byte{frag4(t, seg, id, 0, 4, true)},
			kinds:  []Kind{KindFragment},
			errors: 1,
		},
		{
			// An exact repeat is not an error and changes nothing.
			name:        "duplicate",
			frames:      [][]byte{fr[0], fr[0], fr[1], fr[1], fr[2]},
			kinds:       []Kind{KindFragment, KindFragment, KindFragment, KindFragment, KindIP},
			reassembled: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := New()
			times := make([]time.Time, len(tc.frames))
			for i := range times {
				times[i] = t0
			}
			kinds, p := feed(d, tc.frames, times)
			if !kindsEqual(kinds, tc.kinds) {
				t.Errorf("kinds %v, want %v", kinds, tc.kinds)
			}
			if d.Stats.FragmentErrors != tc.errors || d.Stats.Reassembled != tc.reassembled ||
				d.Stats.Fragments != uint64(len(tc.frames)) || d.Stats.DecodeErrors != 0 {
				t.Errorf("stats %+v, want %d fragment errors, %d reassembled", d.Stats, tc.errors, tc.reassembled)
			}
			if tc.reassembled == 1 {
				checkReassembled(t, p, "10.0.0.10", "10.0.0.21")
			}
		})
	}
}

// TestIPv4FragmentSnapLength: a fragment cut by the snap length can't be
// used; it is counted as a fragment error.
func TestIPv4FragmentSnapLength(t *testing.T) {
	seg := tcpSegment(t, fragData)
	fr := frags4(t, seg, 9)
	d := New()
	cut := fr[1][:len(fr[1])-8]
	p := d.Decode(cut, gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(cut), Length: len(fr[1])}, layers.LinkTypeEthernet)
	if p.Kind != KindFragment || !p.Truncated {
		t.Errorf("Kind %d Truncated %v", p.Kind, p.Truncated)
	}
	kinds, _ := feed(d, [][]byte{fr[0], fr[2]}, at(0, 0))
	if want := []Kind{KindFragment, KindFragment}; !kindsEqual(kinds, want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	if d.Stats.FragmentErrors != 1 || d.Stats.Reassembled != 0 || d.Stats.Truncated != 1 {
		t.Errorf("stats %+v", d.Stats)
	}
}

// TestIPv4FragmentExpiry: fragments wait at most 30 s of packet time for
// the rest of their datagram.
func TestIPv4FragmentExpiry(t *testing.T) {
	seg := tcpSegment(t, fragData)
	fr := frags4(t, seg, 11)
	other := mustHex(t, ethMACs+"0800"+ipv4UDP) // unrelated traffic
	tests := []struct {
		name   string
		frames [][]byte
		times  []time.Time
		last   Kind
	}{
		{"last fragment after 29 s", [][]byte{fr[0], fr[1], fr[2]}, at(0, 0, 29*time.Second), KindIP},
		{"last fragment after 31 s", [][]byte{fr[0], fr[1], fr[2]}, at(0, 0, 31*time.Second), KindFragment},
		{"last fragment after an hour", [][]byte{fr[0], fr[1], fr[2]}, at(0, 0, time.Hour), KindFragment},
		// Other packets keep arriving meanwhile: the fragments are 44 s
		// old when the last one comes.
		{"last fragment after 44 s, other traffic", [][]byte{other, fr[0], fr[1], other, other, fr[2]},
			at(0, time.Second, time.Second, 20*time.Second, 30*time.Second, 45*time.Second), KindFragment},
		{"last fragment after 31 s, other traffic", [][]byte{other, fr[0], fr[1], other, fr[2]},
			at(0, 10*time.Second, 10*time.Second, 39*time.Second, 41*time.Second+500*time.Millisecond), KindFragment},
		{"last fragment after 25 s, other traffic", [][]byte{other, fr[0], fr[1], other, fr[2]},
			at(0, 10*time.Second, 10*time.Second, 30*time.Second, 35*time.Second), KindIP},
		// One packet stamped an hour ahead must not stop expiry afterwards.
		{"last fragment after 31 s, after a timestamp in the future", [][]byte{other, fr[0], fr[1], other, fr[2]},
			at(time.Hour, 0, 0, 20*time.Second, 31*time.Second), KindFragment},
		{"last fragment after 29 s, after a timestamp in the future", [][]byte{other, fr[0], fr[1], other, fr[2]},
			at(time.Hour, 0, 0, 20*time.Second, 29*time.Second), KindIP},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := New()
			kinds, p := feed(d, tc.frames, tc.times)
			if got := kinds[len(kinds)-1]; got != tc.last {
				t.Errorf("last packet Kind %d, want %d (all %v)", got, tc.last, kinds)
			}
			if tc.last == KindIP {
				checkReassembled(t, p, "10.0.0.10", "10.0.0.21")
			} else if d.Stats.Reassembled != 0 {
				t.Errorf("stats %+v", d.Stats)
			}
		})
	}
}

func TestIPv6Fragments(t *testing.T) {
	seg := tcpSegment(t, fragData)
	fr := frags6(t, seg, 0xabcdef01)
	for _, tc := range []struct {
		name  string
		order []int
	}{
		{"in order", []int{0, 1, 2}},
		{"last first", []int{2, 0, 1}},
		{"reversed", []int{2, 1, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New()
			var frames [][]byte
			for _, i := range tc.order {
				frames = append(frames, fr[i])
			}
			kinds, p := feed(d, frames, at(0, 0, 0))
			if want := []Kind{KindFragment, KindFragment, KindIP}; !kindsEqual(kinds, want) {
				t.Errorf("kinds %v, want %v", kinds, want)
			}
			checkReassembled(t, p, "2001:db8::1", "2001:db8::2")
			if s := d.Stats; s.Fragments != 3 || s.Reassembled != 1 || s.IP != 3 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

// TestIPv6FragmentsRejected: ip6defrag drops contradicting fragments
// without saying so, so only the outcome is checked: no datagram.
func TestIPv6FragmentsRejected(t *testing.T) {
	seg := tcpSegment(t, fragData)
	fr := frags6(t, seg, 5)
	long := append(append([]byte(nil), seg...), make([]byte, 24)...)
	for _, tc := range []struct {
		name   string
		frames [][]byte
	}{
		{"overlap", [][]byte{fr[0], frag6(t, seg, 5, 16, 40, true), fr[1], fr[2]}},
		{"contradicting final fragments", [][]byte{fr[0], fr[2], frag6(t, long, 5, 64, 72, false), fr[1]}},
		{"beyond the final fragment", [][]byte{fr[2], frag6(t, long, 5, 64, 72, true), fr[0], fr[1]}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New()
			times := make([]time.Time, len(tc.frames))
			for i := range times {
				times[i] = t0
			}
			kinds, _ := feed(d, tc.frames, times)
			for i, k := range kinds {
				if k != KindFragment {
					t.Errorf("packet %d: Kind %d", i, k)
				}
			}
			if d.Stats.Reassembled != 0 {
				t.Errorf("stats %+v", d.Stats)
			}
		})
	}
}

func TestIPv6FragmentExpiry(t *testing.T) {
	seg := tcpSegment(t, fragData)
	fr := frags6(t, seg, 77)
	other := mustHex(t, ethMACs+"86dd"+ipv6UDP)
	for _, tc := range []struct {
		name   string
		frames [][]byte
		times  []time.Time
		last   Kind
	}{
		{"after 29 s", [][]byte{fr[0], fr[1], fr[2]}, at(0, 0, 29*time.Second), KindIP},
		{"after 31 s", [][]byte{fr[0], fr[1], fr[2]}, at(0, 0, 31*time.Second), KindFragment},
		{"after 44 s, other traffic", [][]byte{other, fr[0], fr[1], other, fr[2]},
			at(0, time.Second, time.Second, 30*time.Second, 45*time.Second), KindFragment},
		// A fragment stamped an hour ahead (another datagram) must not stop
		// expiry afterwards.
		{"after 31 s, after a fragment in the future", [][]byte{frag6(t, seg, 78, 0, 24, true), fr[0], fr[1], other, fr[2]},
			at(time.Hour, 0, 0, 20*time.Second, 31*time.Second), KindFragment},
		{"after 29 s, after a fragment in the future", [][]byte{frag6(t, seg, 78, 0, 24, true), fr[0], fr[1], other, fr[2]},
			at(time.Hour, 0, 0, 20*time.Second, 29*time.Second), KindIP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New()
			kinds, p := feed(d, tc.frames, tc.times)
			if got := kinds[len(kinds)-1]; got != tc.last {
				t.Errorf("last packet Kind %d, want %d (all %v)", got, tc.last, kinds)
			}
			if tc.last == KindIP {
				checkReassembled(t, p, "2001:db8::1", "2001:db8::2")
			}
		})
	}
	// Fragments of a new datagram after an expiry are reassembled.
	d := New()
	feed(d, [][]byte{fr[0]}, at(0))
	kinds, p := feed(d, fr, at(40*time.Second, 40*time.Second, 41*time.Second))
	if want := []Kind{KindFragment, KindFragment, KindIP}; !kindsEqual(kinds, want) {
		t.Errorf("after expiry: kinds %v, want %v", kinds, want)
	}
	checkReassembled(t, p, "2001:db8::1", "2001:db8::2")
}

// TestIPv6AtomicFragment: a fragment header with offset 0 and M=0 (RFC
// 6946) is not a fragment: the packet passes through.
func TestIPv6AtomicFragment(t *testing.T) {
	seg := tcpSegment(t, fragData)
	frame := frag6(t, seg, 3, 0, len(seg), false)
	d := New()
	p := d.Decode(frame, ciFor(frame, t0), layers.LinkTypeEthernet)
	checkReassembled(t, p, "2001:db8::1", "2001:db8::2")
	if d.Stats.Fragments != 0 || d.Stats.Reassembled != 0 {
		t.Errorf("stats %+v", d.Stats)
	}
}

// TestFragmentPayloadCopied: the decoder reuses the caller's frame buffer
// between calls (as a capture source does); held fragments must not change
// with it.
func TestFragmentPayloadCopied(t *testing.T) {
	seg := tcpSegment(t, fragData)
	for _, tc := range []struct {
		name string
		fr   [][]byte
	}{
		{"ipv4", frags4(t, seg, 21)},
		{"ipv6", frags6(t, seg, 21)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New()
			buf := make([]byte, 2048)
			var p *Packet
			for _, f := range tc.fr {
				n := copy(buf, f)
				p = d.Decode(buf[:n], ciFor(f, t0), layers.LinkTypeEthernet)
				if p.Kind == KindIP {
					break
				}
				for i := range buf {
					buf[i] = 0xff
				}
			}
			checkReassembled(t, p, p.Src.String(), p.Dst.String())
		})
	}
}
