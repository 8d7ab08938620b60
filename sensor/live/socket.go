package live

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gopacket/gopacket/afpacket"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// fanoutMode is the kernel's flow hash, which is symmetric (addresses and
// ports are sorted before hashing: both directions of a flow reach the
// same socket), with IPv4 defragmentation before hashing so that every
// fragment of a datagram reaches the socket its unfragmented packets do
// (the socket then receives the reassembled datagram).
const fanoutMode = afpacket.FanoutType(unix.PACKET_FANOUT_HASH | unix.PACKET_FANOUT_FLAG_DEFRAG)

// dropAll is a filter that accepts nothing: sockets wear it while they
// join the fanout group and when they stop.
var dropAll = []bpf.RawInstruction{{Op: unix.BPF_RET | unix.BPF_K, K: 0}}

// socket is one AF_PACKET TPACKET_V3 socket of an interface's fanout
// group.
type socket struct {
	tp *afpacket.TPacket

	mu     sync.Mutex // guards the fields below (and tp's closing) against Stats
	closed bool
	base   afpacket.SocketStatsV3 // kernel counters when capture started
	final  kernelCounts           // at close
}

// kernelCounts are a socket's kernel counters since capture started.
type kernelCounts struct {
	Packets, Drops, Freezes uint64 // Packets includes Drops
}

// fanoutID is the fanout group id of an interface for this process: a
// distinct group per interface (the kernel refuses to join a group bound
// to another device) and per process (ids only collide when pid*131 +
// ifindex does modulo 2^16).
func fanoutID(ifindex int) uint16 {
	return uint16(os.Getpid()*131 + ifindex)
}

// fanoutGroup is what the sockets of one fanout group capture.
type fanoutGroup struct {
	bind    string // the interface the sockets are bound to; "" for every interface
	label   string // what errors name: the interface, or the merged interfaces
	id      uint16
	promisc bool // each socket adds a promiscuous membership on bind
}

// interfaceGroup is the fanout group of one interface's own sockets.
func interfaceGroup(iface *net.Interface, cfg *Config) fanoutGroup {
	return fanoutGroup{bind: iface.Name, label: iface.Name, id: fanoutID(iface.Index), promisc: !cfg.NoPromisc}
}

// openSockets opens n sockets joined in the fanout group g, with the
// capture filter prog (nil for none). Frames that arrived before every
// socket joined the group are discarded, so that no flow is seen by two
// workers.
func openSockets(g fanoutGroup, n int, cfg *Config, prog []bpf.RawInstruction) ([]*socket, error) {
	socks := make([]*socket, 0, n)
	closeAll := func() {
		for _, s := range socks {
			s.tp.Close()
		}
	}
	for range n {
		tp, err := afpacket.NewTPacket(
			afpacket.OptInterface(g.bind),
			afpacket.OptTPacketVersion(afpacket.TPacketVersion3),
			afpacket.OptBlockSize(cfg.BlockBytes),
			afpacket.OptNumBlocks(cfg.RingBytes/cfg.BlockBytes),
			afpacket.OptBlockTimeout(cfg.BlockTimeout),
			afpacket.OptPollTimeout(pollTimeout(cfg)),
		)
		if err != nil {
			closeAll()
			return nil, socketError(g.label, "open an AF_PACKET socket", err)
		}
		socks = append(socks, &socket{tp: tp})
		if err := tp.SetBPF(dropAll); err != nil {
			closeAll()
			return nil, socketError(g.label, "attach a filter", err)
		}
		if g.promisc {
			if err := tp.SetPromiscuous(true); err != nil {
				closeAll()
				return nil, socketError(g.label, "enter promiscuous mode", err)
			}
		}
		if err := tp.SetFanout(fanoutMode, g.id); err != nil {
			closeAll()
			return nil, socketError(g.label, fmt.Sprintf("join fanout group %d", g.id), err)
		}
	}
	for _, s := range socks {
		s.discard(cfg.BlockTimeout)
	}
	for _, s := range socks {
		// The drop-all filter is still on: nothing is counted between the
		// base and the capture filter.
		_, base, err := s.tp.SocketStats()
		if err == nil {
			s.base = base
			err = s.tp.SetBPF(prog)
		}
		if err != nil {
			closeAll()
			return nil, socketError(g.label, "attach the capture filter", err)
		}
	}
	return socks, nil
}

// pollTimeout is how long a worker waits for a block before it looks at
// the clock and at its context.
func pollTimeout(cfg *Config) time.Duration { return cfg.BlockTimeout }

// socketError names the interface and says when privileges are missing.
func socketError(iface, what string, err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("live: %s: cannot %s: %w (capturing needs root or CAP_NET_RAW and CAP_NET_ADMIN)", iface, what, err)
	}
	return fmt.Errorf("live: %s: cannot %s: %w", iface, what, err)
}

// discard reads and drops what the ring holds, until no block came for
// longer than the kernel takes to hand over a partly filled one. The
// socket's filter must accept nothing by now.
func (s *socket) discard(blockTimeout time.Duration) {
	quietFor := 2*blockTimeout + 10*time.Millisecond
	deadline := time.Now().Add(5 * time.Second) // against a kernel that keeps handing blocks over
	last := time.Now()
	for time.Now().Before(deadline) {
		_, _, err := s.tp.ZeroCopyReadPacketData()
		if err == nil {
			last = time.Now()
			continue
		}
		if time.Since(last) > quietFor {
			return
		}
	}
}

// counts returns the kernel counters since capture started; after close,
// those at close.
func (s *socket) counts() kernelCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.final
	}
	return s.read()
}

// read fetches the kernel counters; s.mu is held.
func (s *socket) read() kernelCounts {
	_, st, err := s.tp.SocketStats()
	if err != nil {
		return s.final
	}
	s.final = kernelCounts{
		Packets: uint64(st.Packets() - s.base.Packets()),
		Drops:   uint64(st.Drops() - s.base.Drops()),
		Freezes: uint64(st.QueueFreezes() - s.base.QueueFreezes()),
	}
	return s.final
}

// close keeps the final counters and closes the socket.
func (s *socket) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.read()
	s.closed = true
	s.tp.Close()
}
