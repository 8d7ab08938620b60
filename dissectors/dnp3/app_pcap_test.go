package dnp3

import (
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors/internal/corpus"
)

// appCapturePaths lists the DNP3 captures of the shared corpus (paths
// containing "dnp3", any case).
func appCapturePaths(t testing.TB) []string {
	t.Helper()
	return corpus.Captures(t, func(p string) bool { return strings.Contains(strings.ToLower(p), "dnp3") })
}

// appPayloads returns the non-empty TCP/UDP payloads of a capture.
// LINKTYPE_IPV4 captures (suricata-verify's dnp3-flood) are left out:
// these tests have always skipped them.
func appPayloads(t testing.TB, path string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, p := range corpus.Packets(t, path) {
		if len(p.Payload) > 0 && !corpus.IPLink(p.Link) {
			out = append(out, p.Payload)
		}
	}
	return out
}

// appFragmentsOf returns the application fragments of the single-frame
// FIR+FIN transport segments in a payload: each link frame's user data
// with the block CRCs removed, minus the transport octet. CRCs are not
// checked: the fuzz corpus does not need them right.
func appFragmentsOf(payload []byte) [][]byte {
	var out [][]byte
	for i := 0; i+10 <= len(payload); {
		if payload[i] != 0x05 || payload[i+1] != 0x64 || payload[i+2] < 5 {
			i++
			continue
		}
		ud := int(payload[i+2]) - 5
		size := 10 + ud + 2*((ud+15)/16)
		if i+size > len(payload) {
			break
		}
		var user []byte
		for off, left := i+10, ud; left > 0; {
			n := min(16, left)
			user = append(user, payload[off:off+n]...)
			off, left = off+n+2, left-n
		}
		if len(user) > 1 && user[0]&0xC0 == 0xC0 {
			out = append(out, user[1:])
		}
		i += size
	}
	return out
}

// appCaptureFragments returns up to max distinct application fragments
// from each DNP3 capture of the shared corpus.
func appCaptureFragments(t testing.TB, max int) [][]byte {
	seen := map[string]bool{}
	var out [][]byte
	for _, p := range appCapturePaths(t) {
		n := 0
		for _, pl := range appPayloads(t, p) {
			for _, frag := range appFragmentsOf(pl) {
				if n < max && !seen[string(frag)] {
					seen[string(frag)] = true
					out = append(out, frag)
					n++
				}
			}
		}
	}
	return out
}

// TestCaptureFragments decodes every single-frame fragment of the shared
// captures. Outside the deliberately malformed captures (names with
// "malform") at most 1 in 20 fragments may raise malformed_objects (the
// corpus also holds truncated synthetic and hand-edited fragments), and
// the common functions must all be seen.
func TestCaptureFragments(t *testing.T) {
	var d appDecoder
	var r Record
	n, bad, objects := 0, 0, 0
	functions := map[string]int{}
	for _, p := range appCapturePaths(t) {
		malformed := strings.Contains(strings.ToLower(p), "malform")
		for _, pl := range appPayloads(t, p) {
			for _, frag := range appFragmentsOf(pl) {
				var f findings
				d.decode(frag, &r, &f)
				checkRecord(t, &d, &r)
				if malformed {
					continue
				}
				n++
				functions[r.Function]++
				objects += len(r.Objects)
				if f.Has(anMalformedObjects) {
					bad++
				}
			}
		}
	}
	t.Logf("%d fragments, %d object headers, %d malformed, functions %v", n, objects, bad, functions)
	if n < 100 || bad*20 > n {
		t.Errorf("%d of %d real fragments are malformed", bad, n)
	}
	for _, fn := range []string{"read", "response", "write", "select", "operate", "direct_operate", "unsolicited_response", "confirm"} {
		if functions[fn] == 0 {
			t.Errorf("no %s fragment decoded from the corpus", fn)
		}
	}
}
