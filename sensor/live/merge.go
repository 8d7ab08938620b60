package live

import (
	"fmt"
	"net"
	"strings"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/otsensor/otsensor/sensor/flow"
)

// maxMergedInterfaces keeps every jump of the merge filter's interface
// check within a classic BPF jump offset (255).
const maxMergedInterfaces = 64

// acceptFrame is a classic BPF return keeping the whole frame.
const acceptFrame = 0xffffffff

// openMerged opens the one fanout group of Config.Merge: Workers sockets
// bound to no interface (they see every interface of the network
// namespace), whose filter passes only the configured interfaces'
// frames, and one worker per socket.
func (s *Sensor) openMerged(user []bpf.RawInstruction, obs flow.Observer) error {
	names := s.cfg.Interfaces
	ifindexes := make([]int, len(names))
	var link layers.LinkType
	for i, name := range names {
		iface, err := net.InterfaceByName(name)
		if err != nil {
			return fmt.Errorf("live: %s: %w", name, err)
		}
		ifindexes[i] = iface.Index
		l, err := linkTypeOf(name)
		if err != nil {
			return err
		}
		if i == 0 {
			link = l
		} else if l != link {
			return fmt.Errorf("live: cannot merge %s (%v frames) with %s (%v frames): merged interfaces must have the same link type", names[0], link, name, l)
		}
	}
	prog, err := mergeFilter(ifindexes, user)
	if err != nil {
		return fmt.Errorf("live: capture filter: %w", err)
	}
	s.group = strings.Join(names, "+")
	if !s.cfg.NoPromisc {
		if s.promisc, err = addPromisc(names, ifindexes); err != nil {
			return err
		}
	}
	// Every socket of the process is in this group: the id of
	// "interface 0" is free.
	g := fanoutGroup{label: s.group, id: fanoutID(0)}
	socks, err := openSockets(g, s.cfg.Workers, &s.cfg, prog)
	if err != nil {
		return err
	}
	for _, sock := range socks {
		s.workers = append(s.workers, s.newWorker(s.group, sock, link, ifindexes, obs))
	}
	for i, name := range names {
		s.ifaces = append(s.ifaces, &ifaceState{name: name, workers: s.workers, slot: i, sockets: i == 0})
	}
	return nil
}

// mergeFilter is the classic BPF program of a merged group's sockets:
// an interface check, then the user's program unchanged (nil: accept
// every frame whole).
//
//	ld  ifidx                 ; SKF_AD_IFINDEX: the receiving interface
//	jeq #ifindexes[0], user   ; one test per configured interface
//	...
//	jeq #ifindexes[n-1], user
//	ret #0                    ; another interface: drop
//	user: ld #0               ; A = 0, as when a program starts (X is untouched, 0)
//	<the user's program>
//
// The user's jumps are relative, so they land where they did; its
// registers start as they would alone; it returns the verdict and snap
// length. A frame is thus captured when it came in (or went out) on a
// configured interface and the user's program accepts it.
func mergeFilter(ifindexes []int, user []bpf.RawInstruction) ([]bpf.RawInstruction, error) {
	n := len(ifindexes)
	if n == 0 || n > maxMergedInterfaces {
		return nil, fmt.Errorf("%d interfaces to merge, want 1 to %d", n, maxMergedInterfaces)
	}
	prog := []bpf.Instruction{bpf.LoadExtension{Num: bpf.ExtInterfaceIndex}}
	for i, idx := range ifindexes {
		// From test i, "user" is n-i instructions past the next one:
		// the tests left, then ret #0.
		prog = append(prog, bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(idx), SkipTrue: uint8(n - i)})
	}
	prog = append(prog, bpf.RetConstant{Val: 0}, bpf.LoadConstant{Dst: bpf.RegA, Val: 0})
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, err
	}
	if user == nil {
		user = []bpf.RawInstruction{{Op: unix.BPF_RET | unix.BPF_K, K: acceptFrame}}
	}
	if len(raw)+len(user) > maxBPFInstructions {
		return nil, fmt.Errorf("%d instructions with the interface check, more than the kernel's %d", len(raw)+len(user), maxBPFInstructions)
	}
	return append(raw, user...), nil
}

// promiscHolder is an AF_PACKET socket that receives nothing (protocol
// 0) and holds the promiscuous memberships of a merged group's
// interfaces: the capture sockets are bound to no interface, and a
// membership needs one. The kernel drops them when the socket closes.
type promiscHolder struct{ fd int }

// addPromisc puts the interfaces in promiscuous mode for as long as the
// holder is open.
func addPromisc(names []string, ifindexes []int) (*promiscHolder, error) {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, socketError(strings.Join(names, "+"), "open an AF_PACKET socket", err)
	}
	for i, idx := range ifindexes {
		mreq := unix.PacketMreq{Ifindex: int32(idx), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			unix.Close(fd)
			return nil, socketError(names[i], "enter promiscuous mode", err)
		}
	}
	return &promiscHolder{fd: fd}, nil
}

// close drops the memberships; nil or closed: nothing.
func (p *promiscHolder) close() {
	if p == nil || p.fd < 0 {
		return
	}
	unix.Close(p.fd)
	p.fd = -1
}
