package live

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Validity of the certificates RecordTLS makes: the valid ones from
// 2025-01-01 to 2035-01-01, the expired one from 2021-01-01 to 2023-01-01.
var (
	certNotBefore    = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	certNotAfter     = time.Date(2035, 1, 1, 0, 0, 0, 0, time.UTC)
	expiredNotBefore = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	expiredNotAfter  = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
)

// TLS names of RecordTLS's servers and client (subject common names and
// DNS SANs; the SNI the clients send).
const (
	CAName        = "Acme Plant Root CA"
	PLCName       = "plc1.plant.local"      // HTTPS, RSA 2048, signed by the CA
	BrokerName    = "broker.plant.local"    // MQTT over TLS, ECDSA P-256, signed by the CA
	OPCUAName     = "opcua.plant.local"     // OPC UA TLS, ECDSA P-256, signed by the CA
	PanelName     = "hmi-panel.plant.local" // HTTPS, RSA 2048, self-signed
	RTUName       = "rtu7.plant.local"      // HTTPS, ECDSA P-256, signed by the CA, expired
	GatewayName   = "gateway.plant.local"   // a non-standard port, ECDSA P-256, signed by the CA
	HistorianName = "historian.plant.local" // openssl s_server, ECDSA P-256, signed by the CA
	ClientName    = "hmi-01.plant.local"    // the client certificate, ECDSA P-256, signed by the CA
)

// tlsPKI is every key and certificate of a RecordTLS run: a CA (RSA
// 2048) and the leaf certificates it signs, plus a self-signed one.
type tlsPKI struct {
	ca     *x509.Certificate
	caKey  *rsa.PrivateKey
	caDER  []byte
	pool   *x509.CertPool
	serial int64

	plc, broker, opcua, panel, rtu, gateway, historian, client tls.Certificate
}

// newTLSPKI generates the keys (fresh for every run) and certificates
// (fixed names, serials and validity).
func newTLSPKI() (*tlsPKI, error) {
	p := &tlsPKI{serial: 0x1000}
	var err error
	if p.caKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		return nil, err
	}
	tmpl := p.template(CAName, certNotBefore, certNotAfter)
	tmpl.Subject.OrganizationalUnit = []string{"OT Security"}
	tmpl.IsCA = true
	tmpl.BasicConstraintsValid = true
	tmpl.MaxPathLen = 0
	tmpl.MaxPathLenZero = true
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature
	if p.caDER, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, p.caKey.Public(), p.caKey); err != nil {
		return nil, err
	}
	if p.ca, err = x509.ParseCertificate(p.caDER); err != nil {
		return nil, err
	}
	p.pool = x509.NewCertPool()
	p.pool.AddCert(p.ca)

	type leaf struct {
		dst       *tls.Certificate
		name      string
		ip        string
		rsa, self bool
		from, to  time.Time
		client    bool
	}
	for _, l := range []leaf{
		{dst: &p.plc, name: PLCName, ip: "127.0.0.1", rsa: true, from: certNotBefore, to: certNotAfter},
		{dst: &p.broker, name: BrokerName, ip: "127.0.0.2", from: certNotBefore, to: certNotAfter},
		{dst: &p.opcua, name: OPCUAName, ip: "127.0.0.3", from: certNotBefore, to: certNotAfter},
		{dst: &p.panel, name: PanelName, ip: "127.0.0.4", rsa: true, self: true, from: certNotBefore, to: certNotAfter},
		{dst: &p.rtu, name: RTUName, ip: "127.0.0.5", from: expiredNotBefore, to: expiredNotAfter},
		{dst: &p.gateway, name: GatewayName, ip: "127.0.0.6", from: certNotBefore, to: certNotAfter},
		{dst: &p.historian, name: HistorianName, ip: "127.0.0.7", from: certNotBefore, to: certNotAfter},
		{dst: &p.client, name: ClientName, client: true, from: certNotBefore, to: certNotAfter},
	} {
		var key crypto.Signer
		if l.rsa {
			key, err = rsa.GenerateKey(rand.Reader, 2048)
		} else {
			key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		}
		if err != nil {
			return nil, err
		}
		t := p.template(l.name, l.from, l.to)
		t.DNSNames = []string{l.name}
		if l.ip != "" {
			t.IPAddresses = []net.IP{net.ParseIP(l.ip)}
		}
		t.KeyUsage = x509.KeyUsageDigitalSignature
		if l.rsa {
			t.KeyUsage |= x509.KeyUsageKeyEncipherment
		}
		t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		if l.client {
			t.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}
		parent, signer := p.ca, crypto.Signer(p.caKey)
		if l.self {
			parent, signer = t, key
		}
		der, err := x509.CreateCertificate(rand.Reader, t, parent, key.Public(), signer)
		if err != nil {
			return nil, err
		}
		leafCert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		chain := [][]byte{der}
		if !l.self {
			chain = append(chain, p.caDER)
		}
		*l.dst = tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leafCert}
	}
	return p, nil
}

// template returns a certificate template with the next serial number.
func (p *tlsPKI) template(cn string, from, to time.Time) *x509.Certificate {
	p.serial++
	return &x509.Certificate{
		SerialNumber: big.NewInt(p.serial),
		Subject: pkix.Name{
			CommonName:   cn,
			Organization: []string{"Acme Plant"},
			Country:      []string{"DE"},
		},
		NotBefore: from,
		NotAfter:  to,
	}
}

// writePEM writes c's leaf certificate and key as dir/name.crt and
// dir/name.key (for openssl s_server, which takes the chain from another
// file) and returns their paths.
func writePEM(dir, name string, c tls.Certificate) (certPath, keyPath string, err error) {
	certs := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]})
	keyDER, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return "", "", err
	}
	certPath = filepath.Join(dir, name+".crt")
	keyPath = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, certs, 0o600); err != nil {
		return "", "", err
	}
	err = os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certPath, keyPath, err
}

// writeCAPEM writes the CA certificate to dir/ca.crt.
func (p *tlsPKI) writeCAPEM(dir string) (string, error) {
	path := filepath.Join(dir, "ca.crt")
	return path, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.caDER}), 0o600)
}
