package mqtt

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// unhex decodes test input written in hex (see dissectortest.Hex).
var unhex = dissectortest.Hex

// pkSplit splits a whole packet into its control octet, body and
// remaining length (a tiny framer of our own: 1-4 length octets).
func pkSplit(pkt []byte) (h byte, body []byte, length int, ok bool) {
	if len(pkt) < 2 {
		return 0, nil, 0, false
	}
	for i := 1; i <= 4 && i < len(pkt); i++ {
		length |= int(pkt[i]&0x7F) << (7 * (i - 1))
		if pkt[i]&0x80 == 0 {
			body = pkt[i+1:]
			if len(body) > length {
				body = body[:length]
			}
			return pkt[0], body, length, true
		}
	}
	return 0, nil, 0, false
}

// pkDecode decodes a whole packet given as hex at protocol level version.
func pkDecode(t testing.TB, d *packetDecoder, version uint8, hx string) (*Record, []string) {
	t.Helper()
	h, body, length, ok := pkSplit(unhex(t, hx))
	if !ok || len(body) != length {
		t.Fatalf("cannot frame %s (or remaining length %d but %d bytes)", hx, length, len(body))
	}
	var r Record
	r.ProtocolVersion = version
	var f findings
	d.decode(h, body, length, version, &r, &f)
	return &r, f.Names(Anomalies)
}

// pkJSON marshals r and decodes the JSON into a generic map.
func pkJSON(t testing.TB, r *Record) (map[string]any, string) {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	return m, string(b)
}

// checkSubset reports the keys of want (a JSON object) that got lacks or
// holds with another value; a want value of null means "absent".
func checkSubset(t testing.TB, got map[string]any, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	for k, wv := range w {
		gv, ok := got[k]
		if wv == nil {
			if ok {
				t.Errorf("%s: want absent, got %v", k, gv)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(gv, wv) {
			t.Errorf("%s: got %v, want %v", k, jsonString(gv), jsonString(wv))
		}
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sameStrings(a, b []string) bool {
	return slices.Equal(a, b) || (len(a) == 0 && len(b) == 0)
}

var _ = fmt.Sprintf
