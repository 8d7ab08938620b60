package syslog

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// TestAlive: the check before a write sees a collector's close at once,
// and a healthy connection passes it.
func TestAlive(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	s, err := dialStream(context.Background(), "tcp", ln.Addr().String(), "127.0.0.1", sink.TLSConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	server := <-accepted
	if s.after < probeAfterMin || s.after > probeAfterMax {
		t.Errorf("watch after a write %v", s.after)
	}
	if err := s.alive(); err != nil {
		t.Fatalf("healthy connection: %v", err)
	}
	server.Write([]byte("ignored")) // a collector that talks: dropped
	time.Sleep(10 * time.Millisecond)
	if err := s.alive(); err != nil {
		t.Fatalf("after the collector wrote: %v", err)
	}
	server.Close()
	time.Sleep(10 * time.Millisecond)
	if err := s.alive(); !errors.Is(err, errClosed) {
		t.Fatalf("after the collector closed: %v, want errClosed", err)
	}
}
