package tls

import (
	"bytes"
	"crypto"
	"crypto/dsa" //nolint:staticcheck // key size of legacy DSA certificates
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/md5"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"sync"
)

// Certificate chain bounds.
const (
	// MaxChain is how many certificates of one Certificate message are
	// kept; the rest are skipped silently (real chains have 2-5).
	MaxChain = 16
	// certCacheSize is how many parsed certificates a cache keeps; it is
	// emptied when full.
	certCacheSize = 256
)

// certCache maps the SHA-256 of a certificate's DER to its parsed form,
// so that a server seen on many connections has its chain parsed once.
// It may be shared by the parsers of one Dissector (it locks); entries
// are never modified once stored.
type certCache struct {
	mu  sync.Mutex
	max int
	m   map[[32]byte]*Certificate
}

// newCertCache returns a cache of at most max certificates (certCacheSize
// when max <= 0).
func newCertCache(max int) *certCache {
	if max <= 0 {
		max = certCacheSize
	}
	return &certCache{max: max, m: make(map[[32]byte]*Certificate)}
}

func (c *certCache) get(k [32]byte) *Certificate {
	c.mu.Lock()
	v := c.m[k]
	c.mu.Unlock()
	return v
}

func (c *certCache) put(k [32]byte, v *Certificate) {
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = v
	c.mu.Unlock()
}

// certificate decodes a Certificate message (RFC 5246 7.4.2:
// certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>; RFC 8446 4.4.2
// adds certificate_request_context<0..255> before the list and
// extensions<0..2^16-1> after each certificate). The TLS 1.3 layout is
// used when the negotiated version is TLS 1.3, or when the TLS 1.2 layout
// does not fit and the 1.3 one does. Certificates sent to the server are
// the client's.
func (d *hsDecoder) certificate(body []byte, toServer bool, r *Record, f *findings) {
	tls13 := is13(r.Version)
	if !tls13 && !certLayoutFits(body, false) && certLayoutFits(body, true) {
		tls13 = true
	}
	c := reader{b: body}
	if tls13 {
		c.vec8() // certificate_request_context
	}
	list := reader{b: c.vec24()}
	if c.short || !c.empty() {
		f.Add(anInvalidHandshakeLength, "certificate_list length")
		return
	}
	chain := &r.Certificates
	if toServer {
		chain = &r.ClientCertificates
	}
	*chain = (*chain)[:0]
	for !list.empty() {
		der := list.vec24()
		if tls13 {
			list.vec16() // CertificateEntry extensions
		}
		if list.short {
			f.Add(anInvalidHandshakeLength, "certificate entry length")
			return
		}
		if len(der) == 0 {
			f.Add(anInvalidHandshake, "empty certificate entry")
			continue
		}
		if len(*chain) >= MaxChain {
			continue
		}
		cert := d.parseCert(der)
		if cert.ParseError != "" {
			f.Add(anCertificateParse, "")
		}
		*chain = append(*chain, *cert)
	}
}

// certLayoutFits reports whether body is exactly a Certificate message
// in the TLS 1.2 (or, with tls13, 1.3) layout.
func certLayoutFits(body []byte, tls13 bool) bool {
	c := reader{b: body}
	if tls13 {
		c.vec8()
	}
	list := reader{b: c.vec24()}
	if c.short || !c.empty() {
		return false
	}
	for !list.empty() && !list.short {
		list.vec24()
		if tls13 {
			list.vec16()
		}
	}
	return !list.short
}

// parseCert returns the parsed form of one DER certificate, from the
// cache when it was seen before.
func (d *hsDecoder) parseCert(der []byte) *Certificate {
	sum := sha256.Sum256(der)
	if d.certs == nil {
		d.certs = newCertCache(16)
	}
	if c := d.certs.get(sum); c != nil {
		return c
	}
	c := newCertificate(der, sum)
	d.certs.put(sum, c)
	return c
}

// newCertificate parses der with crypto/x509.
func newCertificate(der []byte, sum [32]byte) *Certificate {
	out := &Certificate{FingerprintSHA256: hex.EncodeToString(sum[:])}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		out.ParseError = err.Error()
		return out
	}
	out.Subject, out.Issuer = x.Subject.String(), x.Issuer.String()
	out.SubjectCN, out.IssuerCN = x.Subject.CommonName, x.Issuer.CommonName
	if x.SerialNumber != nil {
		s := x.SerialNumber.Text(16)
		if len(s)%2 == 1 {
			s = "0" + s
		}
		out.Serial = s
	}
	out.NotBefore, out.NotAfter = x.NotBefore.UTC(), x.NotAfter.UTC()
	out.DNSNames = x.DNSNames
	for _, ip := range x.IPAddresses {
		out.IPAddresses = append(out.IPAddresses, ip.String())
	}
	out.KeyType, out.KeyBits = keyInfo(x)
	out.SignatureAlgorithm = x.SignatureAlgorithm.String()
	out.SelfSigned = bytes.Equal(x.RawIssuer, x.RawSubject) && signedBySelf(x)
	return out
}

// keyInfo returns the public key's type and size in bits: the RSA
// modulus, the ECDSA curve, 256 for Ed25519, the DSA prime.
func keyInfo(x *x509.Certificate) (string, int) {
	switch k := x.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		if k.Curve != nil {
			return "ECDSA", k.Curve.Params().BitSize
		}
		return "ECDSA", 0
	case ed25519.PublicKey:
		return "Ed25519", 256
	case *dsa.PublicKey:
		if k.P != nil {
			return "DSA", k.P.BitLen()
		}
		return "DSA", 0
	}
	if x.PublicKeyAlgorithm == x509.UnknownPublicKeyAlgorithm {
		return "unknown", 0
	}
	return x.PublicKeyAlgorithm.String(), 0
}

// signedBySelf reports whether x's signature verifies with its own public
// key. crypto/x509 refuses MD5 signatures, which old self-signed
// certificates still carry: those are checked here.
func signedBySelf(x *x509.Certificate) bool {
	if x.SignatureAlgorithm == x509.MD5WithRSA {
		pub, ok := x.PublicKey.(*rsa.PublicKey)
		if !ok {
			return false
		}
		h := md5.Sum(x.RawTBSCertificate)
		return rsa.VerifyPKCS1v15(pub, crypto.MD5, h[:], x.Signature) == nil
	}
	return x.CheckSignature(x.SignatureAlgorithm, x.RawTBSCertificate, x.Signature) == nil
}
