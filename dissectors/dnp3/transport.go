package dnp3

import "github.com/otsensor/otsensor/dissectors"

// Transport function (IEEE 1815-2012 clause 8): one header octet per link
// frame, FIN, FIR and a 6-bit sequence number.
const (
	thFIN = 0x80
	thFIR = 0x40
	thSeq = 0x3F
)

// numSlots is how many link address pairs per direction can have a
// fragment in reassembly at once; a new pair takes the least recently used
// slot.
const numSlots = 4

// slot reassembles the fragment of one (src, dst) link address pair in one
// direction.
type slot struct {
	used     bool // src and dst are set
	src, dst uint16
	active   bool // a fragment is being reassembled
	dropping bool // the fragment grew too long: drop segments until a FIR
	seq      uint8
	frames   int
	last     uint64 // Parser.tick of the last use, for LRU replacement
	buf      []byte // reused: grows to at most MaxFragment
}

func (s *slot) idle() bool { return !s.active && !s.dropping }

// lookup returns the slot of the pair in direction d, or nil.
func (p *Parser) lookup(d int, src, dst uint16) *slot {
	for i := range p.slots[d] {
		s := &p.slots[d][i]
		if s.used && s.src == src && s.dst == dst {
			p.tick++
			s.last = p.tick
			return s
		}
	}
	return nil
}

// claim gives the pair a slot in direction d: a free one, else the least
// recently used idle one, else the least recently used (whose unfinished
// fragment is dropped silently).
func (p *Parser) claim(d int, src, dst uint16) *slot {
	var best *slot
	for i := range p.slots[d] {
		s := &p.slots[d][i]
		if !s.used {
			best = s
			break
		}
		if best == nil || (s.idle() && !best.idle()) || (s.idle() == best.idle() && s.last < best.last) {
			best = s
		}
	}
	p.tick++
	best.used, best.src, best.dst, best.last = true, src, dst, p.tick
	best.active, best.dropping, best.frames = false, false, 0
	best.buf = best.buf[:0]
	return best
}

// segment handles the transport segment seg (header octet first) of a
// frame with header h received in direction d.
func (p *Parser) segment(d int, h linkHeader, seg []byte, out dissectors.Emitter) {
	th, data := seg[0], seg[1:]
	fir, fin, seq := th&thFIR != 0, th&thFIN != 0, th&thSeq
	s := p.lookup(d, h.src, h.dst)
	if fir {
		// A FIR segment starts a new fragment; an unfinished one for the
		// same pair is dropped silently (DNP3 masters and outstations
		// restart fragments after timeouts).
		if s != nil {
			s.active, s.dropping = false, false
		}
		if len(data) > p.opts.MaxFragment {
			p.emitAnomaly(anTooLongReassembly, "fragment longer than MaxFragment", out)
			if !fin {
				if s == nil {
					s = p.claim(d, h.src, h.dst)
				}
				s.dropping = true
			}
			return
		}
		if fin { // the common case: a fragment in one segment, decoded in place
			p.fragment(h, data, 1, out)
			return
		}
		if s == nil {
			s = p.claim(d, h.src, h.dst)
		}
		s.buf = append(s.buf[:0], data...)
		s.active, s.seq, s.frames = true, seq, 1
		return
	}
	if s == nil || !s.active {
		if s != nil && s.dropping {
			s.dropping = !fin // the too-long fragment ends with its FIN
			return
		}
		p.emitAnomaly(anMissingFirstFragment, "transport segment without FIR and no fragment in progress", out)
		return
	}
	if seq != (s.seq+1)&thSeq {
		p.emitAnomaly(anTransportSequence, "transport sequence number does not follow the previous segment", out)
		s.active = false
		return
	}
	if len(s.buf)+len(data) > p.opts.MaxFragment {
		p.emitAnomaly(anTooLongReassembly, "fragment longer than MaxFragment", out)
		s.active, s.dropping = false, !fin
		return
	}
	s.buf = append(s.buf, data...)
	s.seq = seq
	s.frames++
	if fin {
		s.active = false
		p.fragment(h, s.buf, s.frames, out)
	}
}

// dropFragments forgets every fragment in reassembly in direction d.
func (p *Parser) dropFragments(d int) {
	for i := range p.slots[d] {
		s := &p.slots[d][i]
		s.active, s.dropping = false, false
	}
}
