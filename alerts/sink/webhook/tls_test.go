package webhook

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

func TestUnknownServerCertificateIsPermanent(t *testing.T) {
	srv := newServer(t, true, nil)
	// No CA file: the httptest certificate is not in the system roots.
	s := newSink(t, sink.Config{URL: srv.URL() + "/hook"})
	err := s.Send(context.Background(), msgs(1, 1))
	if !sink.IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent certificate error", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached a server whose certificate was refused", n)
	}
	// The wrong server name (the certificate holds 127.0.0.1 and
	// example.com) is refused too.
	s2 := newSink(t, sink.Config{URL: srv.URL() + "/hook", TLS: sink.TLSConfig{CAFile: srv.CAFile(), ServerName: "otsensor.invalid"}})
	if err := s2.Send(context.Background(), msgs(1, 1)); !sink.IsPermanent(err) {
		t.Fatalf("wrong server name: err = %v, want permanent", err)
	}
}

func TestClientCertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := clientCert(t, dir)
	var ln net.Listener
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var gotCN string
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) > 0 {
			gotCN = r.TLS.PeerCertificates[0].Subject.CommonName
		}
	}))
	hs.Listener.Close()
	hs.Listener = ln
	hs.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	hs.StartTLS()
	t.Cleanup(hs.Close)
	caFile := filepath.Join(dir, "server-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hs.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	with := newSink(t, sink.Config{URL: hs.URL + "/hook", TLS: sink.TLSConfig{CAFile: caFile, CertFile: certFile, KeyFile: keyFile}})
	if err := with.Send(context.Background(), msgs(1, 1)); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
	if gotCN != "otsensor-test-sensor" {
		t.Errorf("server saw client CN %q", gotCN)
	}
	without := newSink(t, sink.Config{URL: hs.URL + "/hook", TLS: sink.TLSConfig{CAFile: caFile}})
	err = without.Send(context.Background(), msgs(1, 1))
	if !sink.IsPermanent(err) {
		t.Fatalf("without a client certificate: err = %v, want permanent", err)
	}
}

// clientCert writes a self-signed client certificate and its key, and
// returns their paths and a pool trusting the certificate.
func clientCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: "otsensor-test-sensor"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, pool
}
