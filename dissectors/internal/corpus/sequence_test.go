package corpus

import (
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

func TestSequencer(t *testing.T) {
	a, b := netip.MustParseAddrPort("10.0.0.1:40000"), netip.MustParseAddrPort("10.0.0.2:502")
	seg := func(src, dst netip.AddrPort, syn bool, seq uint32, n int) *Packet {
		return &Packet{Src: src, Dst: dst, TCP: &layers.TCP{SYN: syn, Seq: seq}, Payload: make([]byte, n)}
	}
	var s Sequencer
	for i, c := range []struct {
		p          *Packet
		fresh, gap bool
	}{
		{seg(a, b, false, 100, 10), true, false},                   // first data, no SYN seen: no gap
		{seg(a, b, false, 100, 10), false, false},                  // retransmission
		{seg(a, b, false, 105, 5), false, false},                   // wholly before 110
		{seg(a, b, false, 105, 10), true, false},                   // overlaps, ends at 115
		{seg(a, b, false, 120, 4), true, true},                     // 115-119 missing
		{seg(a, b, false, 124, 0), false, false},                   // no payload
		{seg(b, a, true, 7, 3), false, false},                      // SYN with data: not delivered
		{seg(b, a, false, 8, 4), true, false},                      // other direction, own numbering
		{&Packet{Src: a, Dst: b, Payload: []byte{1}}, true, false}, // UDP
		{&Packet{Src: a, Dst: b}, false, false},                    // empty UDP
	} {
		if fresh, gap := s.Accept(c.p); fresh != c.fresh || gap != c.gap {
			t.Errorf("%d: Accept = %v, %v; want %v, %v", i, fresh, gap, c.fresh, c.gap)
		}
	}
	var s2 Sequencer
	syn := seg(a, b, true, 1000, 0)
	s2.SYN(syn)
	if fresh, gap := s2.Accept(seg(a, b, false, 1001, 5)); !fresh || gap {
		t.Errorf("after SYN: %v, %v", fresh, gap)
	}
	var s3 Sequencer
	s3.SYN(syn)
	if fresh, gap := s3.Accept(seg(a, b, false, 1010, 5)); !fresh || !gap {
		t.Errorf("data after a lost segment: %v, %v", fresh, gap)
	}
}
