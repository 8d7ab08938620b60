package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// unhex decodes hex written with spaces and newlines for readability.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Frames used as packet payloads. The reader does not decode them; they
// are real-looking so that seeds and failures are easy to read.
var (
	// Ethernet II, IPv4 192.168.10.1:50000 -> 192.168.10.2:502 TCP PSH|ACK,
	// Modbus/TCP read holding registers (FC 3) request: transaction 1,
	// unit 1, start 0, quantity 10. 66 bytes.
	frameEthModbus = `
		000c29aabbcc 000c29112233 0800
		4500 0034 0001 4000 4006 0000 c0a80a01 c0a80a02
		c350 01f6 00000001 00000001 5018 ffff 0000 0000
		0001 0000 0006 01 03 0000 000a`
	// Linux cooked capture (SLL): packet type 0 (to us), ARPHRD_ETHER,
	// 6-byte address 00:0c:29:11:22:33 + 2 padding bytes, protocol IPv4;
	// then IPv4 10.0.0.1 -> 10.0.0.2 UDP 20000 -> 20000 with a DNP3 link
	// header (05 64, length 5, control c0, dst 1, src 10, CRC). 47 bytes.
	frameSLLDNP3 = `
		0000 0001 0006 000c29112233 0000 0800
		4500 001f 0002 0000 4011 0000 0a000001 0a000002
		4e20 4e20 000b 0000
		0564 05 c0 0100 0a00 e4`
	// Raw IPv4 (LINKTYPE_RAW): 10.0.0.2 -> 10.0.0.1 UDP 20000 -> 20000,
	// 1 byte of payload. 29 bytes (not a multiple of 4: pcapng pads it).
	frameRawIPv4 = `
		4500 001d 0003 0000 4011 0000 0a000002 0a000001
		4e20 4e20 0009 0000 00`
)

// wantPacket is what the reader must return for one packet.
type wantPacket struct {
	data   []byte
	ts     time.Time
	origin int // original length
	link   layers.LinkType
	iface  int
}

// unit is one record (pcap) or block (pcapng) after the file header, in
// file order, with the index of the packet it carries (-1 for none).
type unit struct {
	start, end int
	packet     int
}

// built is a capture file made by a test, with what reading it must give.
type built struct {
	name      string
	data      []byte
	headerEnd int // bytes Open consumes: pcap file header or first SHB
	units     []unit
	packets   []wantPacket
	format    string
}

var t0 = time.Date(2023, 11, 14, 22, 13, 20, 0, time.UTC) // 1700000000

// buildPcap writes a classic pcap with pcapgo's writer (little endian,
// microsecond or nanosecond magic).
func buildPcap(t testing.TB, nanos bool, link layers.LinkType, frames []string) built {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if nanos {
		w = pcapgo.NewWriterNanos(&buf)
	}
	if err := w.WriteFileHeader(65535, link); err != nil {
		t.Fatal(err)
	}
	b := built{name: "built.pcap", headerEnd: buf.Len(), format: "pcap"}
	for i, fr := range frames {
		data := unhex(t, fr)
		ts := t0.Add(time.Duration(i)*time.Second + 123456789*time.Nanosecond)
		if !nanos {
			ts = ts.Truncate(time.Microsecond)
		}
		start := buf.Len()
		ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data) + i}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
		b.units = append(b.units, unit{start, buf.Len(), i})
		b.packets = append(b.packets, wantPacket{data: data, ts: ts, origin: len(data) + i, link: link})
	}
	b.data = buf.Bytes()
	return b
}

