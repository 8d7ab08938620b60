package main

import (
	"bytes"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// ngHosts of the mixed-link pcapng: a client and a Modbus server.
var (
	ngClientMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x10}
	ngServerMAC = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x21}
	ngClientIP  = net.IP{172, 16, 0, 10}
	ngServerIP  = net.IP{172, 16, 0, 21}
)

// ngTCP builds an Ethernet/IPv4/TCP frame between the two hosts.
func ngTCP(t *testing.T, toServer bool, seq, ack uint32, syn, fin bool, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: ngClientMAC, DstMAC: ngServerMAC, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: ngClientIP, DstIP: ngServerIP}
	tcp := &layers.TCP{SrcPort: 50000, DstPort: 502, Seq: seq, Ack: ack, SYN: syn, FIN: fin, ACK: ack != 0, PSH: len(payload) > 0, Window: 65535}
	if !toServer {
		eth.SrcMAC, eth.DstMAC = eth.DstMAC, eth.SrcMAC
		ip.SrcIP, ip.DstIP = ip.DstIP, ip.SrcIP
		tcp.SrcPort, tcp.DstPort = tcp.DstPort, tcp.SrcPort
	}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, tcp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}

// mixedPcapng writes a pcapng with interface 0 on Ethernet carrying one
// Modbus exchange and interface 1 on IEEE 802.11 carrying two frames the
// sensor cannot decode, interleaved.
func mixedPcapng(t *testing.T) string {
	t.Helper()
	var out bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&out, pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	wlan, err := w.AddInterface(pcapgo.NgInterface{Name: "wlan0", LinkType: layers.LinkTypeIEEE802_11})
	if err != nil {
		t.Fatal(err)
	}
	const cisn, sisn = 1000, 5000
	// MBAP tid 1, protocol 0, length 6, unit 1; FC 3 Read Holding
	// Registers, address 0, quantity 2.
	req := []byte{0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x02}
	// MBAP tid 1, length 7, unit 1; FC 3, byte count 4, registers 10, 11.
	resp := []byte{0x00, 0x01, 0x00, 0x00, 0x00, 0x07, 0x01, 0x03, 0x04, 0x00, 0x0a, 0x00, 0x0b}
	// An 802.11 beacon header: frame control 80 00, duration, DA
	// broadcast, SA and BSSID 02:00:00:00:00:99, sequence control.
	beacon := []byte{0x80, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0x02, 0, 0, 0, 0, 0x99, 0x02, 0, 0, 0, 0, 0x99, 0x10, 0x00}
	frames := []struct {
		intf int
		data []byte
	}{
		{0, ngTCP(t, true, cisn, 0, true, false, nil)},
		{0, ngTCP(t, false, sisn, cisn+1, true, false, nil)},
		{wlan, beacon},
		{0, ngTCP(t, true, cisn+1, sisn+1, false, false, nil)},
		{0, ngTCP(t, true, cisn+1, sisn+1, false, false, req)},
		{wlan, beacon},
		{0, ngTCP(t, false, sisn+1, cisn+1+uint32(len(req)), false, false, resp)},
		{0, ngTCP(t, true, cisn+1+uint32(len(req)), sisn+1+uint32(len(resp)), false, true, nil)},
		{0, ngTCP(t, false, sisn+1+uint32(len(resp)), cisn+2+uint32(len(req)), false, true, nil)},
	}
	ts := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: ts.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(f.data), Length: len(f.data), InterfaceIndex: f.intf}
		if err := w.WritePacket(ci, f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "mixed.pcapng", out.Bytes())
}

// TestReplayUnsupportedLinkType: frames on an interface whose link type
// the sensor does not decode are counted, not fatal, and the Ethernet
// interface of the same file is processed.
func TestReplayUnsupportedLinkType(t *testing.T) {
	file := mixedPcapng(t)
	dir := filepath.Join(t.TempDir(), "d")
	r := mustRun(t, exitOK, "--data-dir", dir, "replay", "-o", "json", "--events", filepath.Join(t.TempDir(), "ev"), file)
	var s map[string]any
	decode(t, r.stdout, &s)
	if num(t, s, "packets") != 9 || num(t, s, "events") != 2 || num(t, s, "flows") != 1 || num(t, s, "decode_errors") != 0 {
		t.Errorf("packets %v events %v flows %v decode errors %v, want 9, 2 (request and response), 1, 0", s["packets"], s["events"], s["flows"], s["decode_errors"])
	}
	un := obj(t, s, "unsupported_link_types")
	if len(un) != 1 {
		t.Fatalf("unsupported_link_types = %v, want one entry for 802.11", un)
	}
	for k := range un {
		if !strings.Contains(k, "(105)") || num(t, un, k) != 2 {
			t.Errorf("unsupported_link_types = %v, want 2 frames of link type 105", un)
		}
	}

	ds := devicesJSON(t, dir)
	if len(ds) != 2 {
		t.Errorf("%d devices, want the client and the server only", len(ds))
	}
	srv := byIP(t, ds, ngServerIP.String())
	if m := strs(t, srv, "macs"); len(m) != 1 || m[0] != ngServerMAC.String() {
		t.Errorf("server macs %v", m)
	}
	if r := strs(t, srv, "roles"); len(r) != 1 || r[0] != "modbus_server" {
		t.Errorf("server roles %v, want [modbus_server]", r)
	}
	ls := linksJSON(t, dir)
	if len(ls) != 1 {
		t.Fatalf("%d links, want 1", len(ls))
	}
	if fcs := obj(t, obj(t, ls[0], "modbus"), "function_codes"); len(fcs) != 1 || num(t, fcs, "3") != 1 {
		t.Errorf("function codes %v, want one FC 3 request", fcs)
	}

	// The text summary names the unsupported link type too.
	r = mustRun(t, exitOK, "--data-dir", filepath.Join(t.TempDir(), "d"), "replay", file)
	if !strings.Contains(r.stderr, "unsupported links") || !strings.Contains(r.stderr, "(105): 2") {
		t.Errorf("text summary does not report the 802.11 frames:\n%s", r.stderr)
	}
}
