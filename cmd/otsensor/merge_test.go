package main

import (
	"maps"
	"path/filepath"
	"slices"
	"testing"
)

// TestMergeSameFileTwice: replaying a capture again into the same data
// dir keeps the devices and links, doubles every counter, and changes
// nothing else (times, identity and sets are the same packets' again).
func TestMergeSameFileTwice(t *testing.T) {
	once := replayInto(t, plantPcap)
	twice := replayInto(t, plantPcap)
	r := mustRun(t, exitOK, "--data-dir", twice, "replay", "-o", "json", plantPcap)
	var s map[string]any
	decode(t, r.stdout, &s)
	if num(t, s, "devices") != 9 {
		t.Errorf("second replay's summary says %v devices, want 9", s["devices"])
	}

	d1, d2 := devicesJSON(t, once), devicesJSON(t, twice)
	if len(d1) != len(d2) {
		t.Fatalf("%d devices after one replay, %d after two", len(d1), len(d2))
	}
	for i := range d1 {
		a, b := d1[i], d2[i]
		if a["id"] != b["id"] {
			t.Fatalf("device %d: id %v, then %v", i, a["id"], b["id"])
		}
		ca, cb := obj(t, a, "counters"), obj(t, b, "counters")
		if len(ca) == 0 || !slices.Equal(slices.Sorted(maps.Keys(ca)), slices.Sorted(maps.Keys(cb))) {
			t.Errorf("device %v: counters %v, then %v", a["id"], ca, cb)
		}
		for k := range ca {
			if num(t, cb, k) != 2*num(t, ca, k) {
				t.Errorf("device %v %v: %s %v after two replays, want twice %v", a["id"], a["ips"], k, cb[k], ca[k])
			}
		}
		delete(a, "counters")
		delete(b, "counters")
		if !jsonEqual(a, b) {
			t.Errorf("device %v changed beyond its counters:\n%v\n%v", a["id"], a, b)
		}
	}

	l1, l2 := linksJSON(t, once), linksJSON(t, twice)
	if len(l1) != len(l2) || len(l1) != len(plantLinks) {
		t.Fatalf("%d links after one replay, %d after two, want %d", len(l1), len(l2), len(plantLinks))
	}
	for i := range l1 {
		a, b := l1[i], l2[i]
		for _, k := range []string{"flows", "packets", "bytes", "packets_to_server", "packets_to_client", "events"} {
			if num(t, b, k) != 2*num(t, a, k) {
				t.Errorf("link %v → %v: %s %v after two replays, want twice %v", a["client_ip"], a["server_ip"], k, b[k], a[k])
			}
		}
		fa, fb := obj(t, obj(t, a, "modbus"), "function_codes"), obj(t, obj(t, b, "modbus"), "function_codes")
		for fc := range fa {
			if num(t, fb, fc) != 2*num(t, fa, fc) {
				t.Errorf("link %v → %v: FC %s %v requests after two replays, want twice %v", a["client_ip"], a["server_ip"], fc, fb[fc], fa[fc])
			}
		}
	}
}

// TestMergeUnion: two captures of the same hosts replayed one after the
// other give each device the union of its sets and the sum of its
// counters. modbus_port5020.pcap has the HMI and PLC 1 on IPv4 without a
// VLAN; modbus_vlan_ipv6_frag.pcap has them on VLANs 10, 20 and 100 and
// over IPv6 (pcaps/README.md).
func TestMergeUnion(t *testing.T) {
	a := filepath.Join(pcapsDir, "modbus_port5020.pcap")
	b := filepath.Join(pcapsDir, "modbus_vlan_ipv6_frag.pcap")
	da, db := devicesJSON(t, replayInto(t, a)), devicesJSON(t, replayInto(t, b))
	both := replayInto(t, a)
	mustRun(t, exitOK, "--data-dir", both, "replay", b)
	dab := devicesJSON(t, both)

	byID := func(ds []jsonDevice) map[string]jsonDevice {
		m := map[string]jsonDevice{}
		for _, d := range ds {
			m[d["id"].(string)] = d
		}
		return m
	}
	ma, mb, mab := byID(da), byID(db), byID(dab)
	ids := slices.Sorted(maps.Keys(mab))
	want := slices.Sorted(maps.Keys(ma))
	want = append(want, slices.Collect(maps.Keys(mb))...)
	slices.Sort(want)
	if want = slices.Compact(want); !slices.Equal(ids, want) {
		t.Fatalf("device ids %v after both, want the union %v", ids, want)
	}
	shared := 0
	for id, d := range mab {
		x, y := ma[id], mb[id]
		if x == nil || y == nil {
			continue
		}
		shared++
		for _, k := range []string{"ips", "macs", "protocols", "roles"} {
			u := append(strs(t, x, k), strs(t, y, k)...)
			slices.Sort(u)
			if got := strs(t, d, k); !slices.Equal(got, slices.Compact(u)) {
				t.Errorf("device %s %s = %v, want the union %v", id, k, got, slices.Compact(u))
			}
		}
		u := append(ints(t, x, "vlans"), ints(t, y, "vlans")...)
		slices.Sort(u)
		if got := ints(t, d, "vlans"); !slices.Equal(got, slices.Compact(u)) {
			t.Errorf("device %s vlans = %v, want the union %v", id, got, slices.Compact(u))
		}
		cx, cy, c := obj(t, x, "counters"), obj(t, y, "counters"), obj(t, d, "counters")
		for k := range c {
			if num(t, c, k) != num(t, cx, k)+num(t, cy, k) {
				t.Errorf("device %s %s = %v, want %v + %v", id, k, c[k], cx[k], cy[k])
			}
		}
	}
	if shared < 2 {
		t.Errorf("%d devices in both captures, want at least the HMI and PLC 1", shared)
	}
}

// TestDeterminism: two replays of every bundled capture into fresh data
// dirs give byte-identical devices, links and events.
func TestDeterminism(t *testing.T) {
	var devices, links, events [2]string
	for i := range 2 {
		dir := filepath.Join(t.TempDir(), "d")
		ev := filepath.Join(t.TempDir(), "events.json")
		mustRun(t, exitOK, "--data-dir", dir, "replay", "--events", ev, pcapsDir)
		devices[i] = mustRun(t, exitOK, "--data-dir", dir, "devices", "-o", "json").stdout
		links[i] = mustRun(t, exitOK, "--data-dir", dir, "links", "-o", "json").stdout
		events[i] = readFile(t, ev)
	}
	if devices[0] != devices[1] {
		t.Error("devices -o json differs between two replays")
	}
	if links[0] != links[1] {
		t.Error("links -o json differs between two replays")
	}
	if events[0] != events[1] {
		t.Error("--events differs between two replays")
	}
	if len(events[0]) == 0 || len(devices[0]) < 100 {
		t.Errorf("nothing to compare: %d bytes of events, %d of devices", len(events[0]), len(devices[0]))
	}
}

func linksJSON(t *testing.T, dir string) []map[string]any {
	t.Helper()
	var ls []map[string]any
	decode(t, mustRun(t, exitOK, "--data-dir", dir, "links", "-o", "json").stdout, &ls)
	return ls
}