// buildPcapng writes two sections with pcapgo's NgWriter. Section 1 has
// three interfaces (Ethernet, Linux SLL, raw IP), two of them added
// between packets, and an interface statistics block; section 2 starts
// over with one raw-IP interface, so its packets are interface 0 again.
func buildPcapng(t testing.TB) built {
	t.Helper()
	var buf bytes.Buffer
	b := built{name: "built.pcapng", format: "pcapng"}
	mark := func(w *pcapgo.NgWriter, start, packet int) {
		t.Helper()
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		b.units = append(b.units, unit{start, buf.Len(), packet})
	}
	packet := func(w *pcapgo.NgWriter, iface int, link layers.LinkType, frame string, ts time.Time) {
		t.Helper()
		data := unhex(t, frame)
		start := buf.Len()
		ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data), InterfaceIndex: iface}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
		mark(w, start, len(b.packets))
		b.packets = append(b.packets, wantPacket{data: data, ts: ts, origin: len(data), link: link, iface: iface})
	}
	addIface := func(w *pcapgo.NgWriter, link layers.LinkType) {
		t.Helper()
		start := buf.Len()
		if _, err := w.AddInterface(pcapgo.NgInterface{Name: link.String(), LinkType: link}); err != nil {
			t.Fatal(err)
		}
		mark(w, start, -1)
	}
	opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "otsensor test"}}

	// Section 1: SHB + IDB 0 are written by the constructor. Open reads
	// the SHB only; pcapgo reads the IDB with the first packet.
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	shb := int(binary.LittleEndian.Uint32(buf.Bytes()[4:8]))
	b.headerEnd = shb
	b.units = append(b.units, unit{shb, buf.Len(), -1}) // IDB 0
	ts := t0.Add(987654321 * time.Nanosecond)
	packet(w, 0, layers.LinkTypeEthernet, frameEthModbus, ts)
	addIface(w, layers.LinkTypeLinuxSLL)
	packet(w, 1, layers.LinkTypeLinuxSLL, frameSLLDNP3, ts.Add(time.Second))
	addIface(w, layers.LinkTypeRaw)
	packet(w, 2, layers.LinkTypeRaw, frameRawIPv4, ts.Add(2*time.Second))
	start := buf.Len()
	if err := w.WriteInterfaceStats(0, pcapgo.NgInterfaceStatistics{LastUpdate: ts.Add(2 * time.Second), PacketsReceived: 1, PacketsDropped: 0}); err != nil {
		t.Fatal(err)
	}
	mark(w, start, -1)
	packet(w, 0, layers.LinkTypeEthernet, frameEthModbus, ts.Add(3*time.Second))

	// Section 2: a new SHB resets the interfaces.
	start = buf.Len()
	w2, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "raw0", LinkType: layers.LinkTypeRaw}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := w2.Flush(); err != nil {
		t.Fatal(err)
	}
	shb2 := int(binary.LittleEndian.Uint32(buf.Bytes()[start+4 : start+8]))
	b.units = append(b.units, unit{start, start + shb2, -1}, unit{start + shb2, buf.Len(), -1})
	packet(w2, 0, layers.LinkTypeRaw, frameRawIPv4, ts.Add(4*time.Second))
	b.data = buf.Bytes()
	return b
}

// ngBuilder writes pcapng blocks by hand, in either byte order, for what
// pcapgo's writer cannot produce.
type ngBuilder struct {
	o   binary.AppendByteOrder
	buf []byte
	b   *built
}

func (n *ngBuilder) block(typ uint32, body []byte, packet int) {
	start := len(n.buf)
	length := uint32(12 + len(body))
	n.buf = n.o.AppendUint32(n.buf, typ)
	n.buf = n.o.AppendUint32(n.buf, length)
	n.buf = append(n.buf, body...)
	n.buf = n.o.AppendUint32(n.buf, length)
	if typ == ngSHB && start == 0 {
		n.b.headerEnd = len(n.buf)
		return
	}
	n.b.units = append(n.b.units, unit{start, len(n.buf), packet})
}

// shb: byte-order magic, version 1.0, section length -1 (unknown), no options.
func (n *ngBuilder) shb() {
	body := n.o.AppendUint32(nil, ngByteOrderMagic)
	body = n.o.AppendUint16(body, 1)
	body = n.o.AppendUint16(body, 0)
	body = n.o.AppendUint64(body, ^uint64(0))
	n.block(ngSHB, body, -1)
}

// idb: link type, reserved, snap length; if_tsresol (option 9, 1 byte +
// 3 padding) when tsresol != 0; opt_endofopt.
func (n *ngBuilder) idb(link layers.LinkType, snap uint32, tsresol byte) {
	body := n.o.AppendUint16(nil, uint16(link))
	body = n.o.AppendUint16(body, 0)
	body = n.o.AppendUint32(body, snap)
	if tsresol != 0 {
		body = n.o.AppendUint16(body, 9)
		body = n.o.AppendUint16(body, 1)
		body = append(body, tsresol, 0, 0, 0)
	}
	body = n.o.AppendUint32(body, 0) // opt_endofopt
	n.block(ngIDB, body, -1)
}

// epb: interface id, 64-bit timestamp in the interface's units (high word
// first), captured and original length, data padded to 4 bytes, no options.
func (n *ngBuilder) epb(iface uint32, ts uint64, data []byte, want wantPacket) {
	body := n.o.AppendUint32(nil, iface)
	body = n.o.AppendUint32(body, uint32(ts>>32))
	body = n.o.AppendUint32(body, uint32(ts))
	body = n.o.AppendUint32(body, uint32(len(data)))
	body = n.o.AppendUint32(body, uint32(len(data)))
	body = append(body, data...)
	body = append(body, make([]byte, (4-len(data)%4)%4)...)
	n.block(ngEPB, body, len(n.b.packets))
	n.b.packets = append(n.b.packets, want)
}

