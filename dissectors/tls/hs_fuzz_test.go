package tls

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

// FuzzHandshake feeds one handshake message of any type to a decoder that
// has already seen a real ClientHello (so that ServerHello checks run),
// then the same message to a fresh one. Invariants: no panic, the Record
// marshals to valid JSON, lists stay within what the message holds.
// Seeds: the messages of the unit tests and every handshake message of
// the shared captures (read at test time).
func FuzzHandshake(f *testing.F) {
	f.Add(uint8(hsClientHello), hsClientHelloBody([]uint16{0x1301}, hsExt(0, hsSNI("a.example")), hsExt(16, []byte{0, 3, 2, 'h', '2'})), true)
	f.Add(uint8(hsServerHello), hsServerHelloBody(0x0303, hrrRandom[:], 0x1301, hsExt(43, []byte{3, 4})), false)
	f.Add(uint8(hsCertificate), []byte{0, 0, 5, 0, 0, 2, 0x30, 0}, false)
	f.Add(uint8(0xff), []byte{1, 3, 1, 0, 3, 0, 0, 0, 16, 0, 0, 4}, true)
	caps := hsTruthCaptures(f)
	seen := map[string]bool{}
	for _, file := range slices.Sorted(maps.Keys(caps)) {
		for _, m := range hsCaptureMessages(f, file) {
			if len(m.body) > 1<<16 || seen[string(m.body)] {
				continue
			}
			seen[string(m.body)] = true
			f.Add(m.typ, m.body, m.dir == dissectors.ToServer)
		}
	}
	warm := hsClientHelloBody([]uint16{0x1301, 0xc02f}, hsExt(43, []byte{4, 3, 4, 3, 3}))
	f.Fuzz(func(t *testing.T, typ uint8, body []byte, toServer bool) {
		dir := dissectors.ToClient
		if toServer {
			dir = dissectors.ToServer
		}
		for _, prime := range []bool{true, false} {
			var d hsDecoder
			var r Record
			var fs findings
			if prime {
				d.message(dissectors.ToServer, hsClientHello, warm, &r, &fs)
			}
			if typ == 0xff {
				d.sslv2ClientHello(body, &r, &fs)
			} else {
				d.message(dir, typ, body, &r, &fs)
			}
			b, err := json.Marshal(&r)
			if err != nil || !json.Valid(b) {
				t.Fatalf("JSON: %v %s", err, b)
			}
			n := len(body) + len(warm)
			if len(r.ClientCipherSuites) > n || len(r.ClientExtensions) > n || len(r.ServerExtensions) > n ||
				len(r.ALPNOffered) > maxALPN || len(r.Certificates) > MaxChain || len(r.ClientCertificates) > MaxChain ||
				len(r.SupportedGroups) > n || len(r.SignatureAlgorithms) > n || len(r.ClientVersions) > n {
				t.Fatalf("unbounded lists: %+v", r)
			}
			if r.HasClientHello && (len(r.JA3.Hash) != 32 || len(r.JA4) != 36) {
				t.Fatalf("fingerprints %+v %q", r.JA3, r.JA4)
			}
			d.reset(&r)
		}
	})
}
