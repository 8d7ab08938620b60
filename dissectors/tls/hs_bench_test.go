package tls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	ctls "crypto/tls"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

// BenchmarkClientHello decodes a real ClientHello (Go's crypto/tls client:
// SNI, ALPN, TLS 1.3 and 1.2, key shares) and computes JA3 and JA4, as a
// parser does once per connection; the decoder is warm (same client
// seen before), so strings and fingerprints come from its caches.
func BenchmarkClientHello(b *testing.B) {
	body := goClientHello(b, &ctls.Config{ServerName: "broker.example.com", NextProtos: []string{"mqtt"},
		InsecureSkipVerify: true})
	var d hsDecoder
	var r Record
	var f findings
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.reset(&r)
		f.Reset()
		d.message(dissectors.ToServer, hsClientHello, body, &r, &f)
	}
	b.StopTimer()
	if r.JA4 == "" || r.SNI != "broker.example.com" {
		b.Fatal("not decoded")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hellos/s")
}

// BenchmarkCertificateCached decodes a Certificate message of a 2-
// certificate chain whose certificates are in the cache (the server was
// seen before): SHA-256 of each DER and a map lookup, no x509 parsing.
func BenchmarkCertificateCached(b *testing.B) {
	msg := benchChain(b)
	d := hsDecoder{certs: newCertCache(0)}
	var r Record
	var f findings
	d.message(dissectors.ToClient, hsCertificate, msg, &r, &f)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.message(dissectors.ToClient, hsCertificate, msg, &r, &f)
	}
	b.StopTimer()
	if len(r.Certificates) != 2 || r.Certificates[0].SubjectCN != "server.example" {
		b.Fatal("not decoded")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkCertificateUncached is the same chain parsed by crypto/x509
// every time (a cache miss), for comparison.
func BenchmarkCertificateUncached(b *testing.B) {
	msg := benchChain(b)
	var r Record
	var f findings
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d := hsDecoder{certs: newCertCache(0)}
		d.message(dissectors.ToClient, hsCertificate, msg, &r, &f)
	}
}

// benchChain is a Certificate message of a leaf (ECDSA) signed by a CA
// (RSA 2048), both valid for an hour.
func benchChain(b *testing.B) []byte {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	future := time.Now().Add(time.Hour)
	caDER, ca := testCert(b, "Bench CA", rsaKey, nil, nil, true, future)
	leafDER, _ := testCert(b, "server.example", ecKey, ca, rsaKey, false, future)
	return certMsg(false, leafDER, caDER)
}