// spb: original length, data padded to 4 bytes. No timestamp, interface 0.
func (n *ngBuilder) spb(data []byte, want wantPacket) {
	body := n.o.AppendUint32(nil, uint32(len(data)))
	body = append(body, data...)
	body = append(body, make([]byte, (4-len(data)%4)%4)...)
	n.block(ngSPB, body, len(n.b.packets))
	n.b.packets = append(n.b.packets, want)
}

// buildHandPcapng writes a big-endian section whose interfaces have
// if_tsresol 3 (milliseconds) and the default (microseconds), followed by
// a little-endian section with if_tsresol 8 (10 ns) and a simple packet.
func buildHandPcapng(t testing.TB) built {
	t.Helper()
	b := &built{name: "hand.pcapng", format: "pcapng"}
	eth, raw := unhex(t, frameEthModbus), unhex(t, frameRawIPv4)

	be := &ngBuilder{o: binary.BigEndian, b: b}
	be.shb()
	be.idb(layers.LinkTypeEthernet, 0, 3) // interface 0: ms
	be.idb(layers.LinkTypeRaw, 0, 0)      // interface 1: µs (default)
	// 1700000000.123 s in ms; 1700000001.654321 s in µs.
	be.epb(0, 1700000000123, eth, wantPacket{data: eth, ts: t0.Add(123 * time.Millisecond), link: layers.LinkTypeEthernet})
	be.epb(1, 1700000001654321, raw, wantPacket{data: raw, ts: t0.Add(time.Second + 654321*time.Microsecond), link: layers.LinkTypeRaw, iface: 1})

	le := &ngBuilder{o: binary.LittleEndian, b: b, buf: be.buf}
	le.shb()
	le.idb(layers.LinkTypeRaw, 65535, 8) // interface 0 of section 2: 10 ns
	// 1700000002.00000001 s in units of 10 ns.
	le.epb(0, 170000000200000001, raw, wantPacket{data: raw, ts: t0.Add(2*time.Second + 10*time.Nanosecond), link: layers.LinkTypeRaw})
	le.spb(raw, wantPacket{data: raw, link: layers.LinkTypeRaw}) // zero time
	b.data = le.buf
	for i := range b.packets {
		b.packets[i].origin = len(b.packets[i].data)
	}
	return *b
}

// buildBEPcap writes a big-endian classic pcap by hand with the
// microsecond (a1b2c3d4) or nanosecond (a1b23c4d) magic.
func buildBEPcap(t testing.TB, nanos bool) built {
	t.Helper()
	o := binary.BigEndian
	magic, frac, ts := uint32(0xa1b2c3d4), uint32(123456), t0.Add(123456*time.Microsecond)
	if nanos {
		magic, frac, ts = 0xa1b23c4d, 123456789, t0.Add(123456789)
	}
	// magic, version 2.4, thiszone 0, sigfigs 0, snaplen 65535, LINKTYPE_ETHERNET.
	hdr := o.AppendUint32(nil, magic)
	hdr = o.AppendUint16(hdr, 2)
	hdr = o.AppendUint16(hdr, 4)
	hdr = o.AppendUint64(hdr, 0)
	hdr = o.AppendUint32(hdr, 65535)
	hdr = o.AppendUint32(hdr, 1)
	data := unhex(t, frameEthModbus)
	b := built{name: "be.pcap", headerEnd: len(hdr), format: "pcap"}
	buf := hdr
	for i := 0; i < 2; i++ {
		start := len(buf)
		// ts_sec, ts_usec or ts_nsec, incl_len, orig_len (1500: truncated).
		buf = o.AppendUint32(buf, 1700000000+uint32(i))
		buf = o.AppendUint32(buf, frac)
		buf = o.AppendUint32(buf, uint32(len(data)))
		buf = o.AppendUint32(buf, 1500)
		buf = append(buf, data...)
		b.units = append(b.units, unit{start, len(buf), i})
		b.packets = append(b.packets, wantPacket{data: data, ts: ts.Add(time.Duration(i) * time.Second), origin: 1500, link: layers.LinkTypeEthernet})
	}
	b.data = buf
	return b
}

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// allBuilt is every test file, uncompressed.
func allBuilt(t testing.TB) []built {
	frames := []string{frameEthModbus, frameEthModbus, frameEthModbus}
	us := buildPcap(t, false, layers.LinkTypeEthernet, frames)
	us.name = "us.pcap"
	ns := buildPcap(t, true, layers.LinkTypeEthernet, frames)
	ns.name = "ns.pcap"
	beUs := buildBEPcap(t, false)
	beUs.name = "be-us.pcap"
	beNs := buildBEPcap(t, true)
	beNs.name = "be-ns.pcap"
	return []built{us, ns, beUs, beNs, buildPcapng(t), buildHandPcapng(t)}
}
