package livetest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/sys/unix"
)

// capSocket opens an AF_PACKET socket receiving every frame of iface
// (in the test's namespace), with a 2-second read timeout.
func capSocket(t *testing.T, iface string) int {
	t.Helper()
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		t.Fatal(err)
	}
	var all [2]byte
	binary.BigEndian.PutUint16(all[:], unix.ETH_P_ALL)
	proto := int(binary.NativeEndian.Uint16(all[:])) // htons(ETH_P_ALL)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: uint16(proto), Ifindex: ifi.Index}); err != nil {
		t.Fatal(err)
	}
	tv := unix.NsecToTimeval((2 * time.Second).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestPairCarriesExactlyTheFrames: every frame sent into the peer comes
// out of the capture end unchanged and in order, and nothing else does
// (no IPv6 chatter, no ARP) within the following half second.
func TestPairCarriesExactlyTheFrames(t *testing.T) {
	frames := ReadFrames(t, RepoPcap(t, "modbus_plant.pcap.gz"))
	if len(frames) < 100 {
		t.Fatalf("%d frames in modbus_plant.pcap.gz, expected hundreds", len(frames))
	}
	v := NewVethPair(t)
	fd := capSocket(t, v.Capture)
	NewInjector(t, v).Send(t, frames)
	buf := make([]byte, 65536)
	for i, want := range frames {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			t.Fatalf("frame %d of %d: %v", i, len(frames), err)
		}
		if !bytes.Equal(buf[:n], want) {
			t.Fatalf("frame %d: got %x, sent %x", i, buf[:n], want)
		}
	}
	tv := unix.NsecToTimeval((500 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	if n, _, err := unix.Recvfrom(fd, buf, 0); err == nil {
		t.Errorf("a frame nobody sent: %x", buf[:n])
	}
}

// TestPairsAreSeparateAndCleanedUp: names fit IFNAMSIZ and differ, the
// peer ends are not in the test's namespace but are in PeerNS, frames
// sent into one pair stay on it, and everything is gone after the
// subtest's cleanups.
func TestPairsAreSeparateAndCleanedUp(t *testing.T) {
	var names []string
	t.Run("pairs", func(t *testing.T) {
		ps := NewVethPairs(t, 3)
		seen := map[string]bool{}
		for _, p := range ps {
			for _, n := range []string{p.Capture, p.Peer} {
				if len(n) > unix.IFNAMSIZ-1 || seen[n] {
					t.Errorf("name %q: longer than %d or used twice", n, unix.IFNAMSIZ-1)
				}
				seen[n] = true
			}
			names = append(names, p.Capture)
			if _, err := net.InterfaceByName(p.Peer); err == nil {
				t.Errorf("peer %s is in the test's namespace", p.Peer)
			}
			if p.PeerNS != ps[0].PeerNS {
				t.Errorf("peer namespaces %s and %s", p.PeerNS, ps[0].PeerNS)
			}
			p.InPeer(t, func() error {
				_, err := net.InterfaceByName(p.Peer)
				return err
			})
		}
		fd0, fd1 := capSocket(t, ps[0].Capture), capSocket(t, ps[1].Capture)
		// dst ff:ff:ff:ff:ff:ff, src 02:00:00:00:00:01, EtherType
		// 0x88b5 (local experimental), 46 bytes of zero payload.
		frame := append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x88, 0xb5}, make([]byte, 46)...)
		NewInjector(t, ps[1]).Send(t, [][]byte{frame})
		buf := make([]byte, 2048)
		if n, _, err := unix.Recvfrom(fd1, buf, 0); err != nil || !bytes.Equal(buf[:n], frame) {
			t.Errorf("pair 1 got %x, %v; want the frame", buf[:n], err)
		}
		tv := unix.NsecToTimeval((300 * time.Millisecond).Nanoseconds())
		unix.SetsockoptTimeval(fd0, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		if n, _, err := unix.Recvfrom(fd0, buf, 0); err == nil {
			t.Errorf("pair 0 got pair 1's frame: %x", buf[:n])
		}
	})
	for _, n := range names {
		if _, err := net.InterfaceByName(n); err == nil {
			t.Errorf("%s still exists after cleanup", n)
		}
	}
}

// fatalTB records the first Fatal instead of failing the test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper()                   {}
func (f *fatalTB) Fatal(a ...any)            { f.msg = fmt.Sprint(a...); runtime.Goexit() }
func (f *fatalTB) Fatalf(s string, a ...any) { f.msg = fmt.Sprintf(s, a...); runtime.Goexit() }

// fatalOf runs fn with a fatalTB and returns what it failed with.
func fatalOf(t *testing.T, fn func(testing.TB)) string {
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f.msg
}

// TestReadFrames reads a pcapng written here (two Ethernet frames) and
// refuses the repository's multi-interface pcapng, whose fourth packet
// is raw IP.
func TestReadFrames(t *testing.T) {
	// 14-byte Ethernet headers (EtherType 0x88b5) with 1 and 2 bytes of
	// payload.
	want := [][]byte{
		{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5, 0xaa},
		{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x88, 0xb5, 0xbb, 0xcc},
	}
	path := filepath.Join(t.TempDir(), "two.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapgo.NewNgWriter(f, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	for i, fr := range want {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000+int64(i), 0), CaptureLength: len(fr), Length: len(fr)}
		if err := w.WritePacket(ci, fr); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	got := ReadFrames(t, path)
	if len(got) != len(want) || !bytes.Equal(got[0], want[0]) || !bytes.Equal(got[1], want[1]) {
		t.Errorf("got %x, want %x", got, want)
	}
	msg := fatalOf(t, func(tb testing.TB) { ReadFrames(tb, RepoPcap(t, "modbus_multi_if.pcapng")) })
	if !strings.Contains(msg, "frame 3: link type Raw, want Ethernet") {
		t.Errorf("multi-interface pcapng: failed with %q", msg)
	}
	if msg := fatalOf(t, func(tb testing.TB) { RepoPcap(tb, "no_such.pcap") }); !strings.Contains(msg, "no_such.pcap is missing") {
		t.Errorf("missing capture: failed with %q", msg)
	}
}
