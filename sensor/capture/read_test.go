package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/gopacket/gopacket/layers"
)

// readAll reads f to the end and returns copies of the packets and the
// error that ended the read (nil for io.EOF). It fails the test when a
// reader returns more packets than the file can hold.
func readAll(t testing.TB, f *File, max int) ([]Packet, error) {
	t.Helper()
	var out []Packet
	for {
		var p Packet
		err := f.Next(&p)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		p.Data = bytes.Clone(p.Data)
		out = append(out, p)
		if len(out) > max {
			t.Fatalf("more than %d packets", max)
		}
	}
}

func checkPackets(t *testing.T, got []Packet, want []wantPacket) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d packets, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if !bytes.Equal(g.Data, w.data) {
			t.Errorf("packet %d: data\n got %x\nwant %x", i, g.Data, w.data)
		}
		if !g.Info.Timestamp.Equal(w.ts) || g.Info.Timestamp.Location() != time.UTC {
			t.Errorf("packet %d: timestamp %v, want %v (UTC)", i, g.Info.Timestamp, w.ts)
		}
		if g.Info.CaptureLength != len(w.data) || g.Info.Length != w.origin {
			t.Errorf("packet %d: lengths %d/%d, want %d/%d", i, g.Info.CaptureLength, g.Info.Length, len(w.data), w.origin)
		}
		if g.LinkType != w.link {
			t.Errorf("packet %d: link type %v, want %v", i, g.LinkType, w.link)
		}
		if g.Info.InterfaceIndex != w.iface {
			t.Errorf("packet %d: interface %d, want %d", i, g.Info.InterfaceIndex, w.iface)
		}
		if g.Info.AncillaryData != nil {
			t.Errorf("packet %d: AncillaryData %v, want nil", i, g.Info.AncillaryData)
		}
	}
}

