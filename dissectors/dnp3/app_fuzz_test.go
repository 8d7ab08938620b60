package dnp3

import (
	"encoding/json"
	"testing"
)

// checkRecord fails on records that break the decoder's invariants: JSON
// must be valid, points within MaxPoints, and the Object.Points of d's
// last fragment consecutive, capacity-limited windows of d.points.
func checkRecord(t testing.TB, d *appDecoder, r *Record) {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil || !json.Valid(b) {
		t.Fatalf("record JSON %s: %v", b, err)
	}
	lo := 0
	for i, o := range r.Objects {
		if len(o.Points) == 0 {
			continue
		}
		if cap(o.Points) != len(o.Points) || lo+len(o.Points) > len(d.points) || &o.Points[0] != &d.points[lo] {
			t.Fatalf("object %d: points window (len %d cap %d) not at %d of %d", i, len(o.Points), cap(o.Points), lo, len(d.points))
		}
		if uint64(len(o.Points)) > uint64(o.Count) {
			t.Fatalf("object %d: %d points for count %d", i, len(o.Points), o.Count)
		}
		lo += len(o.Points)
	}
	if lo != len(d.points) || lo > MaxPoints {
		t.Fatalf("%d points in objects, %d decoded (max %d)", lo, len(d.points), MaxPoints)
	}
}

// FuzzApplication decodes random fragments. Invariants: no panic, valid
// JSON, points within MaxPoints, consistent Object.Points windows, and a
// reused decoder gives the same result as a fresh one.
func FuzzApplication(f *testing.F) {
	for _, c := range appCases {
		f.Add(unhex(f, c.hex))
	}
	for _, frag := range appCaptureFragments(f, 40) {
		f.Add(frag)
	}
	var warm appDecoder
	var warmRec Record
	f.Fuzz(func(t *testing.T, frag []byte) {
		var fw findings
		warm.decode(frag, &warmRec, &fw)
		checkRecord(t, &warm, &warmRec)
		a, _ := json.Marshal(&warmRec)
		var d appDecoder
		var r Record
		var ff findings
		d.decode(frag, &r, &ff)
		b, _ := json.Marshal(&r)
		if string(a) != string(b) || fw.Kinds() != ff.Kinds() {
			t.Fatalf("reused decoder differs:\n%s\n%s", a, b)
		}
	})
}
