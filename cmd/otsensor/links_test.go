package main

import (
	"strings"
	"testing"
)

// plantLink is one client → server:502 Modbus link of the plant capture.
// Frames and bytes come from `tshark -q -z conv,tcp`, request counts per
// function code from `tshark -Y mbtcp -T fields -e ip.src -e ip.dst
// -e modbus.func_code` (requests only: client → server).
type plantLink struct {
	client, server     string
	toServer, toClient int64
	bytes              int64
	fcs                map[string]int64
}

var plantLinks = []plantLink{
	{"10.50.0.5", "192.168.10.30", 22, 20, 2838, map[string]int64{"3": 18}},
	{"10.50.0.8", "192.168.10.23", 7, 5, 879, map[string]int64{"3": 3}},
	{"192.168.10.10", "192.168.10.21", 10, 8, 1266, map[string]int64{"3": 6}},
	{"192.168.10.10", "192.168.10.22", 10, 8, 1242, map[string]int64{"4": 6}},
	{"192.168.10.10", "192.168.10.23", 16, 14, 1950, map[string]int64{"1": 6, "2": 6}},
	{"192.168.10.50", "192.168.10.21", 5, 3, 546, map[string]int64{"43": 1}},
	{"192.168.10.50", "192.168.10.22", 7, 5, 775, map[string]int64{"5": 1, "6": 1, "16": 1}},
}

func TestLinksPlant(t *testing.T) {
	dir := replayInto(t, plantPcap)
	ids := map[string]string{}
	for _, d := range devicesJSON(t, dir) {
		for _, ip := range strs(t, d, "ips") {
			ids[ip] = d["id"].(string)
		}
	}
	r := mustRun(t, exitOK, "--data-dir", dir, "links", "-o", "json")
	var links []map[string]any
	decode(t, r.stdout, &links)
	if len(links) != len(plantLinks) {
		t.Fatalf("%d links, want %d:\n%s", len(links), len(plantLinks), r.stdout)
	}
	// Sorted by client, then server: the order of plantLinks.
	for i, want := range plantLinks {
		l := links[i]
		if str(t, l, "client_ip") != want.client || str(t, l, "server_ip") != want.server {
			t.Errorf("link %d is %v → %v, want %s → %s", i, l["client_ip"], l["server_ip"], want.client, want.server)
			continue
		}
		name := want.client + " → " + want.server
		if str(t, l, "transport") != "TCP" || num(t, l, "port") != 502 || str(t, l, "app_proto") != "modbus" {
			t.Errorf("%s: %v/%v %v, want TCP/502 modbus", name, l["transport"], l["port"], l["app_proto"])
		}
		if str(t, l, "client_id") != ids[want.client] || str(t, l, "server_id") != ids[want.server] {
			t.Errorf("%s: ids %v → %v, want the devices' %s → %s", name, l["client_id"], l["server_id"], ids[want.client], ids[want.server])
		}
		if num(t, l, "flows") != 1 {
			t.Errorf("%s: %v flows, want 1", name, l["flows"])
		}
		got := [4]int64{num(t, l, "packets_to_server"), num(t, l, "packets_to_client"), num(t, l, "packets"), num(t, l, "bytes")}
		if wantN := [4]int64{want.toServer, want.toClient, want.toServer + want.toClient, want.bytes}; got != wantN {
			t.Errorf("%s: packets to server/to client/total, bytes %v, want %v", name, got, wantN)
		}
		fcs := obj(t, obj(t, l, "modbus"), "function_codes")
		if len(fcs) != len(want.fcs) {
			t.Errorf("%s: function codes %v, want %v", name, fcs, want.fcs)
		}
		for fc, n := range want.fcs {
			if _, ok := fcs[fc]; !ok || num(t, fcs, fc) != n {
				t.Errorf("%s: function code %s: %v requests, want %d", name, fc, fcs[fc], n)
			}
		}
		if num(t, l, "anomalies") != 0 {
			t.Errorf("%s: %v anomalies in a clean capture", name, l["anomalies"])
		}
	}
}

func TestLinksFormats(t *testing.T) {
	dir := replayInto(t, plantPcap)
	table := mustRun(t, exitOK, "--data-dir", dir, "links").stdout
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != len(plantLinks)+1 || !strings.HasPrefix(lines[0], "CLIENT") {
		t.Fatalf("links table:\n%s", table)
	}
	wide := mustRun(t, exitOK, "--data-dir", dir, "links", "-o", "wide").stdout
	// 192.168.10.50 → .22 wrote with FC 5, 6 and 16.
	if !strings.Contains(wide, "FUNCTION CODES") || !strings.Contains(wide, "5,6,16") {
		t.Errorf("wide links table lacks function codes:\n%s", wide)
	}
	yml := mustRun(t, exitOK, "--data-dir", dir, "links", "-o", "yaml").stdout
	if strings.Count(yml, "client_ip:") != len(plantLinks) {
		t.Errorf("yaml links:\n%s", yml)
	}
}
