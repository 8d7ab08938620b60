package tls

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors/internal/corpus"
)

// TestJA4SpecExample rebuilds the worked example of the FoxIO JA4
// specification (technical_details/JA4.md): a TLS 1.3 ClientHello with
// SNI, 15 ciphers, 16 extensions, ALPN h2, whose fingerprint is
// t13d1516h2_8daaf6152771_e5627efa2ab1 (JA4_c's input string and its
// hash are given there too).
func TestJA4SpecExample(t *testing.T) {
	r := Record{
		ClientVersion:  0x0303,
		ClientVersions: []uint16{0x0304, 0x0303},
		// the spec's cipher list, in original order, with a GREASE value
		ClientCipherSuites: []uint16{0x5a5a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
			0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035},
		// the spec's extension list, in original order, plus GREASE
		ClientExtensions: []uint16{0x0a0a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
			0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0x1a1a},
		SignatureAlgorithms: []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601},
		ALPNOffered:         []string{"h2", "http/1.1"},
	}
	var d hsDecoder
	if got, want := d.ja4(&r), "t13d1516h2_8daaf6152771_e5627efa2ab1"; got != want {
		t.Errorf("JA4 %s, want %s", got, want)
	}
	// Without signature algorithms JA4_c hashes the extension list alone
	// (the spec: "= 6d807ffa2a79").
	r.SignatureAlgorithms = nil
	if got, want := d.ja4(&r), "t13d1516h2_8daaf6152771_6d807ffa2a79"; got != want {
		t.Errorf("JA4 without signature algorithms %s, want %s", got, want)
	}
}

// TestJA4Parts checks JA4_a's rules one by one (FoxIO JA4.md): version
// from supported_versions or legacy_version, "d"/"i", counts capped at
// 99, ALPN characters (hex rule for non-alphanumeric octets), and the
// all-zero hash of an empty list.
func TestJA4Parts(t *testing.T) {
	tests := []struct {
		name string
		r    Record
		want string // JA4_a, or the whole JA4 when it contains '_'
	}{
		{"SSL 3.0 legacy, no SNI, no ALPN", Record{ClientVersion: 0x0300, ClientCipherSuites: []uint16{4, 5}}, "ts3i020000"},
		{"SSLv2 hello", Record{ClientVersion: 0x0002, ClientCipherSuites: []uint16{4}}, "ts2i010000"},
		{"TLS 1.3 draft is unknown", Record{ClientVersion: 0x0303, ClientVersions: []uint16{0x7f1c, 0x0303}}, "t00i000000"},
		{"supported_versions wins", Record{ClientVersion: 0x0301, ClientVersions: []uint16{0x0302, 0x0303}}, "t12i000000"},
		{"100 ciphers → 99", Record{ClientVersion: 0x0303, ClientCipherSuites: make([]uint16, 100)}, "t12i9900"},
		{"http/1.1 → h1", Record{ClientVersion: 0x0303, ClientExtensions: []uint16{0, 16}, ALPNOffered: []string{"http/1.1"}}, "t12d0002h1"},
		{"single character", Record{ClientVersion: 0x0303, ClientExtensions: []uint16{16}, ALPNOffered: []string{"x"}}, "t12i0001xx"},
		{"0xAB → ab", Record{ClientVersion: 0x0303, ALPNOffered: []string{"\xab"}}, "t12i0000ab"},
		{"0xAB 0xCD → ad", Record{ClientVersion: 0x0303, ALPNOffered: []string{"\xab\xcd"}}, "t12i0000ad"},
		{"0x30 0xAB → 3b", Record{ClientVersion: 0x0303, ALPNOffered: []string{"0\xab"}}, "t12i00003b"},
		{"0x30 0x31 0xAB 0xCD → 3d", Record{ClientVersion: 0x0303, ALPNOffered: []string{"01\xab\xcd"}}, "t12i00003d"},
		{"0x30 0xAB 0xCD 0x31 → 01", Record{ClientVersion: 0x0303, ALPNOffered: []string{"0\xab\xcd1"}}, "t12i000001"},
		{"empty first ALPN → 00", Record{ClientVersion: 0x0303, ALPNOffered: []string{"", "h2"}}, "t12i000000"},
		// Arkime's raw form of this one is "t12d020100_1301,1302_": SNI
		// is the only extension, so the extension list is empty.
		{"only SNI", Record{ClientVersion: 0x0303, ClientCipherSuites: []uint16{0x1301, 0x1302}, ClientExtensions: []uint16{0}},
			"t12d020100_62ed6f6ca7ad_000000000000"},
		{"no ciphers", Record{ClientVersion: 0x0303}, "t12i000000_000000000000_000000000000"},
	}
	for _, tc := range tests {
		var d hsDecoder
		got := d.ja4(&tc.r)
		if !strings.Contains(tc.want, "_") {
			got = got[:len(tc.want)]
		}
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}

// ja4RE matches a TLS-over-TCP JA4 fingerprint in peer outputs.
var ja4RE = regexp.MustCompile(`t(1[0-3]|s[1-3]|00)[di][0-9]{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}`)

// TestJA4PeerCaptures compares our JA4 of every ClientHello in the
// shared captures that have JA4 values in their peers' expected outputs:
// Arkime's session JSON (*.test), suricata-verify's ja4-tls test.yaml
// (both independent implementations of the FoxIO spec), and nDPI's
// ndpiReader results. Every JA4 a peer lists must be one we compute.
//
// nDPI departs from the specification in two places, which are masked
// for its values only: it writes the first two characters of the ALPN
// ("ht" for http/1.1, where the spec says "h1"), and "d" for a hello
// that has encrypted_server_name (0xffce) but no server_name extension
// (the spec: "d" only when extension 0x0000 exists; tshark's truth shows
// "<no SNI>" for those hellos).
func TestJA4PeerCaptures(t *testing.T) {
	caps := hsTruthCaptures(t)
	checked := 0
	for _, file := range slices.Sorted(maps.Keys(caps)) {
		want := map[string]bool{}
		ndpi := false
		filepath.WalkDir(file+".peer", func(path string, de os.DirEntry, err error) error {
			if err != nil || de.IsDir() {
				return nil
			}
			// suricata-verify peers also hold other tests of other captures:
			// only the ja4-tls tests are about this capture's JA4.
			if strings.Contains(path, "suricata-verify") && !strings.Contains(path, "/ja4-tls/") {
				return nil
			}
			ndpi = ndpi || strings.Contains(path, "nDPI")
			b, _ := os.ReadFile(path)
			for _, m := range ja4RE.FindAll(b, -1) {
				want[string(m)] = true
			}
			return nil
		})
		if len(want) == 0 {
			continue
		}
		mask := func(s string) string {
			if !ndpi {
				return s
			}
			b := []byte(s)
			b[3], b[8], b[9] = '?', '?', '?'
			return string(b)
		}
		got := map[string]bool{}
		for _, h := range hsHandshakes(t, hsCaptureMessages(t, file)) {
			if h.rec.HasClientHello {
				got[mask(h.rec.JA4)] = true
			}
		}
		short := corpus.Name(corpus.Dir(t), file)
		for w := range want {
			if !got[mask(w)] {
				t.Errorf("%s: peer JA4 %s not computed (ours: %v)", short, w, got)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Errorf("only %d captures with peer JA4 values", checked)
	}
	t.Logf("%d captures checked against peer JA4 values", checked)
}
