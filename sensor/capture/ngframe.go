package capture

import (
	"encoding/binary"
	"fmt"
)

// pcapng block types (pcapng spec, section 4 and 11.1).
const (
	ngSHB = 0x0A0D0D0A
	ngIDB = 0x00000001
	ngPB  = 0x00000002 // obsolete Packet Block
	ngSPB = 0x00000003
	ngNRB = 0x00000004
	ngISB = 0x00000005
	ngEPB = 0x00000006
	ngDSB = 0x0000000A

	ngByteOrderMagic = 0x1A2B3C4D
)

// Limits on what a pcapng file may declare. pcapgo trusts the lengths it
// reads, so these are enforced before it sees a block.
const (
	// maxBlockLength is the longest block accepted: libpcap's initial
	// maximum block size (16 MiB).
	maxBlockLength = 16 << 20
	// maxSectionMetadata caps the interface, name-resolution and
	// decryption-secrets blocks of one section, which pcapgo keeps in
	// memory until the section ends.
	maxSectionMetadata = 16 << 20
	// maxInterfaces caps the interfaces of one section.
	maxInterfaces = 1 << 16
)

// Framer modes: decided by the first four bytes of the stream.
const (
	frUnknown uint8 = iota
	frOn            // pcapng: follow the blocks
	frOff           // anything else: pass through
)

// ngFramer follows pcapng block framing in the stream as it flows to
// pcapgo (ahead of it, by up to the bufio.Reader's size). It reads block
// headers only: pcapgo parses the blocks. It records where blocks start,
// so that an error pcapgo reports can be attributed to the block it was
// reading, and it cuts the stream in front of a block whose lengths would
// make pcapgo read past the block, allocate more than MaxCaptureLength for
// a packet, or hold unbounded metadata.
type ngFramer struct {
	mode uint8
	next int64    // offset of the block whose header is being gathered
	hdr  [28]byte // its header bytes so far
	nh   int

	big     bool   // byte order of the current section
	sawIf0  bool   // interface 0 of the section has been seen
	snap0   uint32 // its snap length (for Simple Packet Blocks)
	nIf     int    // interfaces in the section
	meta    int64  // metadata bytes in the section
	starts  []int64
	head    int   // starts[head:] are the live entries
	bad     int64 // start of the refused block, valid when refused
	refused bool
}

// scan looks at the next chunk of the stream, which starts at offset base.
// It returns how many bytes of p may be handed on, and an error when the
// stream must be cut at a refused block.
func (f *ngFramer) scan(p []byte, base int64) (int, error) {
	if f.mode == frOff {
		return len(p), nil
	}
	// pcapgo is at most one read buffer behind base: older starts can go.
	f.forget(base - bufSize)
	end := base + int64(len(p))
	for f.next < end {
		if f.nh == 0 {
			f.starts = append(f.starts, f.next)
		}
		// Gather the type and length, then what the type needs.
		for {
			need := 8
			if f.nh >= 8 {
				need = f.headerLen()
			}
			if f.nh < need {
				i := int(f.next + int64(f.nh) - base) // next header byte in p
				f.nh += copy(f.hdr[f.nh:need], p[i:])
				if f.nh < need {
					return len(p), nil // the rest is in a later chunk
				}
			}
			if f.mode == frUnknown {
				if binary.LittleEndian.Uint32(f.hdr[0:4]) != ngSHB {
					f.mode = frOff
					return len(p), nil
				}
				f.mode = frOn
				// Room for the block starts of a read buffer of typical
				// packets, so that the list rarely grows.
				f.starts = make([]int64, 1, 2048)
				f.starts[0] = f.next
			}
			if f.headerLen() <= f.nh {
				break
			}
		}
		length, err := f.check()
		if err != nil {
			f.bad, f.refused = f.next, true
			keep := f.next - base
			if keep < 0 {
				keep = 0
			}
			return int(keep), err
		}
		f.next += int64(length)
		f.nh = 0
	}
	return len(p), nil
}

