package sinktest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// CA is a certificate authority made for one test. It issues server
// certificates for 127.0.0.1, ::1 and localhost, and client certificates.
// Its methods fail the test that made it, so call them from that test's
// goroutine.
type CA struct {
	// File is the CA certificate (PEM), ca.pem in a directory of its
	// own; issued certificates are written beside it.
	File string

	t    testing.TB
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

// NewCA makes a CA named "otsensor test CA <name>" and writes its
// certificate to ca.pem under t.TempDir().
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "otsensor test CA " + name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	ca := &CA{t: t, dir: t.TempDir(), cert: cert, key: key, pool: x509.NewCertPool()}
	ca.pool.AddCert(cert)
	ca.File = ca.writePEM("ca.pem", "CERTIFICATE", der)
	return ca
}

// Server issues a server certificate for 127.0.0.1, ::1 and localhost and
// writes it and its key as <name>.pem and <name>-key.pem beside File.
func (ca *CA) Server(name string) (certFile, keyFile string) {
	ca.t.Helper()
	return ca.write(name, ca.issue(name, x509.ExtKeyUsageServerAuth))
}

// Client issues a client certificate whose common name is name and writes
// it and its key as <name>.pem and <name>-key.pem beside File.
func (ca *CA) Client(name string) (certFile, keyFile string) {
	ca.t.Helper()
	return ca.write(name, ca.issue(name, x509.ExtKeyUsageClientAuth))
}

// ServerConfig is a TLS 1.2+ server configuration with a new server
// certificate from ca; with clientAuth it requires a client certificate
// issued by ca.
func (ca *CA) ServerConfig(clientAuth bool) *tls.Config {
	ca.t.Helper()
	c := &tls.Config{Certificates: []tls.Certificate{ca.issue("server", x509.ExtKeyUsageServerAuth)}, MinVersion: tls.VersionTLS12}
	if clientAuth {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = ca.pool
	}
	return c
}

// issue makes a leaf certificate named cn for usage; a server certificate
// holds the loopback addresses and localhost.
func (ca *CA) issue(cn string, usage x509.ExtKeyUsage) tls.Certificate {
	t := ca.t
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	if usage == x509.ExtKeyUsageServerAuth {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		tmpl.DNSNames = []string{"localhost"}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// write stores c's certificate and PKCS #8 key as PEM files.
func (ca *CA) write(name string, c tls.Certificate) (certFile, keyFile string) {
	ca.t.Helper()
	kder, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		ca.t.Fatal(err)
	}
	return ca.writePEM(name+".pem", "CERTIFICATE", c.Certificate[0]),
		ca.writePEM(name+"-key.pem", "PRIVATE KEY", kder)
}

func (ca *CA) writePEM(name, typ string, der []byte) string {
	ca.t.Helper()
	p := filepath.Join(ca.dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		ca.t.Fatal(err)
	}
	return p
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// serial is a random 62-bit certificate serial number.
func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1)) // positive, as RFC 5280 wants
}
