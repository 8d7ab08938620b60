package tls

import (
	"slices"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

// TestServerHelloTable covers negotiation, HelloRetryRequest and the
// version checks of a ServerHello.
func TestServerHelloTable(t *testing.T) {
	tls13CH := hsClientHelloBody([]uint16{0x1301, 0x1302},
		hsExt(16, unhex(t, "0003 02 6832")),        // ALPN h2
		hsExt(43, unhex(t, "04 0304 0303")),        // supported_versions TLS 1.3, 1.2
		hsExt(51, unhex(t, "0006 0017 0002 0401")), // key_share: a (too short) P-256 share
	)
	tls12CH := hsClientHelloBody([]uint16{0xc02f, 0x002f}, hsExt(0xff01, unhex(t, "00")))
	sv13 := hsExt(43, unhex(t, "0304"))         // selected_version TLS 1.3
	ks := hsExt(51, unhex(t, "001d 0002 0102")) // key_share x25519
	tests := []struct {
		name      string
		steps     []hsStep
		anomalies string
		check     func(*Record) bool
	}{
		{"TLS 1.3 via supported_versions",
			[]hsStep{ch(tls13CH), sh(hsServerHelloBody(0x0303, nil, 0x1301, sv13, ks, hsExt(16, unhex(t, "0003 02 6832"))))}, "",
			func(r *Record) bool {
				return r.Version == VersionTLS13 && r.ServerVersion == VersionTLS12 && r.CipherSuite == 0x1301 && r.ALPN == "h2" &&
					slices.Equal(r.ServerExtensions, []uint16{43, 51, 16}) && r.JA3S.String == "771,4865,43-51-16" && !r.HelloRetryRequest
			}},
		{"TLS 1.2 by legacy_version",
			[]hsStep{ch(tls12CH), sh(hsServerHelloBody(0x0303, nil, 0xc02f, hsExt(0xff01, unhex(t, "00"))))}, "",
			func(r *Record) bool { return r.Version == VersionTLS12 && r.JA3S.String == "771,49199,65281" }},
		{"HelloRetryRequest then ServerHello",
			[]hsStep{ch(tls13CH),
				sh(hsServerHelloBody(0x0303, hrrRandom[:], 0x1301, sv13, hsExt(51, unhex(t, "001d")))), // HRR: selected group only
				ch(tls13CH),
				sh(hsServerHelloBody(0x0303, nil, 0x1302, sv13, ks))}, "",
			func(r *Record) bool {
				return r.HelloRetryRequest && r.CipherSuite == 0x1302 && r.Version == VersionTLS13
			}},
		{"second ServerHello without HRR",
			[]hsStep{ch(tls12CH), sh(hsServerHelloBody(0x0303, nil, 0xc02f)), sh(hsServerHelloBody(0x0303, nil, 0x002f))},
			"tls.invalid_handshake_message", func(r *Record) bool { return r.CipherSuite == 0xc02f }},
		{"second ClientHello without HRR",
			[]hsStep{ch(tls12CH), ch(tls13CH)}, "tls.invalid_handshake_message",
			func(r *Record) bool { return r.ClientVersions == nil }},
		{"TLS 1.3 not offered by a TLS 1.2 client",
			[]hsStep{ch(tls12CH), sh(hsServerHelloBody(0x0303, nil, 0x1301, sv13))}, "tls.unknown_version", nil},
		{"TLS 1.2 answer to a TLS 1.0 client",
			[]hsStep{ch(append([]byte{3, 1}, tls12CH[2:]...)), sh(hsServerHelloBody(0x0303, nil, 0x002f))}, "tls.unknown_version", nil},
		{"SSL 3.0 answer to a TLS 1.2 client",
			[]hsStep{ch(tls12CH), sh(hsServerHelloBody(0x0300, nil, 0x002f))}, "",
			func(r *Record) bool { return r.Version == VersionSSL30 }},
		{"legacy_version 0x0200", []hsStep{sh(hsServerHelloBody(0x0200, nil, 0x002f))}, "tls.unknown_version", nil},
		{"selected_version cut", []hsStep{sh(hsServerHelloBody(0x0303, nil, 0x1301, hsExt(43, unhex(t, "03"))))}, "tls.invalid_handshake_length", nil},
		{"TLS 1.3 draft 18 layout (no session id, no compression)",
			[]hsStep{sh(unhex(t, "7f12"+strings.Repeat("00", 32)+"1301 0006 0033 0002 001d"))}, "tls.invalid_handshake_length", // key_share too short
			func(r *Record) bool {
				return r.Version == 0x7f12 && r.CipherSuite == 0x1301 && VersionName(r.Version) == "TLS 1.3 draft 18"
			}},
		{"draft HelloRetryRequest message (type 6)",
			[]hsStep{ch(tls13CH), {dissectors.ToClient, hsHelloRetryRequest, unhex(t, "7f12 0000")}, ch(tls13CH),
				sh(hsServerHelloBody(0x0303, nil, 0x1301, sv13))}, "",
			func(r *Record) bool { return r.HelloRetryRequest && r.HasServerHello }},
		{"undefined handshake type", []hsStep{{dissectors.ToClient, 99, nil}}, "tls.invalid_handshake_message", nil},
		{"ServerHello cut after the random", []hsStep{sh(unhex(t, "0303"+strings.Repeat("00", 32)))}, "tls.invalid_handshake_length",
			func(r *Record) bool { return !r.HasServerHello }},
	}
	for _, tc := range tests {
		r, an := hsRun(tc.steps...)
		if strings.Join(an, ",") != tc.anomalies {
			t.Errorf("%s: anomalies %v, want %q", tc.name, an, tc.anomalies)
		}
		if tc.check != nil && !tc.check(r) {
			t.Errorf("%s: fields %+v", tc.name, r)
		}
	}
}

// TestHelloRetryPending: the decoder tells the parser that a
// HelloRetryRequest's ServerHello is still to come.
func TestHelloRetryPending(t *testing.T) {
	var d hsDecoder
	var r Record
	var f findings
	d.message(dissectors.ToClient, hsServerHello, hsServerHelloBody(0x0303, hrrRandom[:], 0x1301, hsExt(43, unhex(t, "0304"))), &r, &f)
	if !d.helloRetryPending() || !r.HelloRetryRequest {
		t.Fatal("HRR not pending")
	}
	d.message(dissectors.ToClient, hsServerHello, hsServerHelloBody(0x0303, nil, 0x1301, hsExt(43, unhex(t, "0304"))), &r, &f)
	if d.helloRetryPending() || !r.HelloRetryRequest {
		t.Fatal("HRR still pending after the ServerHello")
	}
	d.reset(&r)
	if r.HelloRetryRequest || r.HasServerHello || d.helloRetryPending() {
		t.Fatal("reset kept state")
	}
}
