package sinktest

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"testing"
)

// TestCA: the files and the server configuration chain to File; a
// server certificate is valid for 127.0.0.1, ::1 and localhost and not
// for another name; a client certificate carries its name and passes the
// client-auth configuration, whose absence or a stranger's is refused.
func TestCA(t *testing.T) {
	ca := NewCA(t, "test")
	roots := x509.NewCertPool()
	data, err := os.ReadFile(ca.File)
	if err != nil || !roots.AppendCertsFromPEM(data) {
		t.Fatalf("ca.pem: %v", err)
	}
	certFile, keyFile := ca.Server("srv")
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
		if _, err := pair.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
			t.Errorf("server certificate for %s: %v", name, err)
		}
	}
	if _, err := pair.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "example.com"}); err == nil {
		t.Error("server certificate valid for example.com")
	}

	clientFile, clientKey := ca.Client("sensor-1")
	client, err := tls.LoadX509KeyPair(clientFile, clientKey)
	if err != nil {
		t.Fatal(err)
	}
	if cn := client.Leaf.Subject.CommonName; cn != "sensor-1" {
		t.Errorf("client CN %q", cn)
	}
	strangerFile, strangerKey := NewCA(t, "other").Client("sensor-1")
	stranger, err := tls.LoadX509KeyPair(strangerFile, strangerKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		clientAuth bool
		certs      []tls.Certificate
		ok         bool
	}{
		{"no client auth", false, nil, true},
		{"client certificate", true, []tls.Certificate{client}, true},
		{"no client certificate", true, nil, false},
		{"stranger's certificate", true, []tls.Certificate{stranger}, false},
	} {
		err := handshake(ca.ServerConfig(tc.clientAuth), &tls.Config{RootCAs: roots, ServerName: "localhost", Certificates: tc.certs})
		if (err == nil) != tc.ok {
			t.Errorf("%s: handshake error %v, want success %v", tc.name, err, tc.ok)
		}
	}
}

// handshake runs a TLS handshake over loopback TCP and a one-byte
// exchange (TLS 1.3 checks the client's certificate after the client's
// handshake ended) and returns the server's error, or else the client's.
func handshake(server, client *tls.Config) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	srvErr := make(chan error, 1)
	go func() {
		conn, err := l.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		defer conn.Close()
		_, err = tls.Server(conn, server).Read(make([]byte, 1))
		srvErr <- err
	}()
	conn, err := tls.Dial("tcp", l.Addr().String(), client)
	if err == nil {
		_, err = conn.Write([]byte{1})
		defer conn.Close()
	}
	if sErr := <-srvErr; sErr != nil {
		return sErr
	}
	return err
}
