package live

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRetag(t *testing.T) {
	// dst 02:00:00:00:00:02, src 02:00:00:00:00:01, EtherType IPv4, 4
	// bytes of IPv4 header: as the kernel hands it over, tag removed.
	stripped := unhex(t, "020000000002"+"020000000001"+"0800"+"45000014")
	// The same frame with an 802.1Q tag for VLAN 100 (TCI 0x0064).
	want := unhex(t, "020000000002"+"020000000001"+"8100"+"0064"+"0800"+"45000014")
	ci := gopacket.CaptureInfo{CaptureLength: len(stripped), Length: 60, AncillaryData: []any{afpacket.AncillaryVLAN{VLAN: 100}}}
	vlan, ok := vlanOf(&ci)
	if !ok || vlan != 100 {
		t.Fatalf("vlanOf = %d, %v", vlan, ok)
	}
	var buf []byte
	got := retag(&buf, stripped, vlan, &ci)
	if !bytes.Equal(got, want) {
		t.Errorf("retag = %x, want %x", got, want)
	}
	if ci.CaptureLength != len(want) || ci.Length != 64 {
		t.Errorf("lengths %d/%d, want %d/64", ci.CaptureLength, ci.Length, len(want))
	}
	// The buffer is reused: no allocation for the next frame.
	if n := testing.AllocsPerRun(100, func() { retag(&buf, stripped, 4095, &ci) }); n != 0 {
		t.Errorf("%v allocations per retag", n)
	}
	// Too short for two MACs: left alone.
	short := unhex(t, "0200000000")
	if got := retag(&buf, short, 1, &ci); !bytes.Equal(got, short) {
		t.Errorf("short frame changed: %x", got)
	}
	// No ancillary VLAN: untagged.
	if _, ok := vlanOf(&gopacket.CaptureInfo{}); ok {
		t.Error("VLAN without ancillary data")
	}
}
