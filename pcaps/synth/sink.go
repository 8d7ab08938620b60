package synth

import (
	"encoding/binary"
	"errors"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// Snaplen is the snapshot length written in capture headers.
const Snaplen = 262144

// Sink receives captured frames and writes them in a capture format.
type Sink interface {
	// WritePacket writes one frame; ci.InterfaceIndex selects the
	// interface in a multi-interface (pcapng) sink.
	WritePacket(ci gopacket.CaptureInfo, data []byte) error
	// Flush writes anything buffered to the underlying writer.
	Flush() error
}

type pcapSink struct{ *pcapgo.Writer }

func (pcapSink) Flush() error { return nil }

// NewPcapSink writes a classic little-endian pcap file header for link and
// returns a Sink for its records, with microsecond or (nanos) nanosecond
// timestamps.
func NewPcapSink(w io.Writer, link Link, nanos bool) (Sink, error) {
	pw := pcapgo.NewWriter(w)
	if nanos {
		pw = pcapgo.NewWriterNanos(w)
	}
	if err := pw.WriteFileHeader(Snaplen, link.LinkType()); err != nil {
		return nil, err
	}
	return pcapSink{pw}, nil
}

// beNanoSink writes a big-endian, nanosecond-resolution classic pcap
// (magic a1 b2 3c 4d as stored bytes), which pcapgo cannot write.
type beNanoSink struct {
	w   io.Writer
	hdr [16]byte
}

// NewBigEndianNanoSink writes a big-endian nanosecond pcap file header for
// link and returns a Sink for its records.
func NewBigEndianNanoSink(w io.Writer, link Link) (Sink, error) {
	var h [24]byte
	binary.BigEndian.PutUint32(h[0:], 0xa1b23c4d)
	binary.BigEndian.PutUint16(h[4:], 2)
	binary.BigEndian.PutUint16(h[6:], 4)
	// thiszone and sigfigs stay 0.
	binary.BigEndian.PutUint32(h[16:], Snaplen)
	binary.BigEndian.PutUint32(h[20:], uint32(link))
	if _, err := w.Write(h[:]); err != nil {
		return nil, err
	}
	return &beNanoSink{w: w}, nil
}

func (s *beNanoSink) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	if ci.CaptureLength != len(data) || ci.Length < ci.CaptureLength {
		return errors.New("synth: capture length does not match data")
	}
	ns := ci.Timestamp.UnixNano()
	binary.BigEndian.PutUint32(s.hdr[0:], uint32(ns/1e9))
	binary.BigEndian.PutUint32(s.hdr[4:], uint32(ns%1e9))
	binary.BigEndian.PutUint32(s.hdr[8:], uint32(ci.CaptureLength))
	binary.BigEndian.PutUint32(s.hdr[12:], uint32(ci.Length))
	if _, err := s.w.Write(s.hdr[:]); err != nil {
		return err
	}
	_, err := s.w.Write(data)
	return err
}

func (s *beNanoSink) Flush() error { return nil }

// NgInterface describes one interface of a pcapng sink.
type NgInterface struct {
	Name string
	Link Link
}

// NewNgSink writes a pcapng section header and one interface description
// block per entry of ifs (interface i gets index i), and returns a Sink.
// Flush must be called at the end.
func NewNgSink(w io.Writer, ifs ...NgInterface) (Sink, error) {
	if len(ifs) == 0 {
		return nil, errors.New("synth: pcapng needs at least one interface")
	}
	intf := func(i NgInterface) pcapgo.NgInterface {
		return pcapgo.NgInterface{Name: i.Name, LinkType: i.Link.LinkType(), SnapLength: Snaplen, TimestampResolution: 9}
	}
	// No OS or hardware options, so the bytes do not depend on the machine.
	opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "otsensor pcaps/synth"}}
	ng, err := pcapgo.NewNgWriterInterface(w, intf(ifs[0]), opts)
	if err != nil {
		return nil, err
	}
	for _, i := range ifs[1:] {
		if _, err := ng.AddInterface(intf(i)); err != nil {
			return nil, err
		}
	}
	return ng, nil
}
