package synth

// DNP3 data link and transport layers (IEEE 1815-2012, clauses 9 and 8),
// encoded from the standard, independently of dissectors/dnp3. The
// builders append to dst and return the extended slice; with enough
// capacity in dst they do not allocate.

// DNP3 link-layer constants.
const (
	DNP3Start0 = 0x05 // first start octet
	DNP3Start1 = 0x64 // second start octet

	// DNP3LinkHeaderLen is the header on the wire: start, length,
	// control, destination, source and the header CRC.
	DNP3LinkHeaderLen = 10
	// DNP3MaxLinkData is the most user data octets a frame carries
	// (length field 255 minus control and addresses).
	DNP3MaxLinkData = 250
	// DNP3MaxSegmentData is the most application octets a transport
	// segment carries: a frame's user data minus the transport header.
	DNP3MaxSegmentData = DNP3MaxLinkData - 1
	// DNP3BroadcastAddr is the all-stations destination 0xFFFF.
	DNP3BroadcastAddr = 0xFFFF
)

// Link-layer function codes (IEEE 1815-2012, 9.2.4.1.3). Primary frames
// (PRM set) use the first set, secondary frames the second.
const (
	DNP3LinkResetLinkStates     = 0
	DNP3LinkTestLinkStates      = 2
	DNP3LinkConfirmedUserData   = 3
	DNP3LinkUnconfirmedUserData = 4
	DNP3LinkRequestLinkStatus   = 9

	DNP3LinkAck          = 0
	DNP3LinkNack         = 1
	DNP3LinkStatus       = 11
	DNP3LinkNotSupported = 15
)

// DNP3CRC returns the CRC of b as DNP3 computes it: polynomial 0x3D65
// processed bit-reversed (0xA6BC), initial value 0, result complemented.
// It is sent low octet first.
func DNP3CRC(b []byte) uint16 {
	var crc uint16
	for _, c := range b {
		crc = crc>>8 ^ dnp3CRCTable[byte(crc)^c]
	}
	return ^crc
}

var dnp3CRCTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for k := 0; k < 8; k++ {
			if c&1 != 0 {
				c = c>>1 ^ 0xA6BC
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

func appendCRC(b []byte, from int) []byte {
	c := DNP3CRC(b[from:])
	return append(b, byte(c), byte(c>>8))
}

// DNP3Link is the header of the link frames built with it.
type DNP3Link struct {
	Dir bool // set on frames from a master
	Prm bool // primary (initiating) frame
	FCB bool // frame count bit (primary frames)
	FCV bool // frame count valid (primary) or data flow control (secondary)
	// Func is the link function code (DNP3Link*).
	Func uint8
	Dst  uint16
	Src  uint16
}

// DNP3UserData returns the header of unconfirmed user data frames from
// src to dst: what DNP3 over TCP and UDP carries. master sets DIR.
func DNP3UserData(master bool, dst, src uint16) DNP3Link {
	return DNP3Link{Dir: master, Prm: true, Func: DNP3LinkUnconfirmedUserData, Dst: dst, Src: src}
}

// Control returns the control octet: DIR, PRM, FCB, FCV/DFC, function.
func (l DNP3Link) Control() byte {
	c := l.Func & 0x0F
	if l.Dir {
		c |= 0x80
	}
	if l.Prm {
		c |= 0x40
	}
	if l.FCB {
		c |= 0x20
	}
	if l.FCV {
		c |= 0x10
	}
	return c
}

// Reply returns the header of a frame going back: addresses swapped and
// DIR flipped, same function and flags.
func (l DNP3Link) Reply() DNP3Link {
	l.Dir = !l.Dir
	l.Dst, l.Src = l.Src, l.Dst
	return l
}

// DNP3FrameSize returns the wire size of a frame carrying n user data
// octets: header, the data, and a CRC per 16-octet block.
func DNP3FrameSize(n int) int {
	return DNP3LinkHeaderLen + n + 2*((n+15)/16)
}

// AppendFrame appends one link frame carrying user (at most
// DNP3MaxLinkData octets; more is cut off, as a length field cannot say
// more). An empty user makes a header-only frame (link status and the
// like).
func (l DNP3Link) AppendFrame(dst, user []byte) []byte {
	return l.appendFrame(dst, -1, user)
}

// AppendFrameLength appends a header-only frame whose length field is
// length, whatever it should be: for malformed captures.
func (l DNP3Link) AppendFrameLength(dst []byte, length uint8) []byte {
	s := len(dst)
	dst = append(dst, DNP3Start0, DNP3Start1, length, l.Control(), byte(l.Dst), byte(l.Dst>>8), byte(l.Src), byte(l.Src>>8))
	return appendCRC(dst, s)
}

// appendFrame appends a frame whose user data is th (if th >= 0, a
// transport header) followed by data, cut at DNP3MaxLinkData octets.
func (l DNP3Link) appendFrame(dst []byte, th int, data []byte) []byte {
	lead := 0
	if th >= 0 {
		lead = 1
	}
	n := min(lead+len(data), DNP3MaxLinkData)
	dst = l.AppendFrameLength(dst, uint8(5+n))
	block := len(dst)
	for i := 0; i < n; i++ {
		if i < lead {
			dst = append(dst, byte(th))
		} else {
			dst = append(dst, data[i-lead])
		}
		if (i+1)%16 == 0 || i+1 == n {
			dst = appendCRC(dst, block)
			block = len(dst)
		}
	}
	return dst
}

// DNP3Transport returns a transport header octet: FIN, FIR, 6-bit
// sequence number (IEEE 1815-2012, 8.2.1).
func DNP3Transport(fir, fin bool, seq uint8) byte {
	b := seq & 0x3F
	if fin {
		b |= 0x80
	}
	if fir {
		b |= 0x40
	}
	return b
}

// AppendSegment appends one link frame carrying a transport segment: the
// header th and data (at most DNP3MaxSegmentData octets).
func (l DNP3Link) AppendSegment(dst []byte, th byte, data []byte) []byte {
	return l.appendFrame(dst, int(th), data)
}

// AppendFragment appends an application fragment as transport segments
// of at most DNP3MaxSegmentData octets, one link frame each, the first
// with FIR and the last with FIN, numbered from seq. It returns the
// extended slice and the sequence number that follows (modulo 64).
func (l DNP3Link) AppendFragment(dst, frag []byte, seq uint8) ([]byte, uint8) {
	off := 0
	for {
		end := min(off+DNP3MaxSegmentData, len(frag))
		dst = l.AppendSegment(dst, DNP3Transport(off == 0, end == len(frag), seq), frag[off:end])
		seq = (seq + 1) & 0x3F
		off = end
		if off >= len(frag) {
			return dst, seq
		}
	}
}

// DNP3FragmentSize returns the wire size of AppendFragment's output for
// an application fragment of n octets.
func DNP3FragmentSize(n int) int {
	size := 0
	for {
		k := min(n, DNP3MaxSegmentData)
		size += DNP3FrameSize(1 + k)
		n -= k
		if n <= 0 {
			return size
		}
	}
}
