package mqtt

import (
	"testing"
)

func TestValidString(t *testing.T) {
	for _, c := range []struct {
		b  string
		ok bool
	}{
		{"a/b", true},
		{"", true},
		{"caf\xc3\xa9", true},
		{"a\x00b", false},       // U+0000
		{"\xc3\x28", false},     // invalid sequence
		{"\xed\xa0\x80", false}, // U+D800, a surrogate
		{"\xef\xbf\xbf", true},  // U+FFFF: a non-character, allowed
	} {
		if got := validString([]byte(c.b)); got != c.ok {
			t.Errorf("validString(%q) = %v", c.b, got)
		}
	}
}

// TestDecodeAllocs checks that decoding allocates nothing once the
// decoder has seen the packets' strings.
func TestDecodeAllocs(t *testing.T) {
	pkts := []string{
		connectPassword,
		"30 0c 0005 612f622f63 68656c6c6f",
		"32 2f 0003 732f31 0007 23 01 01 02 0000003c 23 0001 08 0001 72 09 0002 abcd 26 0001 6b 0001 76 0b 05 03 0004 74657874 32312e35",
		"82 0f 0005 02 0b 2a 0003 782f23 2e 0001 79 01",
		"90 09 0005 03 1f 0000 02 01 a2",
		"40 03 000a 10",
		"10 3e 0004 4d515454 05 0e 0000 00 0002 7735 23 18 00000005 01 01 02 0000000a 03 0003 742f70 08 0001 72 09 0003 010203 26 0001 6b 0001 76 0003 6c7774 0004 64656164",
	}
	type pk struct {
		h    byte
		body []byte
		n    int
	}
	var ps []pk
	for _, s := range pkts {
		h, body, n, _ := pkSplit(unhex(t, s))
		ps = append(ps, pk{h, body, n})
	}
	d := packetDecoder{preview: 16}
	var r Record
	var f findings
	run := func() {
		for _, p := range ps {
			f.Reset()
			d.decode(p.h, p.body, p.n, 5, &r, &f)
		}
	}
	run()
	if n := testing.AllocsPerRun(100, run); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}
