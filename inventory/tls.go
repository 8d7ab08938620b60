package inventory

import (
	"slices"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// HostTLS is what TLS taught about a host. As a server: the names clients
// asked it for (SNI), the versions it negotiated and the certificates it
// presented. As a client: its fingerprints (JA3, JA4), the versions it
// offered, and the certificates it presented to servers.
type HostTLS struct {
	ServerNames        []string         `json:"server_names,omitempty"`
	ServerVersions     []string         `json:"server_versions,omitempty"`
	Certificates       []TLSCertificate `json:"certificates,omitempty"`
	JA3                []string         `json:"ja3,omitempty"`
	JA4                []string         `json:"ja4,omitempty"`
	ClientVersions     []string         `json:"client_versions,omitempty"`
	ClientCertificates []TLSCertificate `json:"client_certificates,omitempty"`
}

// TLSCertificate is a certificate a host presented (the leaf of its chain).
type TLSCertificate struct {
	FingerprintSHA256 string    `json:"fingerprint_sha256"`
	Subject           string    `json:"subject,omitempty"`
	Issuer            string    `json:"issuer,omitempty"`
	SANs              []string  `json:"sans,omitempty"`
	NotBefore         time.Time `json:"not_before"`
	NotAfter          time.Time `json:"not_after"`
	SelfSigned        bool      `json:"self_signed"`
	KeyType           string    `json:"key_type,omitempty"`
	KeyBits           int       `json:"key_bits,omitempty"`
	// ExpiredWhenSeen is set when it was presented after its not_after
	// (or before its not_before), in packet time.
	ExpiredWhenSeen bool      `json:"expired_when_seen"`
	FirstSeen       time.Time `json:"first_seen"`
	LastSeen        time.Time `json:"last_seen"`
}

// LinkTLS is what TLS taught about a link: handshakes per negotiated
// version ("TLS 1.2": 3, "unknown" when no ServerHello was seen).
type LinkTLS struct {
	Versions map[string]uint64 `json:"versions"`
}

// Caps on what one host keeps.
const (
	maxTLSNames        = 64
	maxTLSFingerprints = 32
	maxTLSCertificates = 16
)

// tlsRecord learns from one connection's handshake. Alerts teach nothing
// the inventory keeps.
func (inv *Inventory) tlsRecord(refs *flowRefs, t time.Time, r *tls.Record) {
	if r.Alert != nil {
		return
	}
	l := refs.link
	if l.TLS == nil {
		l.TLS = &LinkTLS{Versions: map[string]uint64{}}
	}
	version := "unknown"
	if r.HasServerHello {
		version = tls.VersionName(r.Version)
	}
	l.TLS.Versions[version]++

	if c := inv.hostOf(refs.end(dissectors.ToServer)); c != nil && r.HasClientHello {
		c.dirty = true
		m := c.tls()
		if r.JA3.Hash != "" && len(m.JA3) < maxTLSFingerprints {
			m.JA3 = addSorted(m.JA3, r.JA3.Hash)
		}
		if r.JA4 != "" && len(m.JA4) < maxTLSFingerprints {
			m.JA4 = addSorted(m.JA4, r.JA4)
		}
		m.ClientVersions = addSorted(m.ClientVersions, tls.VersionName(maxOffered(r)))
		if len(r.ClientCertificates) > 0 {
			m.ClientCertificates = seenCertificate(m.ClientCertificates, &r.ClientCertificates[0], t)
		}
	}
	if s := inv.hostOf(refs.end(dissectors.ToClient)); s != nil && (r.HasServerHello || r.SNI != "") {
		s.dirty = true
		m := s.tls()
		if r.SNI != "" && len(m.ServerNames) < maxTLSNames {
			m.ServerNames = addSorted(m.ServerNames, r.SNI)
		}
		if r.HasServerHello {
			m.ServerVersions = addSorted(m.ServerVersions, version)
		}
		if len(r.Certificates) > 0 {
			m.Certificates = seenCertificate(m.Certificates, &r.Certificates[0], t)
		}
	}
}

// maxOffered is the highest version the client offered.
func maxOffered(r *tls.Record) uint16 {
	v := r.ClientVersion
	for _, o := range r.ClientVersions {
		v = max(v, o)
	}
	return v
}

// seenCertificate records that c was presented at t.
func seenCertificate(certs []TLSCertificate, c *tls.Certificate, t time.Time) []TLSCertificate {
	expired := !c.NotAfter.IsZero() && (t.After(c.NotAfter) || t.Before(c.NotBefore))
	for i := range certs {
		if k := &certs[i]; k.FingerprintSHA256 == c.FingerprintSHA256 {
			seen(&k.FirstSeen, &k.LastSeen, t)
			k.ExpiredWhenSeen = k.ExpiredWhenSeen || expired
			return certs
		}
	}
	if len(certs) >= maxTLSCertificates {
		return certs
	}
	sans := append(append([]string(nil), c.DNSNames...), c.IPAddresses...)
	return append(certs, TLSCertificate{
		FingerprintSHA256: c.FingerprintSHA256, Subject: c.Subject, Issuer: c.Issuer, SANs: sans,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, SelfSigned: c.SelfSigned,
		KeyType: c.KeyType, KeyBits: c.KeyBits, ExpiredWhenSeen: expired, FirstSeen: t, LastSeen: t,
	})
}

// tls returns the host's TLS record, made on first use.
func (h *Host) tls() *HostTLS {
	if h.TLS == nil {
		h.TLS = &HostTLS{}
	}
	return h.TLS
}

// addTLS merges a host's TLS learning into d.
func (d *Device) addTLS(h *HostTLS) {
	if d.TLS == nil {
		d.TLS = &HostTLS{}
	}
	m := d.TLS
	for _, dst := range []struct {
		to   *[]string
		from []string
	}{
		{&m.ServerNames, h.ServerNames}, {&m.ServerVersions, h.ServerVersions}, {&m.JA3, h.JA3},
		{&m.JA4, h.JA4}, {&m.ClientVersions, h.ClientVersions},
	} {
		for _, s := range dst.from {
			*dst.to = addSorted(*dst.to, s)
		}
	}
	m.Certificates = mergeCertificates(m.Certificates, h.Certificates)
	m.ClientCertificates = mergeCertificates(m.ClientCertificates, h.ClientCertificates)
}

// mergeCertificates adds from to certs, one entry per fingerprint.
func mergeCertificates(certs, from []TLSCertificate) []TLSCertificate {
	for _, c := range from {
		i := slices.IndexFunc(certs, func(k TLSCertificate) bool { return k.FingerprintSHA256 == c.FingerprintSHA256 })
		if i < 0 {
			certs = append(certs, c)
			continue
		}
		k := &certs[i]
		seen(&k.FirstSeen, &k.LastSeen, c.FirstSeen)
		seen(&k.FirstSeen, &k.LastSeen, c.LastSeen)
		k.ExpiredWhenSeen = k.ExpiredWhenSeen || c.ExpiredWhenSeen
	}
	return certs
}