func TestReadFormats(t *testing.T) {
	for _, b := range allBuilt(t) {
		for _, gz := range []bool{false, true} {
			name, data, format := b.name, b.data, b.format
			if gz {
				name, data, format = name+".gz", gzipped(t, data), format+"+gzip"
			}
			t.Run(name, func(t *testing.T) {
				f, err := NewReader(name, bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if f.Format() != format {
					t.Errorf("Format() = %q, want %q", f.Format(), format)
				}
				got, err := readAll(t, f, len(b.packets))
				if err != nil {
					t.Fatal(err)
				}
				checkPackets(t, got, b.packets)
				var p Packet
				if err := f.Next(&p); err != io.EOF {
					t.Errorf("Next after the end: %v, want io.EOF", err)
				}
			})
		}
	}
}

// TestReadFormatsSpotCheck pins a few values against the spec directly,
// independently of the builders' bookkeeping.
func TestReadFormatsSpotCheck(t *testing.T) {
	// Big-endian nanosecond pcap: header a1b23c4d 0002 0004 ...; first
	// record ts 0x6553f100 = 1700000000 s, 0x075bcd15 = 123456789 ns.
	b := buildBEPcap(t, true)
	if !bytes.HasPrefix(b.data, unhex(t, "a1b23c4d 0002 0004 0000000000000000 0000ffff 00000001 6553f100 075bcd15 00000042 000005dc")) {
		t.Fatalf("builder wrote %x", b.data[:40])
	}
	f, err := NewReader("be.pcap", bytes.NewReader(b.data))
	if err != nil {
		t.Fatal(err)
	}
	var p Packet
	if err := f.Next(&p); err != nil {
		t.Fatal(err)
	}
	if got := p.Info.Timestamp.Format(time.RFC3339Nano); got != "2023-11-14T22:13:20.123456789Z" {
		t.Errorf("timestamp %s", got)
	}
	if p.Info.CaptureLength != 66 || p.Info.Length != 1500 || p.LinkType != layers.LinkTypeEthernet {
		t.Errorf("got %d/%d %v", p.Info.CaptureLength, p.Info.Length, p.LinkType)
	}

	// pcapng, big-endian section, interface 0 has if_tsresol 3: the EPB
	// timestamp 1700000000123 is in milliseconds.
	h := buildHandPcapng(t)
	f, err = NewReader("hand.pcapng", bytes.NewReader(h.data))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Next(&p); err != nil {
		t.Fatal(err)
	}
	if got := p.Info.Timestamp.Format(time.RFC3339Nano); got != "2023-11-14T22:13:20.123Z" {
		t.Errorf("timestamp %s", got)
	}
}

func TestOpenFile(t *testing.T) {
	b := buildPcapng(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "x.pcapng.gz")
	gz := gzipped(t, b.data)
	if err := os.WriteFile(path, gz, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if done, total := f.Progress(); total != int64(len(gz)) || done > total {
		t.Errorf("Progress() = %d, %d before reading; want total %d", done, total, len(gz))
	}
	got, err := readAll(t, f, len(b.packets))
	if err != nil {
		t.Fatal(err)
	}
	checkPackets(t, got, b.packets)
	if done, total := f.Progress(); done != total {
		t.Errorf("Progress() = %d, %d at the end", done, total)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	var p Packet
	if err := f.Next(&p); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Next after Close: %v, want os.ErrClosed", err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	httpPath := write("x.txt", []byte("HTTP/1.1 200 OK\r\n"))
	emptyPath := write("empty.pcap", nil)
	gzText := write("text.pcap.gz", gzipped(t, []byte("HTTP/1.1 200 OK\r\n")))
	gzEmpty := write("empty.pcap.gz", gzipped(t, nil))
	short := write("short.pcap", []byte("ab"))
	missing := filepath.Join(dir, "missing.pcap")

	tests := []struct {
		path    string
		want    string // the whole message
		notCapt bool
	}{
		{httpPath, "capture: " + httpPath + " is not a capture file (no pcap or pcapng magic: starts with 48 54 54 50)", true},
		{emptyPath, "capture: " + emptyPath + " is not a capture file (empty)", true},
		{gzText, "capture: " + gzText + " is not a capture file (gzip-compressed, no pcap or pcapng magic: starts with 48 54 54 50)", true},
		{gzEmpty, "capture: " + gzEmpty + " is not a capture file (gzip-compressed, empty after decompression)", true},
		{short, "capture: " + short + " is not a capture file (no pcap or pcapng magic: starts with 61 62)", true},
		{missing, "capture: open " + missing + ": no such file or directory", false},
		{dir, "capture: " + dir + " is a directory", false},
	}
	for _, tt := range tests {
		f, err := Open(tt.path)
		if err == nil {
			f.Close()
			t.Errorf("Open(%s) succeeded", tt.path)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Open error\n got %q\nwant %q", err, tt.want)
		}
		if errors.Is(err, ErrNotCapture) != tt.notCapt {
			t.Errorf("%s: errors.Is(ErrNotCapture) = %v", tt.path, !tt.notCapt)
		}
	}
}

// TestDamagedHeaders covers files whose magic is right but whose header
// is not.
func TestDamagedHeaders(t *testing.T) {
	tests := []struct {
		name, hex, want string
	}{
		// pcap magic (LE µs), version 3.4: pcapgo rejects the version.
		{"v3.pcap", "d4c3b2a1 0300 0400 00000000 00000000 ffff0000 01000000",
			"capture: v3.pcap: damaged file header at byte offset 0: Unknown major version 3"},
		// the first three bytes of the pcap magic only.
		{"3bytes.pcap", "d4c3b2", "capture: 3bytes.pcap: truncated file header at byte offset 0: unexpected EOF"},
		// pcap header cut after the version.
		{"cut.pcap", "d4c3b2a1 0200 0400", "capture: cut.pcap: truncated file header at byte offset 0: unexpected EOF"},
		// SHB with a byte-order magic that is neither order.
		{"bom.pcapng", "0a0d0d0a 1c000000 11223344 0100 0000 ffffffffffffffff 1c000000",
			"capture: bom.pcapng: damaged block at byte offset 0: pcapng: bad byte-order magic 11 22 33 44 in section header"},
		// gzip magic followed by a bad compression method (07, not 08).
		{"bad.gz", "1f8b 07 00 00000000 00 ff", "capture: bad.gz: damaged gzip header at byte offset 0: gzip: invalid header"},
	}
	for _, tt := range tests {
		_, err := NewReader(tt.name, bytes.NewReader(unhex(t, tt.hex)))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.name, err, tt.want)
		}
		var de *DamageError
		if !errors.As(err, &de) || de.Offset != 0 {
			t.Errorf("%s: %v is not a *DamageError at offset 0", tt.name, err)
		}
	}
}

func TestDamageErrorMessage(t *testing.T) {
	e := &DamageError{Path: "x.pcap.gz", What: "record", Offset: 1234, Gzip: true, Err: io.ErrUnexpectedEOF}
	if got, want := e.Error(), "capture: x.pcap.gz: truncated record at byte offset 1234 (uncompressed): unexpected EOF"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(e, io.ErrUnexpectedEOF) || !strings.Contains((&DamageError{Path: "y", What: "block", Err: errors.New("boom")}).Error(), "damaged block at byte offset 0: boom") {
		t.Error("unwrap or wording")
	}
}

// TestReadChunked feeds every test file through readers that return one
// byte, or half of what is asked, per Read: every header straddles reads.
func TestReadChunked(t *testing.T) {
	for _, b := range allBuilt(t) {
		for _, gz := range []bool{false, true} {
			data := b.data
			if gz {
				data = gzipped(t, data)
			}
			for _, wrap := range []struct {
				name string
				fn   func(io.Reader) io.Reader
			}{{"onebyte", iotest.OneByteReader}, {"half", iotest.HalfReader}, {"dataerr", iotest.DataErrReader}} {
				t.Run(fmt.Sprintf("%s/gzip=%v/%s", b.name, gz, wrap.name), func(t *testing.T) {
					f, err := NewReader(b.name, wrap.fn(bytes.NewReader(data)))
					if err != nil {
						t.Fatal(err)
					}
					got, err := readAll(t, f, len(b.packets))
					if err != nil {
						t.Fatal(err)
					}
					checkPackets(t, got, b.packets)
				})
			}
		}
	}
}

// TestLargeFiles reads files much larger than the read buffer, so that
// records and block headers straddle buffer refills.
func TestLargeFiles(t *testing.T) {
	pc, ng := synthetic(t)
	frame := unhex(t, frameEthModbus)
	for _, tt := range []struct {
		name string
		data []byte
	}{{"pcap", pc}, {"pcapng", ng}, {"pcap.gz", gzipped(t, pc)}, {"pcapng.gz", gzipped(t, ng)}} {
		f, err := NewReader(tt.name, bytes.NewReader(tt.data))
		if err != nil {
			t.Fatal(err)
		}
		var p Packet
		n := 0
		for ; f.Next(&p) == nil; n++ {
			want := t0.Add(time.Duration(n) * time.Millisecond)
			if !bytes.Equal(p.Data, frame) || !p.Info.Timestamp.Equal(want) {
				t.Fatalf("%s: packet %d: %x at %v", tt.name, n, p.Data, p.Info.Timestamp)
			}
		}
		if n != benchFrames {
			t.Errorf("%s: %d packets, want %d", tt.name, n, benchFrames)
		}
	}
}

// TestProgressConcurrent polls Progress while another goroutine reads
// (run with -race).
func TestProgressConcurrent(t *testing.T) {
	pc, _ := synthetic(t)
	path := filepath.Join(t.TempDir(), "big.pcap")
	if err := os.WriteFile(path, pc, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stop := make(chan struct{})
	polled := make(chan int64)
	go func() {
		var last int64
		for {
			select {
			case <-stop:
				polled <- last
				return
			default:
				done, total := f.Progress()
				if done < last || done > total {
					t.Errorf("Progress went from %d to %d of %d", last, done, total)
				}
				last = done
			}
		}
	}()
	if _, err := readAll(t, f, benchFrames); err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-polled
	if done, total := f.Progress(); done != int64(len(pc)) || total != int64(len(pc)) {
		t.Errorf("Progress() = %d, %d; want %d", done, total, len(pc))
	}
}
