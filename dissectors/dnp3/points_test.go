package dnp3

import (
	"strings"
	"testing"
)

// TestTooManyPoints writes g80v1 indexes 0-2047 (256 packed octets): 2048
// points, of which MaxPoints (1024) are decoded; the count is kept and
// the CROB after it is still walked but not decoded.
func TestTooManyPoints(t *testing.T) {
	h := "C0 02 50 01 01 00 00 FF 07" + strings.Repeat(" FF", 256) +
		" 0C 01 17 01 03 81 01 64 00 00 00 64 00 00 00 00"
	r, f := decodeHex(t, h)
	if len(r.Objects) != 2 || r.Objects[0].Count != 2048 || len(r.Objects[0].Points) != MaxPoints ||
		r.Objects[1].Count != 1 || len(r.Objects[1].Points) != 0 {
		t.Fatalf("objects %d, count %d, points %d", len(r.Objects), r.Objects[0].Count, len(r.Objects[0].Points))
	}
	if got := f.Names(Anomalies); len(got) != 1 || got[0] != AnomalyTooManyPoints {
		t.Errorf("anomalies %v", got)
	}
	if p := r.Objects[0].Points[MaxPoints-1]; p.Index != MaxPoints-1 || !p.Bit {
		t.Errorf("last point %+v", p)
	}
}

// TestDecoderReuse decodes a large fragment, then a small one, then the
// large one again with one decoder: every Object.Points must match what
// a fresh decoder gives (no stale windows after the backing array grew).
func TestDecoderReuse(t *testing.T) {
	big := "C0 81 00 00 | 0C 01 17 02 00 03 01 00 00 00 00 00 00 00 00 00 01 04 01 00 00 00 00 00 00 00 00 00" +
		" | 50 01 00 00 0F 80 10 | 29 01 17 01 02 E8 03 00 00 00"
	small := "C0 02 50 01 00 07 07 00"
	var d appDecoder
	var r Record
	for _, h := range []string{big, small, big, small} {
		var f findings
		d.decode(unhex(t, h), &r, &f)
		fresh, ff := decodeHex(t, h)
		if got, want := summarize(&r, &f), summarize(fresh, ff); got != want {
			t.Errorf("reused decoder:\n got %s\nwant %s", got, want)
		}
		checkRecord(t, &d, &r)
	}
}

// TestDeviceAttributes maps g0 strings to Record.Device and caches them.
func TestDeviceAttributes(t *testing.T) {
	// 252 vendor, 250 model, 242 sw, 243 hw, 248 serial, 247 name, 245 location, 246 id code.
	h := "C0 81 00 00" +
		" | 00 FC 00 FC FC 01 01 56 | 00 FA 00 FA FA 01 01 4D | 00 F2 00 F2 F2 01 01 53" +
		" | 00 F3 00 F3 F3 01 01 48 | 00 F8 00 F8 F8 01 01 4E | 00 F7 00 F7 F7 01 01 44" +
		" | 00 F5 00 F5 F5 01 01 4C | 00 F6 00 F6 F6 01 01 49"
	var d appDecoder
	var r Record
	var f findings
	frag := unhex(t, h)
	d.decode(frag, &r, &f)
	want := DeviceAttributes{Vendor: "V", Model: "M", SoftwareVersion: "S", HardwareVersion: "H", Serial: "N", Name: "D", Location: "L", IDCode: "I"}
	if r.Device == nil || *r.Device != want {
		t.Fatalf("device %+v", r.Device)
	}
	if n := testing.AllocsPerRun(100, func() { d.decode(frag, &r, &f) }); n != 0 {
		t.Errorf("decoding the same attributes again allocates %v", n)
	}
	d.decode(unhex(t, "C0 81 00 00"), &r, &f)
	if r.Device != nil {
		t.Errorf("device %+v on a fragment without attributes", r.Device)
	}
}

// TestDecodeAllocs checks that a warm decoder allocates nothing.
func TestDecodeAllocs(t *testing.T) {
	var d appDecoder
	var r Record
	for _, c := range appCases {
		frag := unhex(t, c.hex)
		var f findings
		d.decode(frag, &r, &f)
		if n := testing.AllocsPerRun(20, func() { d.decode(frag, &r, &f) }); n != 0 {
			t.Errorf("%s: %v allocs", c.name, n)
		}
	}
}
