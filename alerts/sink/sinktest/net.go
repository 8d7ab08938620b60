package sinktest

import (
	"net"
	"testing"
)

// FreePort picks a loopback TCP port nobody listens on (listen on port 0,
// close, hand the port out). Another listener may take it meanwhile;
// callers that start a server on it retry briefly.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// SilentPeer listens on a loopback TCP port, accepts connections and
// neither reads nor answers, so that a client's writes fill the socket
// buffers and its reads wait. It returns the address; the listener and
// the connections close when the test ends.
func SilentPeer(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	return l.Addr().String()
}
