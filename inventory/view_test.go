package inventory

import (
	"encoding/json"
	"testing"
)

// A snapshot sent as JSON and rebuilt with NewSnapshot finds the same
// devices and links as the one it came from.
func TestNewSnapshotFromJSON(t *testing.T) {
	inv := New()
	run(inv, flowOf(hmiMAC, hmi, plcMAC, plc, 502, "modbus"), 3, 2, 0, 0)
	run(inv, flowOf(hmiMAC, hmi, plc2MAC, plc2, 502, "modbus"), 1, 1, 0, 0)
	orig := inv.Snapshot()
	if len(orig.Devices) != 3 || len(orig.Links) != 2 {
		t.Fatalf("want 3 devices and 2 links, got %s", dump(orig))
	}

	type wire struct {
		Devices []*Device   `json:"devices"`
		Links   []*LinkView `json:"links"`
	}
	b, err := json.Marshal(wire{orig.Devices, orig.Links})
	if err != nil {
		t.Fatal(err)
	}
	var w wire
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	got := NewSnapshot(w.Devices, w.Links)
	if a, b := dump(got.Devices)+dump(got.Links), dump(orig.Devices)+dump(orig.Links); a != b {
		t.Fatalf("rebuilt snapshot differs:\n%s\nwant\n%s", a, b)
	}

	d := device(t, orig, "192.168.10.21")
	for _, q := range []string{"192.168.10.21", "::ffff:192.168.10.21", "00:80:f4:00:00:21", d.ID, d.ID[:8]} {
		g, ok := got.Find(q)
		if !ok || g.ID != d.ID {
			t.Errorf("Find(%q) on the rebuilt snapshot = %v, %v; want %s", q, g, ok, d.ID)
		}
	}
	if links := got.LinksOf(device(t, got, "192.168.10.10")); len(links) != 2 {
		t.Errorf("LinksOf(hmi) = %d links, want 2", len(links))
	}
	if _, ok := got.Find("10.9.9.9"); ok {
		t.Error("unknown IP matched")
	}

	// Without the index the IP lookup fails: what NewSnapshot is for.
	if _, ok := (&Snapshot{Devices: w.Devices, Links: w.Links}).Find("192.168.10.21"); ok {
		t.Error("a Snapshot literal found a device by IP: NewSnapshot would be useless")
	}
}

// An empty snapshot finds nothing and does not panic.
func TestNewSnapshotEmpty(t *testing.T) {
	s := NewSnapshot(nil, nil)
	if _, ok := s.Find("192.168.10.21"); ok {
		t.Error("found a device in an empty snapshot")
	}
	if _, ok := s.Find("00:80:f4:00:00:21"); ok {
		t.Error("found a MAC in an empty snapshot")
	}
}
