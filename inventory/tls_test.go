package inventory

import (
	"slices"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// An HMI opens two TLS 1.2 connections to a PLC's web server (SNI
// plc1.plant.local) and one TLS 1.3 connection; the server presents a
// certificate that expired before the capture. An alert teaches nothing.
func TestTLSLearning(t *testing.T) {
	inv := New()
	cert := tls.Certificate{Subject: "CN=plc1.plant.local", Issuer: "CN=plc1.plant.local", SelfSigned: true,
		NotBefore: t0.Add(-3 * 365 * 24 * time.Hour), NotAfter: t0.Add(-24 * time.Hour),
		DNSNames: []string{"plc1.plant.local"}, IPAddresses: []string{plc.String()},
		KeyType: "ECDSA", KeyBits: 256, FingerprintSHA256: "ab12"}
	hello := func(version uint16, ja3, ja4 string) *tls.Record {
		return &tls.Record{HasClientHello: true, HasServerHello: true, ClientVersion: tls.VersionTLS12,
			ClientVersions: []uint16{version}, Version: version, SNI: "plc1.plant.local",
			JA3: tls.Fingerprint{Hash: ja3}, JA4: ja4, Certificates: []tls.Certificate{cert}}
	}
	for i, r := range []*tls.Record{hello(tls.VersionTLS12, "aaa", "t12d"), hello(tls.VersionTLS12, "aaa", "t12d"), hello(tls.VersionTLS13, "bbb", "t13d")} {
		f := flowOf(hmiMAC, hmi, plcMAC, plc, 443, "tls")
		at := time.Duration(i) * time.Minute
		inv.Event(&dissectors.Event{Time: t0.Add(at), Dir: dissectors.ToClient, Flow: f, Record: r})
		inv.Event(&dissectors.Event{Time: t0.Add(at), Dir: dissectors.ToClient, Flow: f, Record: &tls.Record{Alert: &tls.Alert{Level: 2, Description: 40}}})
		run(inv, f, 5, 5, at, time.Second)
	}

	s := inv.Snapshot()
	c, p := device(t, s, hmi.String()), device(t, s, plc.String())
	if !slices.Equal(c.Roles, []string{"tls_client"}) || !slices.Equal(p.Roles, []string{"tls_server"}) {
		t.Errorf("roles: client %v, server %v", c.Roles, p.Roles)
	}
	if c.TLS == nil || !slices.Equal(c.TLS.JA3, []string{"aaa", "bbb"}) || !slices.Equal(c.TLS.JA4, []string{"t12d", "t13d"}) ||
		!slices.Equal(c.TLS.ClientVersions, []string{"TLS 1.2", "TLS 1.3"}) {
		t.Errorf("client tls %s", dump(c.TLS))
	}
	m := p.TLS
	if m == nil || !slices.Equal(m.ServerNames, []string{"plc1.plant.local"}) || !slices.Equal(m.ServerVersions, []string{"TLS 1.2", "TLS 1.3"}) || len(m.Certificates) != 1 {
		t.Fatalf("server tls %s", dump(m))
	}
	k := m.Certificates[0]
	if !k.ExpiredWhenSeen || !k.SelfSigned || !k.FirstSeen.Equal(t0) || !k.LastSeen.Equal(t0.Add(2*time.Minute)) ||
		!slices.Equal(k.SANs, []string{"plc1.plant.local", plc.String()}) {
		t.Errorf("certificate %s", dump(k))
	}
	l := s.Links[0]
	if l.TLS == nil || l.TLS.Versions["TLS 1.2"] != 2 || l.TLS.Versions["TLS 1.3"] != 1 || len(l.TLS.Versions) != 2 {
		t.Errorf("link %s", dump(l.TLS))
	}
}
