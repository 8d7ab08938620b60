package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/otsensor/otsensor/inventory"
)

// Plant stations, from pcaps/gen/scen_plant.go and pcaps/README.md, checked
// against the capture with tshark -T fields -e eth.src -e ip.src.
const (
	plantRouterMAC = "00:00:0c:9c:00:01" // Cisco OUI 00:00:0C
	plantPLC1      = "192.168.10.21"     // Schneider, answers 43/14
	plantPLC1MAC   = "00:80:f4:9c:00:21"
	plantGateway   = "192.168.10.30" // Moxa, units 1-3
	plantGatewayM  = "00:90:e8:9c:00:30"
	plantSCADA     = "10.50.0.5" // behind the router
	plantHistorian = "10.50.0.8" // behind the router
)

// TestDevicesContract checks that every device of a replay of all bundled
// captures has the contract fields with their JSON types.
func TestDevicesContract(t *testing.T) {
	dir := replayInto(t, pcapsDir)
	ds := devicesJSON(t, dir)
	if len(ds) < 9 {
		t.Fatalf("%d devices from all bundled captures, want at least the plant's 9", len(ds))
	}
	ids := map[string]bool{}
	for _, d := range ds {
		id := str(t, d, "id")
		if id == "" || ids[id] {
			t.Errorf("device id %q empty or repeated", id)
		}
		ids[id] = true
		ips, macs := strs(t, d, "ips"), strs(t, d, "macs")
		if len(ips)+len(macs) == 0 {
			t.Errorf("device %s has neither IP nor MAC", id)
		}
		for _, a := range ips {
			if _, err := netip.ParseAddr(a); err != nil {
				t.Errorf("device %s: ips: %v", id, err)
			}
		}
		for _, m := range macs {
			if hw, err := net.ParseMAC(m); err != nil || len(hw) != 6 {
				t.Errorf("device %s: macs: %q is not a MAC-48", id, m)
			}
		}
		str(t, d, "vendor")
		first, err1 := time.Parse(time.RFC3339Nano, str(t, d, "first_seen"))
		last, err2 := time.Parse(time.RFC3339Nano, str(t, d, "last_seen"))
		if err1 != nil || err2 != nil || last.Before(first) || first.IsZero() {
			t.Errorf("device %s: first_seen %v last_seen %v (%v, %v)", id, d["first_seen"], d["last_seen"], err1, err2)
		}
		strs(t, d, "protocols")
		strs(t, d, "roles")
		ints(t, d, "vlans")
		obj(t, d, "identity")
	}
	if !sortedBy(ds, func(d jsonDevice) string { return d["id"].(string) }) {
		t.Error("devices are not sorted by id")
	}
}

func sortedBy[T any](xs []T, key func(T) string) bool {
	return slices.IsSortedFunc(xs, func(a, b T) int { return strings.Compare(key(a), key(b)) })
}

