package corpus

import "net/netip"

// Sequencer drops TCP retransmissions the simple way: per direction, a
// segment that ends at or before the next expected sequence number
// carries nothing new. Out-of-order segments are not held back.
type Sequencer struct {
	next map[[2]netip.AddrPort]uint32
}

// Accept reports whether p carries new data: a UDP datagram or a TCP
// segment with a payload that is not a retransmission. A SYN is never
// accepted (data on a SYN is not delivered to the application) and leaves
// the expected sequence number alone; see SYN. gap reports that octets
// between the expected sequence number and p are missing from the
// capture.
func (s *Sequencer) Accept(p *Packet) (fresh, gap bool) {
	if p.UDP() {
		return len(p.Payload) > 0, false
	}
	if p.TCP.SYN || len(p.Payload) == 0 {
		return false, false
	}
	if s.next == nil {
		s.next = map[[2]netip.AddrPort]uint32{}
	}
	key := [2]netip.AddrPort{p.Src, p.Dst}
	end := p.TCP.Seq + uint32(len(p.Payload))
	n, known := s.next[key]
	if known && int32(end-n) <= 0 {
		return false, false
	}
	s.next[key] = end
	return true, known && int32(p.TCP.Seq-n) > 0
}

// SYN makes the direction of the SYN p expect the octet after it next, so
// that a first data segment beyond it is a gap and one before it a
// retransmission.
func (s *Sequencer) SYN(p *Packet) {
	if s.next == nil {
		s.next = map[[2]netip.AddrPort]uint32{}
	}
	s.next[[2]netip.AddrPort{p.Src, p.Dst}] = p.TCP.Seq + 1
}