func (f *ngFramer) u32(b []byte) uint32 {
	if f.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// headerLen is how much of the block at f.next is needed to check it.
func (f *ngFramer) headerLen() int {
	typ := f.u32(f.hdr[0:4])
	switch typ {
	case ngSHB, ngSPB:
		return 12
	case ngIDB, ngDSB:
		return 16
	case ngEPB, ngPB:
		return 28
	}
	return 8
}

// minLength is the shortest valid total length of a block of type typ.
func minLength(typ uint32) uint32 {
	switch typ {
	case ngSHB:
		return 28
	case ngIDB, ngDSB:
		return 20
	case ngEPB, ngPB:
		return 32
	case ngSPB:
		return 16
	case ngISB:
		return 24
	}
	return 12
}

// check validates the gathered header of the block at f.next, updates the
// section state, and returns the block's total length.
func (f *ngFramer) check() (uint32, error) {
	typ := f.u32(f.hdr[0:4])
	if typ == ngSHB {
		switch {
		case binary.BigEndian.Uint32(f.hdr[8:12]) == ngByteOrderMagic:
			f.big = true
		case binary.LittleEndian.Uint32(f.hdr[8:12]) == ngByteOrderMagic:
			f.big = false
		default:
			return 0, fmt.Errorf("pcapng: bad byte-order magic % x in section header", f.hdr[8:12])
		}
		f.sawIf0, f.snap0, f.nIf, f.meta = false, 0, 0, 0
	}
	length := f.u32(f.hdr[4:8])
	switch {
	case length < minLength(typ):
		return 0, fmt.Errorf("pcapng: block type %#x: length %d is too short", typ, length)
	case length%4 != 0:
		return 0, fmt.Errorf("pcapng: block type %#x: length %d is not a multiple of 4", typ, length)
	case length > maxBlockLength:
		return 0, fmt.Errorf("pcapng: block type %#x: length %d exceeds the limit of %d", typ, length, maxBlockLength)
	}
	switch typ {
	case ngIDB:
		f.nIf++
		if f.nIf > maxInterfaces {
			return 0, fmt.Errorf("pcapng: more than %d interfaces in a section", maxInterfaces)
		}
		if !f.sawIf0 {
			f.sawIf0, f.snap0 = true, f.u32(f.hdr[12:16])
		}
		f.meta += int64(length)
	case ngEPB, ngPB:
		capLen := f.u32(f.hdr[20:24])
		if capLen > length-32 {
			return 0, fmt.Errorf("pcapng: captured length %d does not fit in a block of %d bytes", capLen, length)
		}
		if capLen > MaxCaptureLength {
			return 0, fmt.Errorf("pcapng: captured length %d exceeds the limit of %d", capLen, MaxCaptureLength)
		}
	case ngSPB:
		// pcapgo reads min(original length, snap length of interface 0).
		n := f.u32(f.hdr[8:12])
		if f.sawIf0 && f.snap0 != 0 && f.snap0 < n {
			n = f.snap0
		}
		if n > length-16 {
			return 0, fmt.Errorf("pcapng: simple packet of %d bytes does not fit in a block of %d bytes", n, length)
		}
		if n > MaxCaptureLength {
			return 0, fmt.Errorf("pcapng: captured length %d exceeds the limit of %d", n, MaxCaptureLength)
		}
	case ngDSB:
		if n := f.u32(f.hdr[12:16]); n > length-20 {
			return 0, fmt.Errorf("pcapng: decryption secrets of %d bytes do not fit in a block of %d bytes", n, length)
		}
		f.meta += int64(length)
	case ngNRB:
		f.meta += int64(length)
	}
	if f.meta > maxSectionMetadata {
		return 0, fmt.Errorf("pcapng: section metadata exceeds the limit of %d bytes", maxSectionMetadata)
	}
	return length, nil
}

// forget drops the recorded block starts before the block that contains
// off, which pcapgo has reached, keeping their memory bounded.
func (f *ngFramer) forget(off int64) {
	for f.head+1 < len(f.starts) && f.starts[f.head+1] <= off {
		f.head++
	}
	if f.head >= 1024 && f.head >= len(f.starts)/2 {
		n := copy(f.starts, f.starts[f.head:])
		f.starts = f.starts[:n]
		f.head = 0
	}
}

// blockAt returns the start of the block that contains offset off.
func (f *ngFramer) blockAt(off int64) int64 {
	if f.next <= off {
		return f.next
	}
	for i := len(f.starts) - 1; i >= f.head; i-- {
		if f.starts[i] <= off {
			return f.starts[i]
		}
	}
	return off
}
