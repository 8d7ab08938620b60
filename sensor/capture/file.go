package capture

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// MaxCaptureLength is the longest packet a File returns: libpcap's
// MAXIMUM_SNAPLEN. A record that claims more is reported as damage, so a
// hostile length never turns into a huge allocation.
const MaxCaptureLength = 262144

// bufSize is the read buffer handed to pcapgo.
const bufSize = 64 << 10

// Capture file magics, as the first four bytes read in file order.
var (
	magicPcapUsLE = [4]byte{0xd4, 0xc3, 0xb2, 0xa1}
	magicPcapUsBE = [4]byte{0xa1, 0xb2, 0xc3, 0xd4}
	magicPcapNsLE = [4]byte{0x4d, 0x3c, 0xb2, 0xa1}
	magicPcapNsBE = [4]byte{0xa1, 0xb2, 0x3c, 0x4d}
	magicPcapng   = [4]byte{0x0a, 0x0d, 0x0d, 0x0a}
	magicGzip     = [2]byte{0x1f, 0x8b}
)

// Packet is one captured frame.
type Packet struct {
	// Data is owned by the File and valid only until the next Next call.
	Data []byte
	// Info holds the timestamp (UTC, from the file; zero for a pcapng
	// Simple Packet Block, which has none), the captured and original
	// lengths and, for pcapng, the interface index within the section.
	// AncillaryData is always nil.
	Info gopacket.CaptureInfo
	// LinkType is the packet's link type: pcapng files can mix interfaces
	// with different link types. Unsupported link types are reported here,
	// not rejected.
	LinkType layers.LinkType
}

// File reads one capture file: classic pcap (both byte orders, microsecond
// and nanosecond magic) or pcapng (several sections and interfaces, each
// with its own link type and timestamp resolution), either of them
// gzip-compressed (detected by magic, whatever the name).
type File struct {
	name   string
	closer io.Closer // the os.File; nil for NewReader
	size   int64
	disk   *diskCounter
	gz     *gzip.Reader
	s      *stream
	br     *bufio.Reader
	pcap   *pcapgo.Reader
	ng     *pcapgo.NgReader
	link   layers.LinkType // classic pcap: one link type per file
	done   bool            // Next returns io.EOF from now on
	closed bool
}

// Open opens a capture file. It fails, naming the file, when the file is
// missing, empty, not a capture, or has a damaged header.
func Open(path string) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("capture: %w", err)
	}
	if st.IsDir() {
		osf.Close()
		return nil, fmt.Errorf("capture: %s is a directory", path)
	}
	var size int64
	if st.Mode().IsRegular() {
		size = st.Size()
	}
	f, err := newFile(path, osf, size)
	if err != nil {
		osf.Close()
		return nil, err
	}
	f.closer = osf
	return f, nil
}

// NewReader reads a capture from r, as Open does from a file. name is used
// in errors. Progress reports a total of 0.
func NewReader(name string, r io.Reader) (*File, error) {
	return newFile(name, r, 0)
}

func newFile(name string, r io.Reader, size int64) (*File, error) {
	f := &File{name: name, size: size, disk: &diskCounter{r: r}}
	var head [2]byte
	n, err := io.ReadFull(f.disk, head[:])
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("capture: %s: %w", name, err)
	}
	src := io.MultiReader(bytes.NewReader(head[:n]), f.disk)
	if n == 2 && head == magicGzip {
		gz, err := gzip.NewReader(src)
		if err != nil {
			return nil, &DamageError{Path: name, What: "gzip header", Err: err}
		}
		f.gz, src = gz, gz
	}
	f.s = &stream{r: src}
	f.br = bufio.NewReaderSize(f.s, bufSize)
	magic, err := f.br.Peek(4)
	if len(magic) < 4 {
		return nil, f.shortHeader(magic, err)
	}
	switch [4]byte(magic) {
	case magicPcapUsLE, magicPcapUsBE, magicPcapNsLE, magicPcapNsBE:
		// pcapgo uses f.br as is: bufio.NewReader returns a large enough
		// *bufio.Reader unchanged, so f.offset stays exact.
		f.pcap, err = pcapgo.NewReader(f.br)
		if err != nil {
			return nil, f.damage("file header", 0, err)
		}
		// pcapgo accepts records up to the file's snap length when that is
		// larger than MaxCaptureLength; cap it.
		if f.pcap.Snaplen() > MaxCaptureLength {
			f.pcap.SetSnaplen(MaxCaptureLength)
		}
		f.link = f.pcap.LinkType()
	case magicPcapng:
		f.ng, err = pcapgo.NewNgReader(f.br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // the magic was there: the header is cut
		}
		if err != nil {
			return nil, f.fail(0, err)
		}
	default:
		return nil, &notCaptureError{path: name, head: bytes.Clone(magic), gzip: f.gz != nil}
	}
	return f, nil
}