// TestDevicesPlant checks the inventory of the plant capture against what
// pcaps/README.md says it holds.
func TestDevicesPlant(t *testing.T) {
	ds := devicesJSON(t, replayInto(t, plantPcap))

	// Seven stations on 192.168.10.0/24 (router, HMI, EWS, three PLCs,
	// gateway) and two hosts behind the router.
	var all []string
	for _, d := range ds {
		all = append(all, strs(t, d, "ips")...)
	}
	slices.Sort(all)
	want := []string{"10.50.0.5", "10.50.0.8", "192.168.10.1", "192.168.10.10", "192.168.10.21", "192.168.10.22", "192.168.10.23", "192.168.10.30", "192.168.10.50"}
	if !slices.Equal(all, want) || len(ds) != len(want) {
		t.Errorf("%d devices with IPs %v, want one device per IP %v", len(ds), all, want)
	}

	plc := byIP(t, ds, plantPLC1)
	if m := strs(t, plc, "macs"); !slices.Equal(m, []string{plantPLC1MAC}) {
		t.Errorf("PLC 1 macs %v, want [%s]", m, plantPLC1MAC)
	}
	id := obj(t, plc, "identity")
	for k, v := range map[string]string{"vendor": "Schneider Electric", "product": "BMX P34 2020", "firmware": "v3.10"} {
		if id[k] != v {
			t.Errorf("PLC 1 identity %s = %v, want %q", k, id[k], v)
		}
	}
	if !slices.Contains(strs(t, plc, "roles"), "modbus_server") {
		t.Errorf("PLC 1 roles %v, want modbus_server", plc["roles"])
	}
	if !slices.Contains(strs(t, plc, "protocols"), "modbus") {
		t.Errorf("PLC 1 protocols %v, want modbus", plc["protocols"])
	}

	gw := byIP(t, ds, plantGateway)
	if m := strs(t, gw, "macs"); !slices.Equal(m, []string{plantGatewayM}) {
		t.Errorf("gateway macs %v", m)
	}
	if v := str(t, gw, "vendor"); !strings.Contains(strings.ToLower(v), "moxa") {
		t.Errorf("gateway vendor %q, want Moxa's (OUI 00:90:E8)", v)
	}
	if !slices.Contains(strs(t, gw, "roles"), "modbus_server") {
		t.Errorf("gateway roles %v, want modbus_server", gw["roles"])
	}

	router := byMAC(t, ds, plantRouterMAC)
	n := 0
	for _, d := range ds {
		if slices.Contains(strs(t, d, "macs"), plantRouterMAC) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("router MAC on %d devices, want 1", n)
	}
	if r := strs(t, router, "roles"); !slices.Contains(r, "router") {
		t.Errorf("router roles %v", r)
	}
	if v := str(t, router, "vendor"); !strings.Contains(v, "Cisco") {
		t.Errorf("router vendor %q, want Cisco's (OUI 00:00:0C)", v)
	}
	if ips := strs(t, router, "ips"); slices.Contains(ips, plantSCADA) || slices.Contains(ips, plantHistorian) {
		t.Errorf("router device owns the IPs behind it: %v", ips)
	}

	scada, hist := byIP(t, ds, plantSCADA), byIP(t, ds, plantHistorian)
	if scada["id"] == hist["id"] {
		t.Error("SCADA and historian are one device")
	}
	for _, d := range []jsonDevice{scada, hist} {
		if m := strs(t, d, "macs"); len(m) != 0 {
			t.Errorf("%v behind the router has MACs %v", d["ips"], m)
		}
		if g := strs(t, d, "gateway_macs"); !slices.Equal(g, []string{plantRouterMAC}) {
			t.Errorf("%v gateway_macs %v, want the router's", d["ips"], g)
		}
		if r := strs(t, d, "roles"); !slices.Equal(r, []string{"modbus_client"}) {
			t.Errorf("%v roles %v, want [modbus_client]", d["ips"], r)
		}
	}

	// IPv4 packets sent and received per address, counted with
	// tshark -Y ip -T fields -e ip.src (and -e ip.dst) | sort | uniq -c.
	counts := map[string][2]int64{
		"10.50.0.5": {22, 20}, "10.50.0.8": {7, 5}, "192.168.10.10": {36, 30}, "192.168.10.21": {11, 15},
		"192.168.10.22": {13, 17}, "192.168.10.23": {19, 23}, "192.168.10.30": {20, 22}, "192.168.10.50": {12, 8},
	}
	for ip, c := range counts {
		cs := obj(t, byIP(t, ds, ip), "counters")
		if got := [2]int64{num(t, cs, "packets_sent"), num(t, cs, "packets_received")}; got != c {
			t.Errorf("%s packets sent/received %v, want %v", ip, got, c)
		}
	}
	// capinfos: first packet 2024-03-01 08:00:00, last 08:00:04.9765.
	lo, hi := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 8, 0, 4, 976500000, time.UTC)
	for _, d := range ds {
		first, _ := time.Parse(time.RFC3339Nano, d["first_seen"].(string))
		last, _ := time.Parse(time.RFC3339Nano, d["last_seen"].(string))
		if first.Before(lo) || last.After(hi) {
			t.Errorf("%v seen %v..%v, outside the capture's %v..%v", d["ips"], first, last, lo, hi)
		}
	}
}

