package main

import (
	"net"
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// Hosts of the crafted TLS captures: a PLC web server and two HMIs on
// 192.168.40.0/24.
var (
	tlsPLC  = synth.Host{MAC: synth.MAC(synth.OUISchneider, 0x280010), IP: ip4(192, 168, 40, 10)}
	tlsHMI  = synth.Host{MAC: synth.MAC(synth.OUIDell, 0x280050), IP: ip4(192, 168, 40, 50), TTL: 128}
	tlsHMI2 = synth.Host{MAC: synth.MAC(synth.OUISiemens, 0x280051), IP: ip4(192, 168, 40, 51)}
)

// Names and certificate of the crafted TLS server.
const (
	tlsSNI  = "plc1.plant.local"
	tlsCA   = "Acme Plant Root CA"
	tlsOrg  = "Acme Plant"
	tlsSNI2 = "plc2.plant.local"
)

// tlsPLCCert is the server's certificate: ECDSA P-256, signed by the CA
// (Ed25519), valid 2024-01-01 to 2034-01-01, SANs plc1.plant.local and
// 192.168.40.10.
func tlsPLCCert() ([]byte, error) {
	return synth.TLSCertDER(synth.TLSCert{
		CommonName: tlsSNI, Organization: tlsOrg, DNSNames: []string{tlsSNI}, IPs: []net.IP{net.IP(tlsPLC.IP)},
		Serial: 0x2001, IssuerCN: tlsCA,
		NotBefore: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC),
	})
}

// tlsStdHello returns a browser-like TLS 1.2/1.3 ClientHello: GREASE in
// cipher suites, extensions, groups, key shares and supported versions
// (RFC 8701), and the usual extensions; sni is the server_name data
// (nil: none).
func tlsStdHello(seed byte, sni []byte) synth.TLSClientHelloMsg {
	g := func(i int) uint16 { return synth.TLSGrease(int(seed>>4) + i) } // seeds step by 16
	exts := []synth.TLSExtension{{Type: g(0)}}
	if sni != nil {
		exts = append(exts, synth.TLSExtension{Type: synth.TLSExtServerName, Data: sni})
	}
	exts = append(exts,
		synth.TLSExtension{Type: synth.TLSExtExtendedMasterSec},
		synth.TLSExtension{Type: synth.TLSExtRenegotiationInfo, Data: []byte{0}},
		synth.TLSExtension{Type: synth.TLSExtSupportedGroups, Data: synth.TLSU16List(g(1), synth.TLSGroupX25519, synth.TLSGroupSecp256r1, synth.TLSGroupSecp384r1)},
		synth.TLSExtension{Type: synth.TLSExtECPointFormats, Data: synth.TLSPointFormats(synth.TLSPointFormatUncompressed)},
		synth.TLSExtension{Type: synth.TLSExtSessionTicket},
		synth.TLSExtension{Type: synth.TLSExtALPN, Data: synth.TLSALPN("h2", "http/1.1")},
		synth.TLSExtension{Type: synth.TLSExtStatusRequest, Data: []byte{1, 0, 0, 0, 0}},
		synth.TLSExtension{Type: synth.TLSExtSignatureAlgorithms, Data: synth.TLSU16List(synth.TLSSigECDSASecp256r1SHA256, synth.TLSSigRSAPSSRSAESHA256,
			synth.TLSSigRSAPKCS1SHA256, synth.TLSSigECDSASecp384r1SHA384, synth.TLSSigRSAPSSRSAESHA384, synth.TLSSigRSAPKCS1SHA384)},
		synth.TLSExtension{Type: synth.TLSExtKeyShare, Data: synth.TLSKeyShares(
			synth.TLSExtension{Type: g(1), Data: []byte{0}},
			synth.TLSExtension{Type: synth.TLSGroupX25519, Data: synth.TLSFiller(seed+1, 32)})},
		synth.TLSExtension{Type: synth.TLSExtPSKModes, Data: []byte{1, 1}},
		synth.TLSExtension{Type: synth.TLSExtSupportedVersions, Data: synth.TLSClientVersions(g(2), synth.TLS13, synth.TLS12)},
		synth.TLSExtension{Type: g(3), Data: []byte{0}},
	)
	sid := synth.TLSRandom(seed + 100)
	return synth.TLSClientHelloMsg{
		Version: synth.TLS12, Random: synth.TLSRandom(seed), SessionID: sid[:],
		CipherSuites: []uint16{g(4), synth.TLSAES128GCMSHA256, synth.TLSAES256GCMSHA384, synth.TLSECDHEECDSAWithAES128GCM,
			synth.TLSECDHERSAWithAES128GCM, synth.TLSECDHERSAWithAES256GCM, synth.TLSECDHERSAWithChaCha20,
			synth.TLSECDHERSAWithAES128CBCSHA, synth.TLSRSAWithAES128GCMSHA256, synth.TLSRSAWithAES128CBCSHA, synth.TLSRSAWithAES256CBCSHA},
		Extensions: exts,
	}
}

