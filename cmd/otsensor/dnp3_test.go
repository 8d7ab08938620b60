package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDNP3Devices replays the multi-outstation capture (pcaps/README.md):
// a master at 192.168.20.10 (link address 1) polls three RTUs and a Moxa
// gateway answering for link addresses 20 and 21, each of which gives
// its identity in group 0 attributes.
func TestDNP3Devices(t *testing.T) {
	dir := replayInto(t, filepath.Join(pcapsDir, "dnp3_multi_outstation.pcap"))
	ds := devicesJSON(t, dir)
	master, gw := byIP(t, ds, "192.168.20.10"), byIP(t, ds, "192.168.20.40")
	if r := strs(t, master, "roles"); len(r) != 1 || r[0] != "dnp3_master" {
		t.Errorf("master roles %v", r)
	}
	if r := strs(t, gw, "roles"); len(r) != 1 || r[0] != "dnp3_outstation" {
		t.Errorf("gateway roles %v", r)
	}
	id, _ := gw["identity"].(map[string]any)
	if id["vendor"] != "Moxa" || id["model"] != "MGate 5109" || id["source"] != "dnp3_device_attributes address 20" {
		t.Errorf("gateway identity %v", id)
	}

	text := mustRun(t, exitOK, "--data-dir", dir, "devices", "show", "192.168.20.40").stdout
	for _, s := range []string{"dnp3_outstation", "dnp3 outstation:  20,21", "Moxa MGate 5109"} {
		if !strings.Contains(text, s) {
			t.Errorf("show text lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "modbus") {
		t.Errorf("show text of a DNP3-only device mentions modbus:\n%s", text)
	}
	wide := mustRun(t, exitOK, "--data-dir", dir, "links", "-o", "wide").stdout
	lines := strings.Split(strings.TrimSpace(wide), "\n")
	if len(lines) != 5 {
		t.Fatalf("want a header and 4 links:\n%s", wide)
	}
	for _, line := range lines[1:] {
		if !strings.HasSuffix(line, " 1,129") {
			t.Errorf("link without function codes 1 and 129 (read, response): %q", line)
		}
	}
}
