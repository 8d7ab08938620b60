package livetest

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/otsensor/otsensor/sensor/capture"
)

// ReadFrames returns copies of every frame of a capture file (pcap or
// pcapng, optionally gzip-compressed). The test fails if a frame is not
// Ethernet: only Ethernet frames can be written into a veth.
func ReadFrames(t testing.TB, path string) [][]byte {
	t.Helper()
	f, err := capture.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out [][]byte
	var p capture.Packet
	for {
		if err := f.Next(&p); err == io.EOF {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		if p.LinkType != layers.LinkTypeEthernet {
			t.Fatalf("%s: frame %d: link type %v, want Ethernet", path, len(out), p.LinkType)
		}
		out = append(out, bytes.Clone(p.Data))
	}
}

// RepoPcap returns the path of one of the repository's own captures
// (pcaps/name at the module root, found from the test's directory); the
// test fails if it is missing.
func RepoPcap(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod above the test's directory: cannot find pcaps/%s", name)
		}
		dir = parent
	}
	p := filepath.Join(dir, "pcaps", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("capture %s is missing: %v", name, err)
	}
	return p
}
