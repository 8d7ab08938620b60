package tls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	ctls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

// rlCert makes a self-signed ECDSA P-256 certificate for cn.
func rlCert(t testing.TB, cn string, dns ...string) ctls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x1234),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"otsensor test"}},
		NotBefore:    time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames:     dns,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return ctls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// rlRecorder logs every Write of both ends of a connection, in order.
type rlRecorder struct {
	mu     sync.Mutex
	chunks []rlChunk
}

type rlConn struct {
	net.Conn
	rec *rlRecorder
	dir dissectors.Direction
}

func (c *rlConn) Write(b []byte) (int, error) {
	c.rec.mu.Lock()
	c.rec.chunks = append(c.rec.chunks, rlChunk{dir: c.dir, data: append([]byte(nil), b...)})
	c.rec.mu.Unlock()
	return c.Conn.Write(b)
}

// rlGoTLS runs a real crypto/tls handshake between cc and sc over a
// loopback TCP connection (net.Pipe has no buffer: both ends writing at
// once, as TLS 1.3 session tickets and the first data do, deadlock), then the client sends "ping" and the server answers "pong",
// and returns the bytes each side wrote, in order.
func rlGoTLS(t testing.TB, cc, sc *ctls.Config) []rlChunk {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	rec := &rlRecorder{}
	client := ctls.Client(&rlConn{Conn: a, rec: rec, dir: dissectors.ToServer}, cc)
	server := ctls.Server(&rlConn{Conn: b, rec: rec, dir: dissectors.ToClient}, sc)
	errc := make(chan error, 1)
	go func() {
		defer server.Close()
		buf := make([]byte, 4)
		if _, err := io.ReadFull(server, buf); err != nil {
			errc <- err
			return
		}
		_, err := server.Write([]byte("pong"))
		errc <- err
	}()
	if _, err := client.Write([]byte("ping")); err != nil {
		t.Fatalf("client: %v", err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(client, buf); err != nil {
		t.Fatalf("client read: %v", err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("server: %v", err)
	}
	client.Close()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.chunks)
}

// TestGoTLS checks the parser on real handshakes made by crypto/tls: TLS
// 1.2 with a client certificate, TLS 1.3, and TLS 1.3 with a
// HelloRetryRequest, each with SNI and ALPN, parsed whole and one byte at
// a time.
func TestGoTLS(t *testing.T) {
	srvCert := rlCert(t, "plc.example", "plc.example")
	cliCert := rlCert(t, "hmi-7")
	pool := x509.NewCertPool()
	leaf, _ := x509.ParseCertificate(srvCert.Certificate[0])
	pool.AddCert(leaf)
	cliLeaf, _ := x509.ParseCertificate(cliCert.Certificate[0])
	cliPool := x509.NewCertPool()
	cliPool.AddCert(cliLeaf)
	base := func() (*ctls.Config, *ctls.Config) {
		cc := &ctls.Config{ServerName: "plc.example", RootCAs: pool, NextProtos: []string{"mqtt", "x-opcua"}}
		sc := &ctls.Config{Certificates: []ctls.Certificate{srvCert}, NextProtos: []string{"mqtt"}}
		return cc, sc
	}
	cases := []struct {
		name  string
		setup func(cc, sc *ctls.Config)
		want  string // summary of the one handshake record
		msgs  []string
	}{
		{
			name: "TLS 1.2 with a client certificate",
			setup: func(cc, sc *ctls.Config) {
				cc.MaxVersion = ctls.VersionTLS12
				cc.Certificates = []ctls.Certificate{cliCert}
				sc.ClientAuth, sc.ClientCAs = ctls.RequireAndVerifyClientCert, cliPool
			},
			// emitted at the client's ClientKeyExchange: after its Certificate
			want: "c hs ch sh sni=plc.example v=0303 alpn=mqtt certs=1/1",
			msgs: []string{"c1", "s2", "s11", "s12", "s13", "s14", "c11", "c16", "c15"},
		},
		{
			name: "TLS 1.2 without client certificate",
			setup: func(cc, sc *ctls.Config) {
				cc.MaxVersion = ctls.VersionTLS12
			},
			want: "s hs ch sh sni=plc.example v=0303 alpn=mqtt certs=1/0",
			msgs: []string{"c1", "s2", "s11", "s12", "s14", "c16"},
		},
		{
			name:  "TLS 1.3",
			setup: func(cc, sc *ctls.Config) {},
			// ALPN selected and certificates are in encrypted messages
			want: "s hs ch sh sni=plc.example v=0304 certs=0/0",
			msgs: []string{"c1", "s2"},
		},
		{
			name: "TLS 1.3 with a HelloRetryRequest",
			setup: func(cc, sc *ctls.Config) {
				cc.CurvePreferences = []ctls.CurveID{ctls.X25519, ctls.CurveP256}
				sc.CurvePreferences = []ctls.CurveID{ctls.CurveP256}
			},
			want: "s hs ch sh hrr sni=plc.example v=0304 certs=0/0",
			msgs: []string{"c1", "s2", "c1", "s2"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cc, sc := base()
			tc.setup(cc, sc)
			chunks := rlGoTLS(t, cc, sc)
			f := newRLFeeder(t, Options{}, true)
			msgs := rlMsgLog(f.p)
			for _, ch := range chunks {
				f.feed(ch)
			}
			got := f.close()
			if want := []string{tc.want}; !slices.Equal(got, want) {
				t.Errorf("events:\ngot  %q\nwant %q", got, want)
			}
			if !slices.Equal(*msgs, tc.msgs) {
				t.Errorf("messages %v, want %v", *msgs, tc.msgs)
			}
			if f.p.dir[0].appBytes == 0 || f.p.dir[1].appBytes == 0 {
				t.Errorf("application data octets %d/%d", f.p.dir[0].appBytes, f.p.dir[1].appBytes)
			}
			var bytewise []rlChunk
			for _, ch := range chunks {
				for j := range ch.data {
					bytewise = append(bytewise, rlChunk{dir: ch.dir, data: ch.data[j : j+1]})
				}
			}
			if again := rlRun(t, Options{}, true, bytewise); !slices.Equal(again, got) {
				t.Errorf("byte at a time:\ngot  %q\nwant %q", again, got)
			}
		})
	}
}
