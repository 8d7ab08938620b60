package synth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/hex"
	"net"
	"testing"
	"time"
)

// TestTLSEncoders checks each builder against octets written out by hand
// from the RFCs.
func TestTLSEncoders(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		// RFC 5246 6.2.1: type 22, version 3.3, length 0x0005, fragment.
		{"record", AppendTLSRecord(nil, TLSHandshake, TLS12, []byte{1, 2, 3, 4, 5}), "1603030005" + "0102030405"},
		// A header may lie: type 99, version 0x0305, length 2^14+2049.
		{"record header", AppendTLSRecordHeader(nil, 99, 0x0305, 1<<14+2049), "63" + "0305" + "4801"},
		// Two records of at most 3 octets.
		{"records", AppendTLSRecords(nil, TLSApplicationData, TLS12, []byte("abcde"), 3), "1703030003616263" + "17030300026465"},
		// RFC 5246 7.2: level fatal (2), protocol_version (70).
		{"alert", AppendTLSAlert(nil, TLS12, TLSFatal, TLSProtocolVersion), "1503030002" + "0246"},
		{"ccs", AppendTLSChangeCipherSpec(nil, TLS12), "1403030001" + "01"},
		// Handshake header: type 2, uint24 length.
		{"handshake", AppendTLSHandshake(nil, TLSServerHello, []byte{0xaa}), "02000001aa"},
		{"handshake header", AppendTLSHandshakeHeader(nil, TLSClientHello, 100*1024), "01019000"},
		{"server hello done", AppendTLSServerHelloDone(nil), "0e000000"},
		// RFC 5246 7.4.2: type 11, length 10, list length 7, two
		// certificates of 1 and 0 octets (3+1, 3+0).
		{"certificate", AppendTLSCertificate(nil, []byte{0x30}, nil), "0b00000a" + "000007" + "00000130" + "000000"},
		// RFC 6520 4: type 24, length 3+3+2; request (1), claimed length
		// 0x4000, payload "ABC", padding 2 octets.
		{"heartbeat", AppendTLSHeartbeat(nil, TLS12, TLSHeartbeatRequest, 0x4000, []byte("ABC"), []byte{0, 0}), "1803030008" + "01" + "4000" + "414243" + "0000"},
		// RFC 6066 3: list length 0x0013, host_name (0), length 0x0010,
		// "plc1.plant.local".
		{"sni", TLSSNI("plc1.plant.local"), "0013" + "00" + "0010" + hex.EncodeToString([]byte("plc1.plant.local"))},
		// Two names: list length 2*(3+1).
		{"two sni", TLSSNI("a", "b"), "0008" + "00000161" + "00000162"},
		// RFC 8446 4.2.1: one-octet length 4, TLS 1.3, TLS 1.2.
		{"supported versions", TLSClientVersions(TLS13, TLS12), "04" + "0304" + "0303"},
		// RFC 8422 5.1.1: two-octet length 4, x25519, secp256r1.
		{"groups", TLSU16List(TLSGroupX25519, TLSGroupSecp256r1), "0004" + "001d" + "0017"},
		{"point formats", TLSPointFormats(TLSPointFormatUncompressed), "0100"},
		// RFC 7301 3.1: list length 12, "h2" (2), "http/1.1" (8).
		{"alpn", TLSALPN("h2", "http/1.1"), "000c" + "026832" + "08687474702f312e31"},
		// RFC 8446 4.2.8: client_shares length 8, x25519, key length 4.
		{"key share", TLSKeyShares(TLSExtension{Type: TLSGroupX25519, Data: []byte{1, 2, 3, 4}}), "0008" + "001d" + "0004" + "01020304"},
		{"extensions", AppendTLSExtensions(nil, []TLSExtension{{Type: TLSExtSupportedVersions, Data: []byte{0x03, 0x04}}, {Type: TLSExtSessionTicket}}),
			"000a" + "002b00020304" + "00230000"},
		// RFC 5246 E.2: length 0x8000|(9+3+0+16), msg_type 1, version
		// 3.1, cipher_spec_length 3, session_id_length 0,
		// challenge_length 16, spec 0x00002f, challenge.
		{"sslv2 hello", AppendSSLv2ClientHello(nil, TLS10, []uint32{0x00002f}, nil, bytes.Repeat([]byte{0xcc}, 16)),
			"801c" + "01" + "0301" + "0003" + "0000" + "0010" + "00002f" + "cccccccccccccccccccccccccccccccc"},
		// RFC 8422 5.4: length 3+1+2+2+2+1 = 11; named_curve (3),
		// secp256r1, point length 2, point, algorithm 0x0403, signature
		// length 1, signature.
		{"server key exchange", AppendTLSServerKeyExchangeECDHE(nil, TLSGroupSecp256r1, []byte{4, 9}, TLSSigECDSASecp256r1SHA256, []byte{0x30}),
			"0c00000b" + "030017" + "02" + "0409" + "0403" + "0001" + "30"},
		{"client key exchange", AppendTLSClientKeyExchangeECDHE(nil, []byte{4, 7}), "10000003" + "02" + "0407"},
	} {
		if want := unhex(t, tc.want); !bytes.Equal(tc.got, want) {
			t.Errorf("%s:\n got %x\nwant %x", tc.name, tc.got, want)
		}
	}
}

