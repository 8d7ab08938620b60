package tls

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestRecordJSON(t *testing.T) {
	hs := &Record{
		HasClientHello: true, ClientVersion: 0x0303, ClientVersions: []uint16{0x0304, 0x0303},
		ClientCipherSuites: []uint16{0x1301}, ClientExtensions: []uint16{0, 43}, SupportedGroups: []uint16{29},
		ECPointFormats: []uint8{0}, SignatureAlgorithms: []uint16{0x0403}, SNI: "plc.example", ALPNOffered: []string{"h2"},
		HasServerHello: true, HelloRetryRequest: true, ServerVersion: 0x0303, Version: 0x0304, CipherSuite: 0x1301,
		ServerExtensions: []uint16{43}, ALPN: "h2",
		JA3: Fingerprint{String: "771,4865,0-43,29,0", Hash: "h3"}, JA3S: Fingerprint{String: "771,4865,43", Hash: "h3s"},
		JA4: "t13d0102h2_x_y",
		Certificates: []Certificate{{Subject: "CN=plc.example", Issuer: "CN=CA", SubjectCN: "plc.example", IssuerCN: "CA",
			Serial: "0a", NotBefore: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
			DNSNames: []string{"plc.example"}, IPAddresses: []string{"192.0.2.1"}, KeyType: "ECDSA", KeyBits: 256,
			SignatureAlgorithm: "SHA256-RSA", FingerprintSHA256: "ff"},
			{FingerprintSHA256: "ee", ParseError: "x509: malformed"}},
		ClientCertificates: []Certificate{{Subject: "CN=c", Issuer: "CN=c", SubjectCN: "c", IssuerCN: "c", SelfSigned: true,
			KeyType: "Ed25519", KeyBits: 256, FingerprintSHA256: "dd"}},
	}
	leaf := `{"subject":"CN=plc.example","issuer":"CN=CA","subject_cn":"plc.example","issuer_cn":"CA","serial":"0a",
		"not_before":"2024-01-01T00:00:00Z","not_after":"2025-01-01T00:00:00Z","sans":["plc.example","192.0.2.1"],
		"self_signed":false,"key_type":"ECDSA","key_bits":256,"signature_algorithm":"SHA256-RSA","fingerprint_sha256":"ff"}`
	client := `{"subject":"CN=c","issuer":"CN=c","subject_cn":"c","issuer_cn":"c","not_before":"0001-01-01T00:00:00Z",
		"not_after":"0001-01-01T00:00:00Z","self_signed":true,"key_type":"Ed25519","key_bits":256,"fingerprint_sha256":"dd"}`
	tests := []struct {
		name string
		r    *Record
		want string
	}{
		{"handshake", hs, `{"sni":"plc.example","version":"TLS 1.3","version_code":772,"client_version":"TLS 1.2",
			"client_versions":["TLS 1.3","TLS 1.2"],"cipher_suite":"TLS_AES_128_GCM_SHA256","cipher_suite_code":4865,
			"alpn":"h2","alpn_offered":["h2"],"ja3":{"string":"771,4865,0-43,29,0","hash":"h3"},
			"ja3s":{"string":"771,4865,43","hash":"h3s"},"ja4":"t13d0102h2_x_y","hello_retry_request":true,
			"client_hello":{"cipher_suites":[4865],"extensions":[0,43],"supported_groups":[29],"ec_point_formats":[0],"signature_algorithms":[1027]},
			"server_extensions":[43],"certificate":` + leaf + `,"chain":[` + leaf + `,{"fingerprint_sha256":"ee","parse_error":"x509: malformed"}],
			"client_certificate":` + client + `,"client_chain":[` + client + `]}`},
		{"client hello only, no supported_versions", &Record{HasClientHello: true, ClientVersion: 0x0301, SSLv2ClientHello: true,
			ClientCipherSuites: []uint16{4}}, `{"client_version":"TLS 1.0","client_versions":["TLS 1.0"],"sslv2_client_hello":true,
			"client_hello":{"cipher_suites":[4],"extensions":[]}}`},
		{"alert", &Record{Alert: &Alert{Level: 2, Description: 40}}, `{"alert":{"level":"fatal","description":"handshake_failure","code":40}}`},
		{"unknown names", &Record{HasServerHello: true, Version: 0x0305, CipherSuite: 0xabcd, Alert: &Alert{Level: 3, Description: 200}},
			`{"alert":{"level":"unknown","description":"unknown","code":200},"version":"0x0305","version_code":773,
			"cipher_suite":"0xABCD","cipher_suite_code":43981}`},
	}
	for _, tc := range tests {
		b, err := json.Marshal(tc.r)
		if err != nil {
			t.Fatal(err)
		}
		var got, want any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
			t.Fatalf("%s: bad want: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, b, tc.want)
		}
	}
}

func TestNames(t *testing.T) {
	for v, want := range map[uint16]string{0x0002: "SSL 2.0", 0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1",
		0x0303: "TLS 1.2", 0x0304: "TLS 1.3", 0x7f1c: "TLS 1.3 draft 28", 0x3a3a: "GREASE", 0x0200: "0x0200"} {
		if got := VersionName(v); got != want {
			t.Errorf("VersionName(%#x) = %q, want %q", v, got, want)
		}
	}
	// IANA names (RFC 5246 A.5, RFC 8446 B.4, RFC 5746, RFC 7507).
	for id, want := range map[uint16]string{0x0004: "TLS_RSA_WITH_RC4_128_MD5", 0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
		0xc02f: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x00ff: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
		0x5600: "TLS_FALLBACK_SCSV", 0x0a0a: "GREASE", 0xfefe: "0xFEFE"} {
		if got := CipherSuiteName(id); got != want {
			t.Errorf("CipherSuiteName(%#x) = %q, want %q", id, got, want)
		}
	}
	for d, want := range map[uint8]string{0: "close_notify", 20: "bad_record_mac", 48: "unknown_ca", 70: "protocol_version",
		112: "unrecognized_name", 120: "no_application_protocol", 255: "unknown"} {
		if got := AlertDescriptionName(d); got != want {
			t.Errorf("AlertDescriptionName(%d) = %q, want %q", d, got, want)
		}
	}
	if ExtensionName(16) != "application_layer_protocol_negotiation" || ExtensionName(0x2a2a) != "GREASE" || ExtensionName(0x1234) != "0x1234" {
		t.Error("extension names")
	}
}