// TestDevicesPlantUnitIDs checks the Modbus unit ids answered by each
// server (tshark: mbtcp.unit_id of the responses), on devices and on
// links, are JSON arrays of numbers.
func TestDevicesPlantUnitIDs(t *testing.T) {
	dir := replayInto(t, plantPcap)
	ds := devicesJSON(t, dir)
	for ip, want := range map[string]string{
		plantGateway: "[1 2 3]", plantPLC1: "[1]", "192.168.10.22": "[1]", "192.168.10.23": "[1]",
	} {
		m := obj(t, byIP(t, ds, ip), "modbus")
		if _, arr := m["unit_ids"].([]any); !arr || fmt.Sprint(m["unit_ids"]) != want {
			t.Errorf("device %s modbus unit_ids %#v, want the array %s", ip, m["unit_ids"], want)
		}
	}
	for _, l := range linksJSON(t, dir) {
		if l["server_ip"] != plantGateway {
			continue
		}
		m := obj(t, l, "modbus")
		if _, arr := m["unit_ids"].([]any); !arr || fmt.Sprint(m["unit_ids"]) != "[1 2 3]" {
			t.Errorf("link to the gateway: modbus unit_ids %#v, want the array [1 2 3]", m["unit_ids"])
		}
	}
}

// TestDevicesFormats checks the table, wide and YAML outputs name the
// same devices as JSON, and that the table has one row per device.
func TestDevicesFormats(t *testing.T) {
	dir := replayInto(t, plantPcap)
	ds := devicesJSON(t, dir)
	table := mustRun(t, exitOK, "--data-dir", dir, "devices").stdout
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != len(ds)+1 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("table has %d lines for %d devices:\n%s", len(lines), len(ds), table)
	}
	for i, d := range ds {
		if !strings.HasPrefix(lines[i+1], d["id"].(string)+" ") {
			t.Errorf("table row %d %q, want device %s", i+1, lines[i+1], d["id"])
		}
	}
	wide := mustRun(t, exitOK, "--data-dir", dir, "devices", "-o", "wide").stdout
	if !strings.Contains(wide, "BMX P34 2020") || !strings.Contains(wide, "PACKETS") {
		t.Errorf("wide table lacks identity or packet column:\n%s", wide)
	}
	yml := mustRun(t, exitOK, "--data-dir", dir, "devices", "-o", "yaml").stdout
	for _, d := range ds {
		if !strings.Contains(yml, "id: "+d["id"].(string)) {
			t.Errorf("yaml lacks device %s", d["id"])
		}
	}
}

// TestDeviceShow looks one device up by ID, ID prefix, IP and MAC (in both
// spellings) and expects the same device every time.
func TestDeviceShow(t *testing.T) {
	dir := replayInto(t, plantPcap)
	plc := byIP(t, devicesJSON(t, dir), plantPLC1)
	id := str(t, plc, "id")
	for _, q := range []string{id, id[:6], plantPLC1, plantPLC1MAC, strings.ToUpper(plantPLC1MAC), strings.ReplaceAll(plantPLC1MAC, ":", "")} {
		r := mustRun(t, exitOK, "--data-dir", dir, "devices", "show", q, "-o", "json")
		var got map[string]any
		decode(t, r.stdout, &got)
		if got["id"] != id {
			t.Errorf("show %s found %v, want %s", q, got["id"], id)
		}
		links, ok := got["links"].([]any)
		if !ok {
			t.Fatalf("show %s: links is %T, want an array", q, got["links"])
		}
		// HMI reads it (FC 3), the engineering workstation reads its identity.
		if len(links) != 2 {
			t.Errorf("show %s: %d links, want 2", q, len(links))
		}
		for _, l := range links {
			if l.(map[string]any)["server_id"] != id {
				t.Errorf("show %s: link %v does not end at the PLC", q, l)
			}
		}
	}
	text := mustRun(t, exitOK, "--data-dir", dir, "devices", "show", plantPLC1).stdout
	for _, s := range []string{"id:", id, "Schneider Electric BMX P34 2020 v3.10", "links:", "192.168.10.10"} {
		if !strings.Contains(text, s) {
			t.Errorf("show text lacks %q:\n%s", s, text)
		}
	}
	yml := mustRun(t, exitOK, "--data-dir", dir, "devices", "show", plantPLC1, "-o", "yaml").stdout
	if !strings.Contains(yml, "id: "+id) || !strings.Contains(yml, "links:") {
		t.Errorf("show yaml:\n%s", yml)
	}
}

