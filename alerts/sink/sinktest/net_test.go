package sinktest

import (
	"errors"
	"net"
	"os"
	"strconv"
	"testing"
	"time"
)

func TestFreePort(t *testing.T) {
	p := FreePort(t)
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		t.Fatalf("port %d: %v", p, err)
	}
	l.Close()
}

// TestSilentPeer: a connection is accepted and nothing comes back.
func TestSilentPeer(t *testing.T) {
	c, err := net.Dial("tcp", SilentPeer(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read %d bytes, %v; want a timeout", n, err)
	}
}
