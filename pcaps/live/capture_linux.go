//go:build linux

package live

import (
	"bufio"
	"errors"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/bpf"
)

// snaplen is what the capture keeps of each frame: all of it (lo's MTU
// is 65536).
const snaplen = 262144

// loCapture records loopback frames in the background.
type loCapture struct {
	tp   *afpacket.TPacket
	done chan struct{}
	out  chan []packet
}

type packet struct {
	ci   gopacket.CaptureInfo
	data []byte
}

// portFilter returns a classic BPF program that accepts IPv4 TCP frames
// to or from any of ports (not fragments) and only the received copy: on
// lo every frame is seen twice, as sent (PACKET_OUTGOING) and as
// received, and libpcap keeps the received one.
func portFilter(ports ...uint16) ([]bpf.RawInstruction, error) {
	const (
		drop   = 0
		accept = snaplen
	)
	if len(ports) == 0 || len(ports) > 100 {
		return nil, errors.New("live: capture filter needs 1-100 ports")
	}
	n := len(ports)
	// Instruction indexes: 0-9 the checks, then one jump per port after
	// loading the source port (10...) and the destination port; drop at
	// dropAt, accept right after it.
	dropAt := 11 + 2*n
	acceptAt := dropAt + 1
	skip := func(from, to int) uint8 { return uint8(to - from - 1) }
	prog := []bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},                                        // 0
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 4, SkipTrue: skip(1, dropAt)},         // 1: outgoing: drop
		bpf.LoadAbsolute{Off: 12, Size: 2},                                         // 2: EtherType
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 0x0800, SkipTrue: skip(3, dropAt)}, // 3: not IPv4: drop
		bpf.LoadAbsolute{Off: 23, Size: 1},                                         // 4: IP protocol
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 6, SkipTrue: skip(5, dropAt)},      // 5: not TCP: drop
		bpf.LoadAbsolute{Off: 20, Size: 2},                                         // 6: flags, fragment offset
		bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipTrue: skip(7, dropAt)},  // 7: a later fragment: drop
		bpf.LoadMemShift{Off: 14},                                                  // 8: X = IP header length
		bpf.LoadIndirect{Off: 14, Size: 2},                                         // 9: source port
	}
	for _, p := range ports {
		prog = append(prog, bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(p), SkipTrue: skip(len(prog), acceptAt)})
	}
	prog = append(prog, bpf.LoadIndirect{Off: 16, Size: 2}) // destination port
	for _, p := range ports {
		prog = append(prog, bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(p), SkipTrue: skip(len(prog), acceptAt)})
	}
	prog = append(prog, bpf.RetConstant{Val: drop}, bpf.RetConstant{Val: accept})
	return bpf.Assemble(prog)
}

// startCapture captures lo, keeping the TCP traffic of ports.
func startCapture(ports ...uint16) (*loCapture, error) {
	tp, err := afpacket.NewTPacket(afpacket.OptInterface("lo"), afpacket.OptPollTimeout(50*time.Millisecond))
	if err != nil {
		return nil, err
	}
	prog, err := portFilter(ports...)
	if err == nil {
		err = tp.SetBPF(prog)
	}
	if err != nil {
		tp.Close()
		return nil, err
	}
	c := &loCapture{tp: tp, done: make(chan struct{}), out: make(chan []packet, 1)}
	go c.run()
	return c, nil
}

func (c *loCapture) run() {
	var pkts []packet
	for {
		data, ci, err := c.tp.ReadPacketData()
		if err == nil {
			pkts = append(pkts, packet{ci: ci, data: data})
			continue
		}
		select {
		case <-c.done:
			c.out <- pkts
			return
		default:
		}
	}
}

// stop ends the capture and returns what it kept. Frames already in the
// ring are read before it returns: run only stops on a read timeout.
func (c *loCapture) stop() []packet {
	close(c.done)
	pkts := <-c.out
	c.tp.Close()
	return pkts
}

// writePcap writes pkts as a microsecond pcap with Ethernet link type
// (what lo delivers).
func writePcap(path string, pkts []packet) error {
	if len(pkts) == 0 {
		return errors.New("the live capture saw no packets")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	w := pcapgo.NewWriter(bw)
	err = w.WriteFileHeader(snaplen, layers.LinkTypeEthernet)
	for _, p := range pkts {
		if err != nil {
			break
		}
		p.ci.InterfaceIndex = 0
		p.ci.AncillaryData = nil
		err = w.WritePacket(p.ci, p.data)
	}
	if err == nil {
		err = bw.Flush()
	}
	return errors.Join(err, f.Close())
}