// TestDeviceShowNoLinks checks a device without links still has a links
// array in JSON.
func TestDeviceShowNoLinks(t *testing.T) {
	dir := replayInto(t, plantPcap)
	r := mustRun(t, exitOK, "--data-dir", dir, "devices", "show", plantRouterMAC, "-o", "json")
	var got map[string]any
	decode(t, r.stdout, &got)
	if l, ok := got["links"].([]any); !ok || len(l) != 0 {
		t.Errorf("router links %#v, want []", got["links"])
	}
}

func TestDeviceShowUnknown(t *testing.T) {
	dir := replayInto(t, plantPcap)
	for _, q := range []string{"192.168.99.99", "00:11:22:33:44:55", "zzzz", "ffffffffffff"} {
		r := mustRun(t, exitFailed, "--data-dir", dir, "devices", "show", q)
		if r.stdout != "" || !strings.Contains(r.stderr, "no device matches") || !strings.Contains(r.stderr, q) {
			t.Errorf("show %s: stdout %q stderr %q", q, r.stdout, r.stderr)
		}
	}
	mustRun(t, exitUsage, "--data-dir", dir, "devices", "show")
	mustRun(t, exitUsage, "--data-dir", dir, "devices", "show", "a", "b")
}

// TestDevicesNoDataDir: a data dir that does not exist is an empty
// inventory, with a hint, and is not created.
func TestDevicesNoDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing")
	r := mustRun(t, exitOK, "--data-dir", dir, "devices", "-o", "json")
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("devices -o json = %q, want []", r.stdout)
	}
	if !strings.Contains(r.stderr, dir) || !strings.Contains(r.stderr, "otsensor replay") {
		t.Errorf("no hint on stderr: %q", r.stderr)
	}
	r = mustRun(t, exitOK, "--data-dir", dir, "links", "-o", "json")
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("links -o json = %q, want []", r.stdout)
	}
	r = mustRun(t, exitOK, "--data-dir", dir, "devices")
	if strings.TrimSpace(r.stdout) != strings.Join([]string{"ID", "IPS", "MACS", "VENDOR", "ROLES", "FIRST SEEN", "LAST SEEN"}, "  ") {
		t.Errorf("empty table = %q", r.stdout)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("devices created the data dir %s (stat: %v)", dir, err)
	}
}

// TestDevicesEnvDataDir: without --data-dir, OTSENSOR_DATA_DIR is used.
func TestDevicesEnvDataDir(t *testing.T) {
	dir := replayInto(t, plantPcap)
	r := cliEnv(t, map[string]string{"OTSENSOR_DATA_DIR": dir}, "devices", "-o", "json")
	var ds []jsonDevice
	decode(t, r.stdout, &ds)
	if r.code != exitOK || len(ds) != 9 {
		t.Errorf("exit %d, %d devices from $OTSENSOR_DATA_DIR, want 9", r.code, len(ds))
	}
}

// TestDevicesReadOnlyShared: listing works while another process holds
// the data dir open read-only, and a replay (a writer) is refused.
func TestDevicesReadOnlyShared(t *testing.T) {
	dir := replayInto(t, plantPcap)
	want := mustRun(t, exitOK, "--data-dir", dir, "devices", "-o", "json").stdout
	db, err := inventory.OpenDB(dir, true, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := mustRun(t, exitOK, "--data-dir", dir, "devices", "-o", "json").stdout; got != want {
		t.Errorf("devices while a reader is open differ:\n%s\nwant:\n%s", got, want)
	}
	mustRun(t, exitOK, "--data-dir", dir, "links")
	mustRun(t, exitOK, "--data-dir", dir, "devices", "show", plantPLC1)
	r := mustRun(t, exitFailed, "--data-dir", dir, "replay", "--no-progress", plantPcap)
	if !strings.Contains(r.stderr, "in use") {
		t.Errorf("replay on a data dir open elsewhere: stderr %q, want it to say the dir is in use", r.stderr)
	}
}
