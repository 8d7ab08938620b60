package dissectortest

import (
	"encoding/hex"
	"strings"
	"testing"
)

// Hex decodes test input written in hex, in which white space, "|"
// separators and "# comment" tails (to the end of a line) are ignored. It
// fails t on anything else that is not hex.
func Hex(t testing.TB, s string) []byte {
	t.Helper()
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		b.WriteString(strings.ReplaceAll(strings.Join(strings.Fields(line), ""), "|", ""))
	}
	out, err := hex.DecodeString(b.String())
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return out
}