// shortHeader explains a stream that ended within its first four bytes.
func (f *File) shortHeader(head []byte, err error) error {
	if f.s.cut != nil {
		return f.damage("block", f.s.fr.bad, f.s.cut) // pcapng framer refused the SHB
	}
	if err != nil && err != io.EOF {
		return f.damage("file header", 0, err)
	}
	gz := f.gz != nil
	if len(head) == 0 {
		reason := "empty"
		if gz {
			reason = "empty after decompression"
		}
		return &notCaptureError{path: f.name, gzip: gz, reason: reason}
	}
	for _, m := range [][]byte{magicPcapUsLE[:], magicPcapUsBE[:], magicPcapNsLE[:], magicPcapNsBE[:], magicPcapng[:], magicGzip[:]} {
		if bytes.HasPrefix(m, head) {
			return f.damage("file header", 0, io.ErrUnexpectedEOF)
		}
	}
	return &notCaptureError{path: f.name, head: bytes.Clone(head), gzip: gz}
}

// offset is the stream offset of the next byte pcapgo reads.
func (f *File) offset() int64 { return f.s.n - int64(f.br.Buffered()) }

func (f *File) damage(what string, off int64, err error) *DamageError {
	return &DamageError{Path: f.name, What: what, Offset: off, Gzip: f.gz != nil, Err: err}
}

// Next reads the next packet into p. It returns io.EOF at a clean end, and
// a *DamageError at a truncated or damaged record, after which every call
// returns io.EOF. p.Data is valid until the next call.
func (f *File) Next(p *Packet) error {
	if f.closed {
		return fmt.Errorf("capture: %s: %w", f.name, os.ErrClosed)
	}
	if f.done {
		return io.EOF
	}
	start := f.offset()
	var (
		data []byte
		ci   gopacket.CaptureInfo
		err  error
		link = f.link
	)
	if f.pcap != nil {
		data, ci, err = f.pcap.ZeroCopyReadPacketData()
	} else {
		data, ci, err = f.ng.ZeroCopyReadPacketData()
		if err == nil {
			// WantMixedLinkType: pcapgo puts the interface's link type here.
			link, _ = ci.AncillaryData[0].(layers.LinkType)
		}
	}
	if err != nil {
		f.done = true
		return f.fail(start, err)
	}
	ci.AncillaryData = nil
	p.Data, p.Info, p.LinkType = data, ci, link
	return nil
}

// fail turns an error from pcapgo, which started reading at offset start,
// into io.EOF or a *DamageError naming the record or block it hit.
func (f *File) fail(start int64, err error) error {
	pos := f.offset()
	if err == io.EOF && f.pcap != nil && pos != start {
		// pcapgo's io.ReadFull of the packet data reports a record header
		// with no data after it as io.EOF.
		err = io.ErrUnexpectedEOF
	}
	if err == io.EOF {
		// pcapgo reports a pcapng stream that stopped with
		// io.ErrUnexpectedEOF at a block boundary (a truncated gzip
		// file) as a clean end: it is not.
		if src := f.s.sourceFailed(); src != nil {
			return f.damage(f.unit(), pos, src)
		}
		return io.EOF
	}
	if f.pcap != nil {
		return f.damage("record", start, err)
	}
	fr := &f.s.fr
	if fr.refused && pos >= fr.bad {
		return f.damage("block", fr.bad, f.s.cut)
	}
	return f.damage("block", fr.blockAt(pos), err)
}

func (f *File) unit() string {
	if f.pcap != nil {
		return "record"
	}
	return "block"
}

// Format returns "pcap" or "pcapng", with "+gzip" appended for a
// compressed file.
func (f *File) Format() string {
	s := "pcapng"
	if f.pcap != nil {
		s = "pcap"
	}
	if f.gz != nil {
		s += "+gzip"
	}
	return s
}

// Progress returns how many bytes of the file (compressed, for gzip) have
// been read, and the file's size (0 when unknown, as for NewReader). done
// runs ahead of the packets returned by up to the read buffer (64 KiB).
// It may be called concurrently with Next.
func (f *File) Progress() (done, total int64) {
	return f.disk.n.Load(), f.size
}

// Close closes the file. Later Next calls fail; Close is idempotent.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	var errs []error
	if f.gz != nil {
		errs = append(errs, f.gz.Close())
	}
	if f.closer != nil {
		errs = append(errs, f.closer.Close())
	}
	return errors.Join(errs...)
}
