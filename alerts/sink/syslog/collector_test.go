package syslog

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// collector is a syslog receiver on loopback: UDP (one message per
// datagram), TCP or TLS (octet-counted frames, checked strictly). It can
// be stopped and started again on the same address.
type collector struct {
	network string // "udp", "tcp", "tls"
	addr    string
	tlsCfg  *tls.Config

	mu      sync.Mutex
	msgs    []string
	errs    []error
	ln      net.Listener
	pc      net.PacketConn
	conns   map[net.Conn]bool
	running bool
	wg      sync.WaitGroup
}

// newCollector starts a collector on a free loopback port; it is stopped
// when the test ends, and any framing error it saw fails the test.
func newCollector(t testing.TB, network string, tlsCfg *tls.Config) *collector {
	t.Helper()
	c := &collector{network: network, tlsCfg: tlsCfg, conns: map[net.Conn]bool{}}
	if network == "udp" {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c.addr = pc.LocalAddr().String()
		pc.Close()
	} else {
		c.addr = fmt.Sprintf("127.0.0.1:%d", sinktest.FreePort(t))
	}
	c.start(t)
	t.Cleanup(func() {
		c.stop(t)
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, err := range c.errs {
			t.Errorf("collector %s: %v", c.network, err)
		}
	})
	return c
}

// url is the sink URL for this collector.
func (c *collector) url() string { return "syslog+" + c.network + "://" + c.addr }

func (c *collector) start(t testing.TB) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return
	}
	var err error
	for try := 0; try < 50; try++ { // the port may linger briefly
		if c.network == "udp" {
			c.pc, err = net.ListenPacket("udp", c.addr)
		} else {
			c.ln, err = net.Listen("tcp", c.addr)
		}
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("collector start on %s: %v", c.addr, err)
	}
	c.running = true
	c.wg.Add(1)
	if c.network == "udp" {
		go c.readDatagrams(c.pc)
	} else {
		go c.accept(c.ln)
	}
}

// stop closes the listener and every connection, as a collector that
// goes down would.
func (c *collector) stop(t testing.TB) {
	c.mu.Lock()
	if !c.running {
		c.mu.Unlock()
		return
	}
	c.running = false
	if c.pc != nil {
		c.pc.Close()
	}
	if c.ln != nil {
		c.ln.Close()
	}
	for conn := range c.conns {
		conn.Close()
	}
	c.mu.Unlock()
	c.wg.Wait()
}

func (c *collector) add(m string) {
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
}

func (c *collector) fail(err error) {
	c.mu.Lock()
	if c.running { // errors of a connection we closed in stop don't count
		c.errs = append(c.errs, err)
	}
	c.mu.Unlock()
}

// messages returns the SYSLOG-MSGs received so far.
func (c *collector) messages() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.msgs...)
}

// wait waits until n messages arrived.
func (c *collector) wait(t testing.TB, n int) []string {
	t.Helper()
	return sinktest.WaitN(t, 5*time.Second, "collector messages", n, c.messages)
}

func (c *collector) readDatagrams(pc net.PacketConn) {
	defer c.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		c.add(string(buf[:n]))
	}
}

func (c *collector) accept(ln net.Listener) {
	defer c.wg.Done()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		if c.tlsCfg != nil {
			conn = tls.Server(conn, c.tlsCfg)
		}
		c.mu.Lock()
		if !c.running {
			c.mu.Unlock()
			conn.Close()
			return
		}
		c.conns[conn] = true
		c.wg.Add(1)
		c.mu.Unlock()
		go c.readFrames(conn)
	}
}

// readFrames reads RFC 6587 octet-counted frames: MSG-LEN SP SYSLOG-MSG,
// MSG-LEN a decimal without leading zero.
func (c *collector) readFrames(conn net.Conn) {
	defer c.wg.Done()
	defer func() {
		c.mu.Lock()
		delete(c.conns, conn)
		c.mu.Unlock()
		conn.Close()
	}()
	r := bufio.NewReader(conn)
	for {
		n := 0
		digits := 0
		for {
			b, err := r.ReadByte()
			if err != nil {
				if digits > 0 || !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
					if tlsRefusal(err) {
						return
					}
					c.fail(fmt.Errorf("frame length: %w", err))
				}
				return
			}
			if b == ' ' && digits > 0 {
				break
			}
			if b < '0' || b > '9' || (digits == 0 && b == '0') || digits == 9 {
				c.fail(fmt.Errorf("frame length: byte %q after %d digits", b, digits))
				return
			}
			n = n*10 + int(b-'0')
			digits++
		}
		msg := make([]byte, n)
		if _, err := io.ReadFull(r, msg); err != nil {
			c.fail(fmt.Errorf("frame of %d bytes: %w", n, err))
			return
		}
		c.add(string(msg))
	}
}

// tlsRefusal tells whether err is the server's handshake refusing the
// client, which a test provoked on purpose.
func tlsRefusal(err error) bool {
	var rec tls.RecordHeaderError
	var verr *tls.CertificateVerificationError
	var alert tls.AlertError
	return errors.As(err, &rec) || errors.As(err, &verr) || errors.As(err, &alert) ||
		err != nil && (strings.Contains(err.Error(), "tls: ") || strings.Contains(err.Error(), "connection reset"))
}

// collectorFor starts a collector for network and points cfg at it; a
// "tls" collector serves a certificate from ca, which cfg trusts.
func collectorFor(t testing.TB, network string, ca *sinktest.CA, cfg *sink.Config) *collector {
	t.Helper()
	var tlsCfg *tls.Config
	if network == "tls" {
		tlsCfg = ca.ServerConfig(false)
		cfg.TLS.CAFile = ca.File
	}
	c := newCollector(t, network, tlsCfg)
	cfg.URL = c.url()
	return c
}
