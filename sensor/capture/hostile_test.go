package capture

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Little-endian pcapng pieces for hand-made files.
const (
	// SHB: type, length 28, byte-order magic, version 1.0, section length -1, length.
	hexSHB = "0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000"
	// IDB: type, length 20, LINKTYPE_ETHERNET, reserved, snap length 0 (none), length.
	hexIDB = "01000000 14000000 0100 0000 00000000 14000000"
	// IDB as above with snap length 4.
	hexIDBSnap4 = "01000000 14000000 0100 0000 04000000 14000000"
	// LE classic pcap header: µs magic, 2.4, zone 0, sigfigs 0, snap length 0xffffffff, Ethernet.
	hexPcapHugeSnap = "d4c3b2a1 0200 0400 00000000 00000000 ffffffff 01000000"
)

// allocated returns the bytes allocated while fn runs.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHostileLengths(t *testing.T) {
	tests := []struct {
		name      string
		hex       string
		trailer   int // zero bytes appended: data the claim could swallow
		packets   int
		offset    int64
		truncated bool
		msg       string
	}{
		{"pcap caplen 0xffffffff", hexPcapHugeSnap +
			// record: ts 0, caplen and origlen 0xffffffff
			"00000000 00000000 ffffffff ffffffff", 1 << 20,
			0, 24, false, "damaged record at byte offset 24: capture length exceeds snap length: 4294967295 > 262144"},
		{"pcap caplen just over the limit", hexPcapHugeSnap +
			// record: caplen = origlen = 262145
			"00000000 00000000 01000400 01000400", 1 << 20,
			0, 24, false, "capture length exceeds snap length: 262145 > 262144"},
		{"pcap caplen > origlen", hexPcapHugeSnap +
			// record: caplen 100, origlen 50
			"00000000 00000000 64000000 32000000", 100,
			0, 24, false, "capture length exceeds original packet length: 100 > 50"},
		{"pcap good record then huge", hexPcapHugeSnap +
			// record: caplen = origlen = 4, data 01020304
			"00000000 00000000 04000000 04000000 01020304" +
			// record: caplen 0x7fffffff
			"00000000 00000000 ffffff7f ffffff7f", 1 << 20,
			1, 44, false, "capture length exceeds snap length: 2147483647 > 262144"},
		{"pcapng EPB caplen past its block", hexSHB + hexIDB +
			// EPB: length 32, interface 0, ts 0, caplen = origlen = 0xfffffff0, length
			"06000000 20000000 00000000 00000000 00000000 f0ffffff f0ffffff 20000000", 1 << 20,
			0, 48, false, "damaged block at byte offset 48: pcapng: captured length 4294967280 does not fit in a block of 32 bytes"},
		{"pcapng EPB caplen over the limit", hexSHB + hexIDB +
			// EPB: length 300032, caplen = origlen = 300000; the data would follow
			"06000000 00940400 00000000 00000000 00000000 e0930400 e0930400", 300008,
			0, 48, false, "pcapng: captured length 300000 exceeds the limit of 262144"},
		{"pcapng block length 0xfffffffc", hexSHB + hexIDB +
			// unknown block type 0xbad, length 0xfffffffc
			"ad0b0000 fcffffff", 1 << 20,
			0, 48, false, "pcapng: block type 0xbad: length 4294967292 exceeds the limit of 16777216"},
		{"pcapng block length past the end", hexSHB + hexIDB +
			// unknown block type 0xbad, length 1000, 12 of its bytes present
			"ad0b0000 e8030000 00000000 00000000 00000000", 0,
			0, 48, true, "truncated block at byte offset 48: unexpected EOF"},
		{"pcapng block length 8", hexSHB + hexIDB +
			// unknown block type 0xbad, length 8 (shorter than type+length+length)
			"ad0b0000 08000000 08000000", 64,
			0, 48, false, "pcapng: block type 0xbad: length 8 is too short"},
		{"pcapng block length 30", hexSHB + hexIDB +
			// unknown block type 0xbad, length 30
			"ad0b0000 1e000000 0000 00000000 00000000 00000000 1e000000", 64,
			0, 48, false, "pcapng: block type 0xbad: length 30 is not a multiple of 4"},
		{"pcapng SHB length 0", "0a0d0d0a 00000000 4d3c2b1a 0100 0000", 64,
			0, 0, false, "damaged block at byte offset 0: pcapng: block type 0xa0d0d0a: length 0 is too short"},
		{"pcapng DSB secrets past its block", hexSHB + hexIDB +
			// DSB: length 32, secrets type TLS key log, secrets length 0xffffffff
			"0a000000 20000000 4b534c54 ffffffff 00000000 00000000 00000000 20000000", 1 << 20,
			0, 48, false, "pcapng: decryption secrets of 4294967295 bytes do not fit in a block of 32 bytes"},
		{"pcapng SPB bigger than its block", hexSHB + hexIDB +
			// SPB: length 20, original length 1000, 4 data bytes; interface 0 has no snap length
			"03000000 14000000 e8030000 01020304 14000000", 0,
			0, 48, false, "pcapng: simple packet of 1000 bytes does not fit in a block of 20 bytes"},
		{"pcapng EPB on a missing interface", hexSHB + hexIDB +
			// EPB: length 36, interface 7, ts 0, caplen = origlen = 4, data, length
			"06000000 24000000 07000000 00000000 00000000 04000000 04000000 01020304 24000000", 0,
			0, 48, false, "damaged block at byte offset 48: Interface id 7 not present in section (have only 1 interfaces)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := append(unhex(t, tt.hex), make([]byte, tt.trailer)...)
			var n int
			var err error
			alloc := allocated(func() {
				var f *File
				f, err = NewReader("h", bytes.NewReader(data))
				if err != nil {
					return
				}
				var ps []Packet
				ps, err = readAll(t, f, 10)
				n = len(ps)
			})
			if n != tt.packets {
				t.Errorf("got %d packets, want %d", n, tt.packets)
			}
			if e := wantDamage(err, "h", tt.offset, tt.truncated); e != nil {
				t.Fatal(e)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", err, tt.msg)
			}
			// Buffers: 64 KiB read buffer, pcapgo's packet buffer (at most
			// MaxCaptureLength), a little more for gzip.
			if alloc > 1<<20 {
				t.Errorf("allocated %d bytes", alloc)
			}
		})
	}
}

