package tls

import (
	"crypto/md5"
	"encoding/hex"
	"maps"
	"slices"
	"testing"

	"github.com/otsensor/otsensor/dissectors/internal/corpus"
)

// TestJA3Table checks the JA3 and JA3S strings built from decoded fields
// against the Salesforce definition: decimal values, '-' within a list,
// ',' between lists, GREASE (RFC 8701) left out of every list, empty
// lists kept as empty fields.
func TestJA3Table(t *testing.T) {
	tests := []struct {
		name string
		r    Record
		ja3  string
		ja3s string
	}{
		{"GREASE in every list",
			Record{ClientVersion: 0x0303,
				ClientCipherSuites: []uint16{0x0a0a, 0x1301, 0xc02b},
				ClientExtensions:   []uint16{0xfafa, 0, 10, 11, 0x2a2a},
				SupportedGroups:    []uint16{0x3a3a, 29, 23},
				ECPointFormats:     []uint8{0},
				ServerVersion:      0x0303, CipherSuite: 0x1301, ServerExtensions: []uint16{43, 51}},
			"771,4865-49195,0-10-11,29-23,0", "771,4865,43-51"},
		{"no extensions (TLS 1.0 hello)",
			Record{ClientVersion: 0x0301, ClientCipherSuites: []uint16{0x002f, 0x0035, 0x00ff},
				ServerVersion: 0x0301, CipherSuite: 0x002f},
			"769,47-53-255,,,", "769,47,"},
	}
	for _, tc := range tests {
		var d hsDecoder
		d.clientFingerprints(&tc.r)
		d.serverFingerprint(&tc.r)
		if tc.r.JA3.String != tc.ja3 || tc.r.JA3S.String != tc.ja3s {
			t.Errorf("%s: JA3 %q JA3S %q, want %q %q", tc.name, tc.r.JA3.String, tc.r.JA3S.String, tc.ja3, tc.ja3s)
		}
		sum := md5.Sum([]byte(tc.ja3))
		if tc.r.JA3.Hash != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: JA3 hash %s is not the MD5 of its string", tc.name, tc.r.JA3.Hash)
		}
	}
}

// TestJA3SharedCaptures decodes the handshakes of every shared capture
// whose tshark truth has JA3 values: each JA3 (hash and string) and JA3S
// we compute must be one tshark computed, and every tshark value must be
// found (tshark 4.0's tls.handshake.ja3, ja3_full, ja3s).
func TestJA3SharedCaptures(t *testing.T) {
	caps := hsTruthCaptures(t)
	checked := 0
	for _, file := range slices.Sorted(maps.Keys(caps)) {
		tr := caps[file].TLS
		if len(tr.JA3)+len(tr.JA3S) == 0 {
			continue
		}
		res := hsHandshakes(t, hsCaptureMessages(t, file))
		short := corpus.Name(corpus.Dir(t), file)
		gotJA3, gotJA3S := map[string]bool{}, map[string]bool{}
		for _, h := range res {
			if h.rec.HasClientHello && !h.rec.SSLv2ClientHello {
				gotJA3[h.rec.JA3.Hash] = true
				if _, ok := tr.JA3[h.rec.JA3.Hash]; !ok {
					t.Errorf("%s: JA3 %s (%s) not in tshark's %v", short, h.rec.JA3.Hash, h.rec.JA3.String, tr.JA3Full)
				} else if full := tr.JA3Full[h.rec.JA3.Hash]; full != "" && full != h.rec.JA3.String {
					t.Errorf("%s: JA3 string %q, tshark %q", short, h.rec.JA3.String, full)
				}
			}
			if h.rec.HasServerHello {
				gotJA3S[h.rec.JA3S.Hash] = true
				if _, ok := tr.JA3S[h.rec.JA3S.Hash]; !ok {
					t.Errorf("%s: JA3S %s (%s) not in tshark's %v", short, h.rec.JA3S.Hash, h.rec.JA3S.String, tr.JA3S)
				}
			}
		}
		for h := range tr.JA3 {
			if !gotJA3[h] {
				t.Errorf("%s: tshark JA3 %s (%s) not found", short, h, tr.JA3Full[h])
			}
		}
		for h := range tr.JA3S {
			if !gotJA3S[h] {
				t.Errorf("%s: tshark JA3S %s not found", short, h)
			}
		}
		checked++
	}
	if checked < 30 {
		t.Errorf("only %d captures with JA3 truth checked", checked)
	}
	t.Logf("%d captures checked against tshark JA3/JA3S", checked)
}
