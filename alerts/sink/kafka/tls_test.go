package kafka

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/otsensor/otsensor/alerts/sink"
)

// selfSigned makes a certificate for 127.0.0.1 and localhost and writes
// it, as the CA file, to a temporary directory.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kfake test broker"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caFile
}

// withTLS makes the consumer trust caFile.
func withTLS(t *testing.T, caFile string) consumeOpts {
	c, err := sink.TLSConfig{CAFile: caFile}.Client("")
	if err != nil {
		t.Fatal(err)
	}
	return consumeOpts{kgo.DialTLSConfig(c)}
}

// TestTLS: kafka+tls:// and kafka:// with a tls setting both use TLS; an
// untrusted certificate is a permanent error, reported at once.
func TestTLS(t *testing.T) {
	cert, caFile := selfSigned(t)
	c := startCluster(t, 0, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))

	for _, u := range []string{
		"kafka+tls://" + addr(c) + "/" + testTopic + "?ca_file=" + caFile,
		"kafka://" + addr(c) + "/" + testTopic + "?ca_file=" + caFile,
	} {
		s := newTestSink(t, u, 5*time.Second)
		if s.set.tls == nil {
			t.Fatalf("%s: no TLS", u)
		}
		if err := send(s, messages("tls", sink.TypeAlert, 3)); err != nil {
			t.Fatalf("%s: Send: %v", u, err)
		}
	}
	recs := consume(t, addr(c), testTopic, 6, withTLS(t, caFile))
	if len(recs) != 6 {
		t.Errorf("%d records, want 6", len(recs))
	}

	// The system roots do not know our CA.
	s := newTestSink(t, "kafka+tls://"+addr(c)+"/"+testTopic, 5*time.Second)
	start := time.Now()
	err := send(s, messages("untrusted", sink.TypeAlert, 1))
	var unknown x509.UnknownAuthorityError
	if !sink.IsPermanent(err) || !errors.As(err, &unknown) {
		t.Errorf("untrusted certificate: got %v, want a permanent x509.UnknownAuthorityError", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("untrusted certificate reported after %v", el)
	}
}

// TestEventHubsMode: a connection string alone switches to TLS and SASL
// PLAIN as "$ConnectionString", with gzip batches, the way the Event Hubs
// Kafka endpoint wants it; kfake plays the endpoint.
func TestEventHubsMode(t *testing.T) {
	const hub = "otsensor-hub"
	cs := "Endpoint=sb://127.0.0.1/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0LWtleQ==;EntityPath=" + hub
	t.Setenv("OTS_EH_CS", cs)
	cert, caFile := selfSigned(t)
	c := startCluster(t, 0,
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}),
		kfake.EnableSASL(), kfake.Superuser("PLAIN", "$ConnectionString", cs),
		kfake.SeedTopics(2, hub))

	var produces, gzipped atomic.Int32
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		for _, tp := range req.(*kmsg.ProduceRequest).Topics {
			for _, p := range tp.Partitions {
				var b kmsg.RecordBatch
				if b.ReadFrom(p.Records) == nil {
					produces.Add(1)
					if b.Attributes&0x07 == 1 { // compression codec 1 = gzip
						gzipped.Add(1)
					}
				}
			}
		}
		return nil, nil, false // observe only
	})

	s := newTestSink(t, "kafka://"+addr(c)+"/"+hub+"?connection_string_env=OTS_EH_CS&ca_file="+caFile, 5*time.Second)
	if !s.set.eventHubs || s.set.tls == nil || s.set.user != "$ConnectionString" {
		t.Fatalf("not in Event Hubs mode: eventHubs=%v tls=%v user=%q", s.set.eventHubs, s.set.tls != nil, s.set.user)
	}
	batch := messages("eh", sink.TypeAlert, 25)
	if err := send(s, batch); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if produces.Load() == 0 || gzipped.Load() != produces.Load() {
		t.Errorf("%d of %d produced batches gzip-compressed, want all", gzipped.Load(), produces.Load())
	}
	assertOnce(t, consume(t, addr(c), hub, len(batch), withTLS(t, caFile), withSASL("$ConnectionString", cs)), batch)
}