// tlsStdServerHello returns the server's TLS 1.2 answer: ECDHE-ECDSA
// AES-128-GCM, renegotiation_info, extended master secret, point
// formats, plus extra extensions.
func tlsStdServerHello(seed byte, extra ...synth.TLSExtension) synth.TLSServerHelloMsg {
	sid := synth.TLSRandom(seed + 200)
	return synth.TLSServerHelloMsg{
		Version: synth.TLS12, Random: synth.TLSRandom(seed + 150), SessionID: sid[:], CipherSuite: synth.TLSECDHEECDSAWithAES128GCM,
		Extensions: append([]synth.TLSExtension{
			{Type: synth.TLSExtRenegotiationInfo, Data: []byte{0}},
			{Type: synth.TLSExtExtendedMasterSec},
			{Type: synth.TLSExtECPointFormats, Data: synth.TLSPointFormats(synth.TLSPointFormatUncompressed)},
		}, extra...),
	}
}

// tlsSess is a TLS conversation on a Conn at one record version. Every
// method sends whole segments and lets time pass; "encrypted" content is
// filler.
type tlsSess struct {
	c    *synth.Conn
	t    *synth.Trace
	v    uint16
	seed byte
	// rsa: RSA key exchange (no ServerKeyExchange, a 256-octet
	// encrypted premaster secret) instead of ECDHE.
	rsa bool
}

func (s *tlsSess) up(b []byte) {
	s.c.Send(synth.ToServer, b)
	s.t.Advance(2 * ms)
}

func (s *tlsSess) down(b []byte) {
	s.c.Send(synth.ToClient, b)
	s.t.Advance(2 * ms)
}

// hello sends a ClientHello in one handshake record of version recVer: 1
// packet.
func (s *tlsSess) hello(ch synth.TLSClientHelloMsg, recVer uint16) {
	s.up(synth.AppendTLSRecord(nil, synth.TLSHandshake, recVer, ch.Append(nil)))
}

// flight sends ServerHello, Certificate (chain), ServerKeyExchange
// (ECDHE) and ServerHelloDone in one record and one segment: 1 packet.
func (s *tlsSess) flight(sh synth.TLSServerHelloMsg, chain ...[]byte) {
	hs := sh.Append(nil)
	hs = synth.AppendTLSCertificate(hs, chain...)
	if !s.rsa {
		point := append([]byte{4}, synth.TLSFiller(s.seed+2, 64)...) // uncompressed P-256 point
		sig := append([]byte{0x30, 0x45}, synth.TLSFiller(s.seed+3, 69)...)
		hs = synth.AppendTLSServerKeyExchangeECDHE(hs, synth.TLSGroupSecp256r1, point, synth.TLSSigECDSASecp256r1SHA256, sig)
	}
	hs = synth.AppendTLSServerHelloDone(hs)
	s.down(synth.AppendTLSRecord(nil, synth.TLSHandshake, s.v, hs))
}

// clientFinish sends ClientKeyExchange, ChangeCipherSpec and the
// encrypted Finished (40 octets: explicit nonce, 12, tag) in one segment:
// 1 packet.
func (s *tlsSess) clientFinish() {
	var kx []byte
	if s.rsa {
		pms := append([]byte{1, 0}, synth.TLSFiller(s.seed+4, 256)...) // two-octet length, RSA ciphertext
		kx = synth.AppendTLSHandshake(nil, synth.TLSClientKeyExchange, pms)
	} else {
		kx = synth.AppendTLSClientKeyExchangeECDHE(nil, append([]byte{4}, synth.TLSFiller(s.seed+4, 64)...))
	}
	b := synth.AppendTLSRecord(nil, synth.TLSHandshake, s.v, kx)
	b = synth.AppendTLSChangeCipherSpec(b, s.v)
	b = synth.AppendTLSRecord(b, synth.TLSHandshake, s.v, synth.TLSFiller(s.seed+5, 40))
	s.up(b)
}

// serverFinish sends ChangeCipherSpec and the encrypted Finished: 1
// packet.
func (s *tlsSess) serverFinish() {
	b := synth.AppendTLSChangeCipherSpec(nil, s.v)
	s.down(synth.AppendTLSRecord(b, synth.TLSHandshake, s.v, synth.TLSFiller(s.seed+6, 40)))
}

// app sends an application data record of req octets and one of resp
// octets back: 2 packets.
func (s *tlsSess) app(req, resp int) {
	s.up(synth.AppendTLSRecord(nil, synth.TLSApplicationData, s.v, synth.TLSFiller(s.seed+7, req)))
	s.down(synth.AppendTLSRecord(nil, synth.TLSApplicationData, s.v, synth.TLSFiller(s.seed+8, resp)))
}

// bye sends the client's encrypted close_notify (26 octets) and closes
// the connection: 4 packets.
func (s *tlsSess) bye() {
	s.up(synth.AppendTLSRecord(nil, synth.TLSAlert, s.v, synth.TLSFiller(s.seed+9, 26)))
	s.c.Close(synth.ToServer)
}

// fatal sends a fatal alert in clear from the server and closes: 4
// packets.
func (s *tlsSess) fatal(desc byte) {
	s.down(synth.AppendTLSAlert(nil, s.v, synth.TLSFatal, desc))
	s.c.Close(synth.ToClient)
}

// rest completes a handshake after the ClientHello and exchanges one
// request and answer: flight, client finish, server finish, app, bye: 9
// packets.
func (s *tlsSess) rest(sh synth.TLSServerHelloMsg, chain ...[]byte) {
	s.flight(sh, chain...)
	s.clientFinish()
	s.serverFinish()
	s.app(120, 480)
	s.bye()
}
