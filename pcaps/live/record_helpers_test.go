package live

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// recordForTest checks that recorder (RecordMQTT, RecordTLS) can run
// here — Linux, root, and what tools reports as missing — and fails (it
// does not skip) when it cannot: CI installs the tools (.ci/run). It then
// runs record into a temporary file name and returns the file and the
// packet count.
func recordForTest(t *testing.T, recorder string, tools func() error, record func(ctx context.Context, path string) (int, error)) (path string, packets int) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Fatal(recorder + " needs Linux (AF_PACKET)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("Test" + recorder + " needs root (AF_PACKET capture on lo): run the tests as root")
	}
	if err := tools(); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), recorder+".pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	n, err := record(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d packets in %v", n, time.Since(start).Round(time.Millisecond))
	return path, n
}

// logOnFailure logs v when the test has failed; defer it.
func logOnFailure(t *testing.T, v any) {
	if t.Failed() {
		t.Logf("summary: %s", fmt.Sprintf("%+v", v))
	}
}

// firstSYNPort returns the destination port of the capture's first SYN.
func firstSYNPort(t *testing.T, path string) uint16 {
	t.Helper()
	p, err := synPort(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// synPort returns the destination port of the first SYN in the pcap at
// path.
func synPort(path string) (uint16, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return 0, err
	}
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			return 0, fmt.Errorf("no SYN: %w", err)
		}
		p := gopacket.NewPacket(data, r.LinkType(), gopacket.NoCopy)
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && tcp.SYN && !tcp.ACK {
			return uint16(tcp.DstPort), nil
		}
	}
}
