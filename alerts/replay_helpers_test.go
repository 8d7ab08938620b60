package alerts_test

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/sensor"
	"github.com/otsensor/otsensor/sensor/flow"
)

// pcap is a capture of the repository's pcaps/ directory.
func pcap(name string) string { return filepath.Join("..", "pcaps", name) }

// replayInto runs files through the real pipeline into e.
func replayInto(t testing.TB, e *alerts.Engine, files ...string) {
	t.Helper()
	sum, err := sensor.Replay(context.Background(), files, sensor.ReplayConfig{
		Flow:       flow.DefaultConfig(),
		Dissectors: all.Dissectors(all.Options{}),
		Observer:   flow.Tee{e},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, fe := range sum.FileErrors {
		t.Errorf("%s: %v", fe.File, fe.Err)
	}
}

// readPackets decodes each packet of the capture file (pcap, gzip or
// not) with gopacket alone, independently of the sensor, and calls fn
// with it.
func readPackets(t *testing.T, file string, fn func(gopacket.Packet)) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for {
		data, _, err := r.ReadPacketData()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		fn(gopacket.NewPacket(data, r.LinkType(), gopacket.Default))
	}
}

// sharedDir is the corpus of real captures made by other projects.
var sharedDir = filepath.Join("..", "..", "shared", "pcaps")

// walkCaptures appends the pcap and pcapng files under dir.
func walkCaptures(dir string, files *[]string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch {
		case strings.HasSuffix(p, ".pcap"), strings.HasSuffix(p, ".pcapng"), strings.HasSuffix(p, ".cap"):
			*files = append(*files, p)
		}
		return nil
	})
}