// TestHostileGzip checks that a small gzip file that decompresses to a
// huge claim is refused without reading (or allocating) what it claims.
func TestHostileGzip(t *testing.T) {
	// pcapng: SHB, IDB, EPB claiming 4 GiB, then 64 MiB of zeros.
	raw := append(unhex(t, hexSHB+hexIDB+"06000000 20000000 00000000 00000000 00000000 f0ffffff f0ffffff 20000000"), make([]byte, 64<<20)...)
	gz := gzipped(t, raw)
	var err error
	alloc := allocated(func() {
		var f *File
		if f, err = NewReader("bomb.pcapng.gz", bytes.NewReader(gz)); err == nil {
			_, err = readAll(t, f, 1)
		}
	})
	if e := wantDamage(err, "bomb.pcapng.gz", 48, false); e != nil {
		t.Fatal(e)
	}
	if alloc > 2<<20 {
		t.Errorf("allocated %d bytes for a %d-byte file", alloc, len(gz))
	}
}

func TestSimplePacketSnapLength(t *testing.T) {
	// SHB, IDB with snap length 4, SPB: length 20, original length 1000,
	// data 01020304: the captured length is min(1000, 4).
	data := unhex(t, hexSHB+hexIDBSnap4+"03000000 14000000 e8030000 01020304 14000000")
	f, err := NewReader("spb", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	ps, err := readAll(t, f, 1)
	if err != nil || len(ps) != 1 {
		t.Fatalf("%d packets, %v", len(ps), err)
	}
	if p := ps[0]; !bytes.Equal(p.Data, []byte{1, 2, 3, 4}) || p.Info.Length != 1000 || p.LinkType != layers.LinkTypeEthernet {
		t.Errorf("got %x len %d %v", p.Data, p.Info.Length, p.LinkType)
	}
}

// TestMaxCaptureLength reads a packet of exactly MaxCaptureLength bytes,
// in both formats.
func TestMaxCaptureLength(t *testing.T) {
	data := bytes.Repeat([]byte{0xab}, MaxCaptureLength)
	ci := gopacket.CaptureInfo{Timestamp: t0, CaptureLength: len(data), Length: len(data)}
	var pc, ng bytes.Buffer
	w := pcapgo.NewWriter(&pc)
	if err := w.WriteFileHeader(MaxCaptureLength, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(ci, data); err != nil {
		t.Fatal(err)
	}
	nw, err := pcapgo.NewNgWriter(&ng, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	if err := nw.WritePacket(ci, data); err != nil {
		t.Fatal(err)
	}
	if err := nw.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, in := range [][]byte{pc.Bytes(), ng.Bytes()} {
		f, err := NewReader("max", bytes.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		ps, err := readAll(t, f, 1)
		if err != nil || len(ps) != 1 || !bytes.Equal(ps[0].Data, data) {
			t.Fatalf("%s: %d packets, %v", f.Format(), len(ps), err)
		}
	}
}

// TestSectionLimits checks the per-section caps on interfaces and on
// metadata that pcapgo keeps in memory.
func TestSectionLimits(t *testing.T) {
	t.Run("interfaces", func(t *testing.T) {
		idb := unhex(t, hexIDB)
		data := unhex(t, hexSHB)
		for range maxInterfaces + 1 {
			data = append(data, idb...)
		}
		f, err := NewReader("many", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		_, err = readAll(t, f, 0)
		if e := wantDamage(err, "many", int64(28+20*maxInterfaces), false); e != nil {
			t.Fatal(e)
		}
	})
	t.Run("metadata", func(t *testing.T) {
		// Two decryption secrets blocks of 8 MiB + 1 KiB each.
		dsb := func() []byte {
			n := 8<<20 + 1024
			b := binary.LittleEndian.AppendUint32(nil, ngDSB)
			b = binary.LittleEndian.AppendUint32(b, uint32(20+n))
			b = binary.LittleEndian.AppendUint32(b, 0x544c534b) // TLS key log
			b = binary.LittleEndian.AppendUint32(b, uint32(n))
			b = append(b, make([]byte, n)...)
			return binary.LittleEndian.AppendUint32(b, uint32(20+n))
		}
		data := unhex(t, hexSHB+hexIDB)
		first := len(data)
		data = append(data, dsb()...)
		second := len(data)
		data = append(data, dsb()...)
		f, err := NewReader("meta", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		_, err = readAll(t, f, 0)
		if e := wantDamage(err, "meta", int64(second), false); e != nil {
			t.Fatalf("%v (first DSB at %d)", e, first)
		}
		if !strings.Contains(err.Error(), "section metadata exceeds") {
			t.Error(err)
		}
	})
}

// TestManyBlocksBetweenPackets reads a packet that follows 300000 blocks
// of an unknown type: pcapgo skips them in one call, and the framer's
// record of block starts must not grow with them.
func TestManyBlocksBetweenPackets(t *testing.T) {
	// Unknown block type 0xbad, length 12: type, length, length.
	unknown := unhex(t, "ad0b0000 0c000000 0c000000")
	data := unhex(t, hexSHB+hexIDB)
	for range 300000 {
		data = append(data, unknown...)
	}
	epbAt := len(data)
	// EPB: length 36, interface 0, ts 0, caplen = origlen = 4, data 01020304, length.
	data = append(data, unhex(t, "06000000 24000000 00000000 00000000 00000000 04000000 04000000 01020304 24000000")...)
	// A truncated EPB after it: the error must name its offset.
	data = append(data, unhex(t, "06000000 24000000 00000000")...)
	var ps []Packet
	var err error
	alloc := allocated(func() {
		var f *File
		if f, err = NewReader("many", bytes.NewReader(data)); err == nil {
			ps, err = readAll(t, f, 1)
		}
	})
	if len(ps) != 1 || !bytes.Equal(ps[0].Data, []byte{1, 2, 3, 4}) {
		t.Fatalf("got %d packets", len(ps))
	}
	if e := wantDamage(err, "many", int64(epbAt+36), true); e != nil {
		t.Fatal(e)
	}
	if alloc > 1<<20 {
		t.Errorf("allocated %d bytes", alloc)
	}
}
