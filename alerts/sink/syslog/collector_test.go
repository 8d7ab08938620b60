package syslog

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		c.addr = ln.Addr().String()
		ln.Close()
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
	deadline := time.Now().Add(5 * time.Second)
	for {
		m := c.messages()
		if len(m) >= n {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("collector: %d messages, want %d", len(m), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
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

// pki is a test CA with a server certificate for 127.0.0.1 and a client
// certificate, written as PEM files in a temporary directory.
type pki struct {
	caFile, certFile, keyFile string // CA, client certificate and key
	keyPEM                    []byte
	server                    tls.Certificate
	pool                      *x509.CertPool
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	dir := t.TempDir()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "otsensor test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	p := &pki{pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, []byte) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
		if usage == x509.ExtKeyUsageServerAuth {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
			tmpl.DNSNames = []string{"localhost"}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
			pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	}
	scert, skey := leaf(2, "collector", x509.ExtKeyUsageServerAuth)
	if p.server, err = tls.X509KeyPair(scert, skey); err != nil {
		t.Fatal(err)
	}
	ccert, ckey := leaf(3, "sensor", x509.ExtKeyUsageClientAuth)
	p.keyPEM = ckey
	p.caFile = writeFile(t, dir, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	p.certFile = writeFile(t, dir, "client.pem", ccert)
	p.keyFile = writeFile(t, dir, "client.key", ckey)
	return p
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// serverConfig is the collector's TLS configuration; with clientAuth it
// requires a client certificate from the CA.
func (p *pki) serverConfig(clientAuth bool) *tls.Config {
	c := &tls.Config{Certificates: []tls.Certificate{p.server}, MinVersion: tls.VersionTLS12}
	if clientAuth {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = p.pool
	}
	return c
}
