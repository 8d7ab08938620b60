package livetest

import (
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Injector writes raw frames into a pair's peer end, so that they come
// out of its capture end.
type Injector struct {
	fd   int
	pair *VethPair
}

// NewInjector opens an AF_PACKET socket on v's peer end; t.Cleanup
// closes it.
func NewInjector(t testing.TB, v *VethPair) *Injector {
	t.Helper()
	in := &Injector{fd: -1, pair: v}
	err := inNS(v.ns, func() error {
		ifi, err := net.InterfaceByName(v.Peer)
		if err != nil {
			return err
		}
		// Protocol 0: the socket sends only, it receives nothing.
		if in.fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0); err != nil {
			in.fd = -1
			return err
		}
		return unix.Bind(in.fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index})
	})
	if in.fd >= 0 {
		// Registered after the pair's cleanups, so it runs before them:
		// the socket holds a reference to the peer's namespace.
		t.Cleanup(func() { unix.Close(in.fd) })
	}
	if err != nil {
		t.Fatalf("injector on %s: %v", v.Peer, err)
	}
	return in
}

// Send writes every frame, in order, failing the test on the first that
// the kernel refuses. It returns once the kernel took them all: the veth
// has handed each one to its capture end's receive queue, from where it
// reaches capture sockets asynchronously (within milliseconds; tests wait
// for their capture counters, not for Send).
//
// A frame the capture end's backlog has no room for (ENOBUFS: Send
// writes faster than the kernel delivers) is written again after a short
// pause, so every frame is delivered exactly once; Send gives up on a
// frame after 5 seconds of refusals.
func (in *Injector) Send(t testing.TB, frames [][]byte) {
	t.Helper()
	for i, f := range frames {
		if err := in.write(f); err != nil {
			t.Fatalf("%s: frame %d (%d bytes): %v", in.pair.Peer, i, len(f), err)
		}
	}
}

func (in *Injector) write(f []byte) error {
	var deadline time.Time
	for {
		_, err := unix.Write(in.fd, f)
		if !errors.Is(err, unix.ENOBUFS) {
			return err
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(5 * time.Second)
		} else if time.Now().After(deadline) {
			return fmt.Errorf("refused for 5s: %w", err)
		}
		time.Sleep(time.Millisecond)
	}
}
