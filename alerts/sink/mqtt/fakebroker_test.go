package mqtt

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// mute is a broker that accepts the MQTT connection (CONNACK 0) and then
// either ignores every packet (never a PUBACK) or, with hangUp, closes the
// connection at the first PUBLISH.
type mute struct {
	l       net.Listener
	hangUp  bool
	accepts atomic.Int32
}

func startMute(t *testing.T, hangUp bool) *mute {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &mute{l: l, hangUp: hangUp}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			m.accepts.Add(1)
			go m.serve(c)
		}
	}()
	return m
}

// serve reads packets: fixed header byte, remaining length (MQTT 3.1.1
// section 2.2.3, up to four 7-bit groups), body.
func (m *mute) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		h, err := r.ReadByte()
		if err != nil {
			return
		}
		n, mult := 0, 1
		for i := 0; ; i++ {
			b, err := r.ReadByte()
			if err != nil || i == 4 {
				return
			}
			n += int(b&127) * mult
			mult *= 128
			if b < 128 {
				break
			}
		}
		if _, err := io.CopyN(io.Discard, r, int64(n)); err != nil {
			return
		}
		switch h >> 4 {
		case 1: // CONNECT: CONNACK, session present 0, return code 0
			c.Write([]byte{0x20, 0x02, 0x00, 0x00})
		case 3: // PUBLISH
			if m.hangUp {
				return
			}
		}
	}
}

func TestNoPubackIsNoSuccess(t *testing.T) {
	t.Parallel()
	for _, hangUp := range []bool{false, true} {
		m := startMute(t, hangUp)
		s := newTestSink(t, sink.Config{URL: "mqtt://" + m.l.Addr().String() + "/t", Timeout: sink.Duration(400 * time.Millisecond)}, nil)
		for i := range 2 {
			start := time.Now()
			err := s.Send(t.Context(), batch("x", 3, sink.TypeAlert))
			if err == nil || sink.IsPermanent(err) {
				t.Fatalf("hang up %v, Send %d = %v, want a retryable error", hangUp, i, err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("hang up %v: Send %d took %v with a 400ms timeout", hangUp, i, d)
			}
			if !hangUp && (!errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "PUBACK")) {
				t.Errorf("Send %d = %v, want a PUBACK timeout", i, err)
			}
			t.Logf("hang up %v: %v", hangUp, err)
		}
		// Each Send after an error opened a new connection.
		if n := m.accepts.Load(); n != 2 || s.connects != 2 {
			t.Errorf("hang up %v: %d connections accepted, %d made, want 2", hangUp, n, s.connects)
		}
	}
}
