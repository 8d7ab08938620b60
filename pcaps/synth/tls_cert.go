package synth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"time"
)

// TLSCert describes a certificate for crafted captures. TLSCertDER makes
// the same DER octets for the same description on every run: the keys
// derive from Seed and the issuer signs with Ed25519, whose signatures
// are deterministic (ECDSA and RSA-PSS ones are not).
type TLSCert struct {
	CommonName   string
	Organization string
	DNSNames     []string
	IPs          []net.IP
	Serial       int64
	NotBefore    time.Time
	NotAfter     time.Time
	// IssuerCN names the signing CA (an Ed25519 key derived from the
	// name); empty means self-signed, in which case the certificate's own
	// key is Ed25519 too. Otherwise the subject key is ECDSA P-256.
	IssuerCN string
	Seed     byte
}

// TLSCertDER returns c as a DER-encoded X.509 v3 certificate.
func TLSCertDER(c TLSCert) ([]byte, error) {
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(c.Serial),
		Subject:               pkix.Name{CommonName: c.CommonName, Organization: nonEmpty(c.Organization)},
		NotBefore:             c.NotBefore,
		NotAfter:              c.NotAfter,
		DNSNames:              c.DNSNames,
		IPAddresses:           c.IPs,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	var pub crypto.PublicKey
	var signer crypto.Signer
	parent := tmpl
	if c.IssuerCN == "" {
		k := ed25519.NewKeyFromSeed(seed32(c.CommonName, c.Seed))
		pub, signer = k.Public(), k
	} else {
		raw := seed32(c.CommonName, c.Seed)
		raw[0] &= 0x7f // below the P-256 group order
		k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
		if err != nil {
			return nil, err
		}
		pub = k.Public()
		signer = ed25519.NewKeyFromSeed(seed32(c.IssuerCN, 0))
		parent = &x509.Certificate{Subject: pkix.Name{CommonName: c.IssuerCN, Organization: nonEmpty(c.Organization)}}
	}
	return x509.CreateCertificate(noRandom{}, tmpl, parent, pub, signer)
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// seed32 derives 32 key octets from a name and a seed.
func seed32(name string, seed byte) []byte {
	h := uint32(seed) + 1
	for i := 0; i < len(name); i++ {
		h = h*16777619 ^ uint32(name[i])
	}
	b := TLSFiller(byte(h)^byte(h>>8)^byte(h>>16)^byte(h>>24), 32)
	for i := range b {
		b[i] ^= byte(h >> (8 * (i % 4)))
	}
	b[0] |= 1 // never zero
	return b
}

// noRandom fails any read: Ed25519 signing needs no randomness, so a
// read would mean the output is not reproducible.
type noRandom struct{}

func (noRandom) Read([]byte) (int, error) {
	return 0, errors.New("synth: TLSCertDER must not need randomness")
}
