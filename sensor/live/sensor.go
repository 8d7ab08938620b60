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
package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"

	"golang.org/x/net/bpf"

	"github.com/otsensor/otsensor/sensor/flow"
)

// Sensor captures from its interfaces; New opens them, Run captures.
type Sensor struct {
	cfg             Config
	ifaces          []*ifaceState
	mu              sync.Mutex // guards started and closed
	started, closed bool
}

// ifaceState is one interface and its workers.
type ifaceState struct {
	name    string
	workers []*worker
	quiet   atomic.Bool
}

// lastNs is the newest packet's kernel time over the workers, Unix ns.
func (ifc *ifaceState) lastNs() int64 {
	var last int64
	for _, w := range ifc.workers {
		last = max(last, w.lastNs.Load())
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
	socks, err := openSockets(iface, s.cfg.Workers, &s.cfg, prog)
	if err != nil {
		return nil, err
	}
	ifc := &ifaceState{name: name}
	for _, sock := range socks {
		ifc.workers = append(ifc.workers, &worker{
			iface: name, sock: sock, link: link, cfg: &s.cfg,
			fw: flow.NewWorker(s.cfg.Flow, s.cfg.Dissectors(), obs),
		})
	}
	return ifc, nil
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
	for _, ifc := range s.ifaces {
		for _, w := range ifc.workers {
			wg.Go(func() { w.run(&stop) })
		}
	}
	monitorDone := make(chan struct{})
	go func() {
		defer close(monitorDone)
		s.watchQuiet(ctx)
	}()
	<-ctx.Done()
	stop.Store(true)
	wg.Wait()
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
	for _, ifc := range s.ifaces {
		for _, w := range ifc.workers {
			w.sock.close()
		}
	}
	return nil
}
