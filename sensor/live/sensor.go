// Package live captures from network interfaces with AF_PACKET TPACKET_V3
// rings (github.com/gopacket/gopacket/afpacket) and runs every frame
// through the same pipeline as a replay: decode, flows and reassembly,
// dissectors, and one shared flow.Observer.
//
// Each interface gets Workers sockets joined in a hash fanout group of its
// own; the kernel's flow hash is symmetric, so both directions of a flow
// reach the same socket, and each socket feeds its own flow.Worker on its
// own goroutine. Calls into the Observer are serialised with Config.Lock.
// Time still comes from packets (the kernel's receive timestamps), except
// that a worker without packets moves its flow clock on from the wall
// clock, so that the flows of a quiet link end.
//
// With Config.Merge the interfaces share one fanout group instead, of
// sockets bound to no interface with a kernel filter that passes only the
// configured interfaces' frames: the two ports of a TAP, one direction
// each, then reach the same workers as one link would.
package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/otsensor/otsensor/sensor/flow"
)

// Sensor captures from its interfaces; New opens them, Run captures.
type Sensor struct {
	cfg     Config
	ifaces  []*ifaceState
	workers []*worker
	group   string         // with Merge: the interfaces joined by "+"
	promisc *promiscHolder // with Merge: the interfaces' promiscuous memberships
	mu      sync.Mutex     // guards started and closed
	started bool
	closed  bool
}

// ifaceState is one interface and the workers that read its frames.
type ifaceState struct {
	name    string
	workers []*worker // its own, or with Merge the group's
	slot    int       // its counters in the workers' slots
	sockets bool      // its Stats entry carries the workers' socket counters
	quiet   atomic.Bool
}

// lastNs is the newest packet's kernel time over the workers, Unix ns.
func (ifc *ifaceState) lastNs() int64 {
	var last int64
	for _, w := range ifc.workers {
		last = max(last, w.slots[ifc.slot].lastNs.Load())
	}
	return last
}

// New checks cfg and opens every socket; capture starts with Run. An
// error names the interface and, when privileges are missing, says so.
func New(cfg Config) (*Sensor, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var prog []bpf.RawInstruction
	if cfg.BPF != "" {
		if prog, err = ParseBPF(cfg.BPF); err != nil {
			return nil, fmt.Errorf("live: capture filter: %w", err)
		}
	}
	s := &Sensor{cfg: cfg}
	obs := &lockedObserver{mu: cfg.Lock, obs: cfg.Observer}
	if cfg.Merge {
		if err := s.openMerged(prog, obs); err != nil {
			s.Close()
			return nil, err
		}
		return s, nil
	}
	for _, name := range cfg.Interfaces {
		ifc, err := s.open(name, prog, obs)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.ifaces = append(s.ifaces, ifc)
	}
	return s, nil
}

// open opens one interface's sockets and workers.
func (s *Sensor) open(name string, prog []bpf.RawInstruction, obs flow.Observer) (*ifaceState, error) {
	iface, err := net.InterfaceByName(name)
	if err != nil {
		return nil, fmt.Errorf("live: %s: %w", name, err)
	}
	link, err := linkTypeOf(name)
	if err != nil {
		return nil, err
	}
	socks, err := openSockets(interfaceGroup(iface, &s.cfg), s.cfg.Workers, &s.cfg, prog)
	if err != nil {
		return nil, err
	}
	ifc := &ifaceState{name: name, sockets: true}
	for _, sock := range socks {
		ifc.workers = append(ifc.workers, s.newWorker(name, sock, link, nil, obs))
	}
	s.workers = append(s.workers, ifc.workers...)
	return ifc, nil
}

// newWorker makes the worker of one socket; ifindexes are a merged
// group's interfaces (nil: the socket is bound to one).
func (s *Sensor) newWorker(label string, sock *socket, link layers.LinkType, ifindexes []int, obs flow.Observer) *worker {
	return &worker{
		iface: label, sock: sock, link: link, cfg: &s.cfg, slots: newSlots(ifindexes),
		fw: flow.NewWorker(s.cfg.Flow, s.cfg.Dissectors(), obs),
	}
}

// Run captures until ctx ends, then stops every socket, handles the
// frames still in the rings, closes the sockets and the workers (which
// reports every open flow) and returns nil. It runs once.
func (s *Sensor) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return errors.New("live: Run called twice, or after Close")
	}
	s.started = true
	s.mu.Unlock()

	var stop atomic.Bool
	var wg sync.WaitGroup
	for _, w := range s.workers {
		wg.Go(func() { w.run(&stop) })
	}
	monitorDone := make(chan struct{})
	go func() {
		defer close(monitorDone)
		s.watchQuiet(ctx)
	}()
	<-ctx.Done()
	stop.Store(true)
	wg.Wait()
	s.promisc.close()
	<-monitorDone
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

// Close releases the sockets of a Sensor that never ran. After Run it
// does nothing: Run closes what it used.
func (s *Sensor) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.closed {
		return nil
	}
	s.closed = true
	for _, w := range s.workers {
		w.sock.close()
	}
	s.promisc.close()
	return nil
}
