package dissectortest

import (
	"bytes"
	"testing"
)

func TestHex(t *testing.T) {
	got := Hex(t, `
		0001 00|02   # transaction 1, protocol 2
		ff	FE # case and tabs
	`)
	if want := []byte{0x00, 0x01, 0x00, 0x02, 0xff, 0xfe}; !bytes.Equal(got, want) {
		t.Errorf("Hex = % x, want % x", got, want)
	}
}
