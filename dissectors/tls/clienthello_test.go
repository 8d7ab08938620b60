package tls

import (
	ctls "crypto/tls"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

// goClientHello returns the body of the ClientHello Go's crypto/tls
// client sends with cfg, read from the other end of a net.Pipe.
func goClientHello(tb testing.TB, cfg *ctls.Config) []byte {
	tb.Helper()
	c, s := net.Pipe()
	defer s.Close()
	go func() {
		cl := ctls.Client(c, cfg)
		cl.SetDeadline(time.Now().Add(2 * time.Second))
		cl.Handshake() // fails once the test closes its end
		c.Close()
	}()
	s.SetDeadline(time.Now().Add(2 * time.Second))
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(s, hdr); err != nil {
		tb.Fatal(err)
	}
	rec := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(s, rec); err != nil {
		tb.Fatal(err)
	}
	if hdr[0] != 22 || rec[0] != hsClientHello {
		tb.Fatalf("not a ClientHello record: % x", hdr)
	}
	n := int(rec[1])<<16 | int(rec[2])<<8 | int(rec[3])
	if 4+n > len(rec) {
		tb.Fatalf("ClientHello of %d octets spans records", n)
	}
	return rec[4 : 4+n]
}

// TestGoClientHello decodes what Go's crypto/tls client really sends.
func TestGoClientHello(t *testing.T) {
	body := goClientHello(t, &ctls.Config{ServerName: "plc.example.com", NextProtos: []string{"h2", "http/1.1"},
		MinVersion: ctls.VersionTLS12, InsecureSkipVerify: true})
	var d hsDecoder
	var r Record
	var f findings
	d.message(dissectors.ToServer, hsClientHello, body, &r, &f)
	if !f.Empty() {
		t.Fatalf("anomalies %v", f.Names(Anomalies))
	}
	if r.SNI != "plc.example.com" || !slices.Equal(r.ALPNOffered, []string{"h2", "http/1.1"}) {
		t.Errorf("SNI %q ALPN %q", r.SNI, r.ALPNOffered)
	}
	if r.ClientVersion != VersionTLS12 || !slices.Equal(r.ClientVersions, []uint16{VersionTLS13, VersionTLS12}) {
		t.Errorf("versions %#x %#x", r.ClientVersion, r.ClientVersions)
	}
	for _, e := range []uint16{extServerName, extSupportedGroups, extSignatureAlgorithms, extALPN, extSupportedVersions, extKeyShare} {
		if !slices.Contains(r.ClientExtensions, e) {
			t.Errorf("extension %d missing from %v", e, r.ClientExtensions)
		}
	}
	if !slices.Contains(r.ClientCipherSuites, ctls.TLS_AES_128_GCM_SHA256) || !slices.Contains(r.SupportedGroups, uint16(ctls.X25519)) ||
		!slices.Contains(r.SignatureAlgorithms, uint16(ctls.ECDSAWithP256AndSHA256)) || !slices.Equal(r.ECPointFormats, []uint8{0}) {
		t.Errorf("suites %x groups %x sigalgs %x formats %v", r.ClientCipherSuites, r.SupportedGroups, r.SignatureAlgorithms, r.ECPointFormats)
	}
	// JA3 string starts with the legacy version, JA4 with TLS 1.3, SNI, h2.
	if !strings.HasPrefix(r.JA3.String, "771,") || len(r.JA3.Hash) != 32 {
		t.Errorf("JA3 %+v", r.JA3)
	}
	if !strings.HasPrefix(r.JA4, "t13d") || r.JA4[8:10] != "h2" || len(r.JA4) != 36 {
		t.Errorf("JA4 %s", r.JA4)
	}
}

// hsRun decodes messages into a fresh record and returns it with the
// anomaly names.
type hsStep struct {
	dir  dissectors.Direction
	typ  uint8
	body []byte
}

func hsRun(steps ...hsStep) (*Record, []string) {
	var d hsDecoder
	r := &Record{}
	var f findings
	for _, s := range steps {
		if s.typ == 0xff {
			d.sslv2ClientHello(s.body, r, &f)
		} else {
			d.message(s.dir, s.typ, s.body, r, &f)
		}
	}
	return r, f.Names(Anomalies)
}

func ch(body []byte) hsStep { return hsStep{dissectors.ToServer, hsClientHello, body} }
func sh(body []byte) hsStep { return hsStep{dissectors.ToClient, hsServerHello, body} }

// TestClientHelloTable covers the extension decoders and the anomalies of
// a ClientHello.
func TestClientHelloTable(t *testing.T) {
	suites := []uint16{0x1301, 0xc02f}
	tests := []struct {
		name      string
		body      []byte
		sni       string
		anomalies string // comma-joined, in Anomalies order
		check     func(*Record) bool
	}{
		{"SNI, ALPN, groups, formats, sigalgs, versions",
			hsClientHelloBody(suites,
				hsExt(0, hsSNI("example.org")),
				hsExt(10, unhex(t, "0006 001d 0017 0018")),                                  // x25519, P-256, P-384
				hsExt(11, unhex(t, "02 00 01")),                                             // uncompressed, ansiX962_compressed_prime
				hsExt(13, unhex(t, "0004 0403 0804")),                                       // ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256
				hsExt(16, unhex(t, "000c 02 6832 08 687474702f312e31")),                     // h2, http/1.1
				hsExt(43, unhex(t, "06 2a2a 0304 0303")),                                    // GREASE, TLS 1.3, TLS 1.2
				hsExt(51, unhex(t, "0029 2a2a 0001 00 001d 0020"+strings.Repeat("11", 32))), // GREASE share, x25519 share
			), "example.org", "",
			func(r *Record) bool {
				return slices.Equal(r.SupportedGroups, []uint16{29, 23, 24}) && slices.Equal(r.ECPointFormats, []uint8{0, 1}) &&
					slices.Equal(r.SignatureAlgorithms, []uint16{0x0403, 0x0804}) && slices.Equal(r.ALPNOffered, []string{"h2", "http/1.1"}) &&
					slices.Equal(r.ClientVersions, []uint16{0x0304, 0x0303}) && slices.Equal(r.ClientExtensions, []uint16{0, 10, 11, 13, 16, 43, 51})
			}},
		{"two host_names: first kept", hsClientHelloBody(suites, hsExt(0, hsSNI("a.example", "b.example"))), "a.example", "tls.multiple_sni", nil},
		{"IPv4 literal", hsClientHelloBody(suites, hsExt(0, hsSNI("192.0.2.1"))), "192.0.2.1", "tls.invalid_sni", nil},
		{"IPv6 literal", hsClientHelloBody(suites, hsExt(0, hsSNI("2001:db8::1"))), "2001:db8::1", "tls.invalid_sni", nil},
		{"empty host_name", hsClientHelloBody(suites, hsExt(0, hsSNI(""))), "", "tls.invalid_sni", nil},
		{"non-ASCII host_name", hsClientHelloBody(suites, hsExt(0, hsSNI("ex\xc3\xa4mple.org"))), "ex\xc3\xa4mple.org", "tls.invalid_sni", nil},
		{"host_name of 254 octets", hsClientHelloBody(suites, hsExt(0, hsSNI(strings.Repeat("a", 254)))), strings.Repeat("a", 254), "tls.invalid_sni", nil},
		{"digits that are a name", hsClientHelloBody(suites, hsExt(0, hsSNI("1.2.3.4.example"))), "1.2.3.4.example", "", nil},
		{"duplicate extension", hsClientHelloBody(suites, hsExt(0, hsSNI("a.example")), hsExt(0, hsSNI("b.example"))), "a.example", "tls.invalid_handshake_message",
			func(r *Record) bool { return slices.Equal(r.ClientExtensions, []uint16{0, 0}) }},
		{"extension longer than the block", append(hsClientHelloBody(suites), unhex(t, "0006 0000 0010 0000")...), "",
			"tls.invalid_handshake_length", nil},
		{"SNI list length past the extension", hsClientHelloBody(suites, hsExt(0, unhex(t, "0010 00 0003 616263"))), "", "tls.invalid_handshake_length", nil},
		{"odd supported_groups", hsClientHelloBody(suites, hsExt(10, unhex(t, "0003 001d 00"))), "", "tls.invalid_handshake_message", nil},
		{"unknown supported version", hsClientHelloBody(suites, hsExt(43, unhex(t, "04 0304 0305"))), "", "tls.unknown_version", nil},
		{"empty ALPN name", hsClientHelloBody(suites, hsExt(16, unhex(t, "0003 00 01 61"))), "", "tls.invalid_handshake_message", nil},
		{"no extensions block (TLS 1.0 style)", hsClientHelloBody(suites), "", "",
			func(r *Record) bool { return r.HasClientHello && len(r.ClientExtensions) == 0 }},
		{"odd cipher_suites", unhex(t, "0303"+strings.Repeat("00", 32)+"00 0003 130113 0100"), "", "tls.invalid_handshake_message", nil},
		{"cut in the random", unhex(t, "0303 0000"), "", "tls.invalid_handshake_length",
			func(r *Record) bool { return !r.HasClientHello }},
		{"bytes after the extensions", append(hsClientHelloBody(suites, hsExt(23, nil)), 0xff), "", "tls.invalid_handshake_length", nil},
		{"legacy_version 0x0305", append([]byte{3, 5}, hsClientHelloBody(suites)[2:]...), "", "tls.unknown_version", nil},
	}
	for _, tc := range tests {
		r, an := hsRun(ch(tc.body))
		if r.SNI != tc.sni || strings.Join(an, ",") != tc.anomalies {
			t.Errorf("%s: SNI %q anomalies %v, want %q %q", tc.name, r.SNI, an, tc.sni, tc.anomalies)
		}
		if tc.check != nil && !tc.check(r) {
			t.Errorf("%s: fields %+v", tc.name, r)
		}
	}
}

// TestGREASEValues checks the RFC 8701 list: 0x0a0a, 0x1a1a, ..., 0xfafa
// and nothing else.
func TestGREASEValues(t *testing.T) {
	n := 0
	for v := 0; v < 0x10000; v++ {
		if isGREASE(uint16(v)) {
			n++
			if v&0xff != 0x0a|(v>>12)<<4 || v>>8 != v&0xff {
				t.Errorf("%#04x is not GREASE", v)
			}
		}
	}
	if n != 16 {
		t.Errorf("%d GREASE values, want 16", n)
	}
}

// TestSSLv2ClientHello decodes an SSLv2-compatible ClientHello (RFC 5246
// E.2): TLS 1.0 client, 3 cipher specs of which 2 are TLS suites.
func TestSSLv2ClientHello(t *testing.T) {
	body := unhex(t, `
		01        # CLIENT-HELLO
		0301      # version TLS 1.0
		0009      # cipher_spec_length: 3 specs
		0000      # session_id_length
		0010      # challenge_length 16
		010080    # SSL_CK_RC4_128_WITH_MD5 (SSL 2.0 only)
		000004    # TLS_RSA_WITH_RC4_128_MD5
		00002f    # TLS_RSA_WITH_AES_128_CBC_SHA
		000102030405060708090a0b0c0d0e0f # challenge`)
	r, an := hsRun(hsStep{typ: 0xff, body: body})
	if len(an) != 0 || !r.SSLv2ClientHello || !r.HasClientHello || r.ClientVersion != VersionTLS10 ||
		!slices.Equal(r.ClientCipherSuites, []uint16{4, 0x2f}) {
		t.Fatalf("%+v %v", r, an)
	}
	if r.JA3.String != "769,4-47,,," || !strings.HasPrefix(r.JA4, "t10i0200") {
		t.Errorf("JA3 %q JA4 %q", r.JA3.String, r.JA4)
	}
	// The cipher specs run past the record.
	if _, an := hsRun(hsStep{typ: 0xff, body: body[:20]}); strings.Join(an, ",") != "tls.invalid_handshake_length" {
		t.Errorf("short: %v", an)
	}
	// SSL 2.0 proper, and an unknown version.
	b2 := append([]byte{1, 0, 2}, body[3:]...)
	if r, an := hsRun(hsStep{typ: 0xff, body: b2}); len(an) != 0 || r.ClientVersion != VersionSSL20 || !strings.HasPrefix(r.JA4, "ts2") {
		t.Errorf("SSL 2.0: %v %s", an, r.JA4)
	}
	b3 := append([]byte{1, 0x7f, 0}, body[3:]...)
	if _, an := hsRun(hsStep{typ: 0xff, body: b3}); strings.Join(an, ",") != "tls.unknown_version" {
		t.Errorf("version 0x7f00: %v", an)
	}
}
