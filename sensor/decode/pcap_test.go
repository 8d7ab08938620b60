package decode

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// pcapDir is the shared capture corpus, read in place.
var pcapDir = filepath.Join("..", "..", "..", "shared", "pcaps")

// captured is one frame read from a capture.
type captured struct {
	data []byte
	ci   gopacket.CaptureInfo
	lt   layers.LinkType
}

// requirePcapDir fails when the shared captures are missing.
func requirePcapDir(tb testing.TB) {
	tb.Helper()
	if _, err := os.Stat(pcapDir); err != nil {
		tb.Fatalf("shared captures missing (%v): tests need ../shared/pcaps next to the repository", err)
	}
}

// captureFiles lists every pcap and pcapng of the corpus (not the peer
// outputs of other projects).
func captureFiles(tb testing.TB) []string {
	tb.Helper()
	requirePcapDir(tb)
	var out []string
	err := filepath.WalkDir(pcapDir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasSuffix(path, ".peer") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".pcap") || strings.HasSuffix(path, ".pcapng")) {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatalf("no capture under %s", pcapDir)
	}
	return out
}

// packetReader is what pcapgo's two readers have in common.
type packetReader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// readCapture returns up to max frames of a pcap or pcapng file (all when
// max <= 0), each in its own buffer. For pcapng the interface's link type
// is the first one's (the corpus has single-interface files).
func readCapture(tb testing.TB, path string, max int) []captured {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReader(f)
	magic, err := br.Peek(4)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	var r packetReader
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err = pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
	} else {
		r, err = pcapgo.NewReader(br)
	}
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	var out []captured
	for max <= 0 || len(out) < max {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("%s frame %d: %v", path, len(out)+1, err)
		}
		out = append(out, captured{append([]byte(nil), data...), ci, r.LinkType()})
	}
	return out
}