// TestTLSHellos checks ClientHello and ServerHello bodies field by field
// (RFC 5246 7.4.1.2 and 7.4.1.3).
func TestTLSHellos(t *testing.T) {
	var r [32]byte
	for i := range r {
		r[i] = byte(i)
	}
	rnd := hex.EncodeToString(r[:])
	ch := TLSClientHelloMsg{Version: TLS12, Random: r, SessionID: []byte{0xee}, CipherSuites: []uint16{TLSGrease(0), TLSECDHERSAWithAES128GCM},
		Extensions: []TLSExtension{{Type: TLSGrease(1)}, {Type: TLSExtServerName, Data: TLSSNI("x")}}}
	// type 1, length 2+32+2+2+4+2+2+14 = 60; version, random, session id (1: ee), suites (4:
	// 0a0a c02f), compression (1: null), extensions (14: 1a1a empty;
	// server_name of 6).
	want := "01" + "00003c" + "0303" + rnd + "01ee" + "0004" + "0a0a" + "c02f" + "0100" + "000e" + "1a1a0000" + "00000006" + "0004" + "00000178"
	if got := ch.Append(nil); !bytes.Equal(got, unhex(t, want)) {
		t.Errorf("ClientHello:\n got %x\nwant %s", got, want)
	}
	ch.NoExtensions = true
	if got := ch.Body(nil); len(got) != 2+32+2+2+4+2 {
		t.Errorf("ClientHello without extensions: %d octets %x", len(got), got)
	}
	sh := TLSServerHelloMsg{Version: TLS12, Random: r, CipherSuite: TLSAES128GCMSHA256,
		Extensions: []TLSExtension{{Type: TLSExtSupportedVersions, Data: []byte{0x03, 0x04}}}}
	// type 2; version, random, empty session id, suite 1301,
	// compression 0, extensions (6: supported_versions 0304).
	want = "02" + "00002e" + "0303" + rnd + "00" + "1301" + "00" + "0006" + "002b00020304"
	if got := sh.Append(nil); !bytes.Equal(got, unhex(t, want)) {
		t.Errorf("ServerHello:\n got %x\nwant %s", got, want)
	}
	// RFC 8701 2: 0x0A0A, 0x1A1A, ..., 0xFAFA.
	for i, w := range []uint16{0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a, 0x5a5a, 0x6a6a, 0x7a7a, 0x8a8a, 0x9a9a, 0xaaaa, 0xbaba, 0xcaca, 0xdada, 0xeaea, 0xfafa} {
		if g := TLSGrease(i); g != w {
			t.Errorf("TLSGrease(%d) = %#04x, want %#04x", i, g, w)
		}
	}
}

// TestTLSCertDER checks that certificates are reproducible, parse with
// crypto/x509 and carry what was asked.
func TestTLSCertDER(t *testing.T) {
	c := TLSCert{CommonName: "plc1.plant.local", Organization: "Acme Plant", DNSNames: []string{"plc1.plant.local"},
		IPs: []net.IP{net.IPv4(10, 0, 0, 21)}, Serial: 0x2001, IssuerCN: "Acme Plant Root CA",
		NotBefore: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC)}
	a, err := TLSCertDER(c)
	if err != nil {
		t.Fatal(err)
	}
	b, err := TLSCertDER(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("two calls made different certificates")
	}
	x, err := x509.ParseCertificate(a)
	if err != nil {
		t.Fatal(err)
	}
	if x.Subject.CommonName != c.CommonName || x.Issuer.CommonName != c.IssuerCN || x.SerialNumber.Int64() != c.Serial ||
		!x.NotAfter.Equal(c.NotAfter) || len(x.DNSNames) != 1 || !x.IPAddresses[0].Equal(c.IPs[0]) {
		t.Errorf("parsed %v issued by %v, serial %v, until %v, SANs %v %v", x.Subject, x.Issuer, x.SerialNumber, x.NotAfter, x.DNSNames, x.IPAddresses)
	}
	if _, ok := x.PublicKey.(*ecdsa.PublicKey); !ok || x.SignatureAlgorithm != x509.PureEd25519 {
		t.Errorf("key %T, signature %v: want ECDSA signed with Ed25519", x.PublicKey, x.SignatureAlgorithm)
	}
	c.IssuerCN = ""
	self, err := TLSCertDER(c)
	if err != nil {
		t.Fatal(err)
	}
	x, err = x509.ParseCertificate(self)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := x.PublicKey.(ed25519.PublicKey); !ok || x.Issuer.String() != x.Subject.String() {
		t.Errorf("self-signed: key %T, issuer %v, subject %v", x.PublicKey, x.Issuer, x.Subject)
	}
	if err := x.CheckSignature(x.SignatureAlgorithm, x.RawTBSCertificate, x.Signature); err != nil {
		t.Errorf("self-signed certificate does not verify: %v", err)
	}
}
