package main

import (
	"encoding/binary"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// adu is one Modbus/TCP ADU found whole in a TCP segment.
type adu struct {
	toServer bool
	tid      uint16
	proto    uint16
	unit     uint8
	fc       uint8
	pdu      []byte // function code and data
}

// modbusADUs splits the payload of every TCP segment to or from ports 502
// and 5020 into ADUs, reading MBAP headers by hand (independently of the
// synth encoders). It stops at the first inconsistent header of a segment.
func modbusADUs(t *testing.T, fs []frame) []adu {
	t.Helper()
	var out []adu
	for _, f := range fs {
		p := gopacket.NewPacket(f.data, f.link, gopacket.Default)
		tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if !ok {
			continue
		}
		toServer := tcp.DstPort == 502 || tcp.DstPort == 5020
		if !toServer && tcp.SrcPort != 502 && tcp.SrcPort != 5020 {
			continue
		}
		b := tcp.Payload
		for len(b) >= 8 {
			n := int(binary.BigEndian.Uint16(b[4:]))
			if n < 2 || 6+n > len(b) {
				break
			}
			out = append(out, adu{toServer: toServer, tid: binary.BigEndian.Uint16(b), proto: binary.BigEndian.Uint16(b[2:]),
				unit: b[6], fc: b[7], pdu: b[7 : 6+n]})
			b = b[6+n:]
		}
	}
	return out
}

func crafted(t *testing.T, name string) []frame {
	t.Helper()
	for _, c := range captures() {
		if c.name != name {
			continue
		}
		b, _, err := c.bytes()
		if err != nil {
			t.Fatal(err)
		}
		fs, err := readCapture(name, b)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	t.Fatalf("no capture %s", name)
	return nil
}

// TestFunctionsCoverage checks modbus_functions.pcap against the brief:
// every public function code, every FC 8 sub-function, Read Device ID in
// all modes with a more-follows stream, every exception code, user and
// vendor codes.
func TestFunctionsCoverage(t *testing.T) {
	adus := modbusADUs(t, crafted(t, "modbus_functions.pcap"))
	reqFC := map[uint8]bool{}
	respFC := map[uint8]bool{}
	excs := map[uint8]bool{}
	diag := map[uint16]bool{}
	devID := map[uint8]bool{}
	var mei13, moreFollows bool
	for _, a := range adus {
		if a.proto != 0 {
			t.Errorf("transaction %d: protocol id %d", a.tid, a.proto)
		}
		if a.toServer {
			reqFC[a.fc] = true
			if a.fc == 8 && len(a.pdu) >= 3 {
				diag[binary.BigEndian.Uint16(a.pdu[1:])] = true
			}
			if a.fc == 43 && len(a.pdu) >= 4 && a.pdu[1] == 14 {
				devID[a.pdu[2]] = true
			}
			continue
		}
		respFC[a.fc] = true
		if a.fc&0x80 != 0 && len(a.pdu) == 2 {
			excs[a.pdu[1]] = true
		}
		if a.fc == 43 && len(a.pdu) >= 2 && a.pdu[1] == 13 {
			mei13 = true
		}
		if a.fc == 43 && len(a.pdu) >= 5 && a.pdu[1] == 14 && a.pdu[4] == 0xFF {
			moreFollows = true
		}
	}
	for _, fc := range []uint8{1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 17, 20, 21, 22, 23, 24, 43, 65, 100, 90, 125, 126, 40, 99} {
		if !reqFC[fc] {
			t.Errorf("no request with function code %d", fc)
		}
	}
	// Every request but FC 8/04 (Force Listen Only Mode) is answered.
	for _, fc := range []uint8{1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 17, 20, 21, 22, 23, 24, 43, 65, 100, 90, 125, 126, 40} {
		if !respFC[fc] {
			t.Errorf("no normal response with function code %d", fc)
		}
	}
	if !respFC[99|0x80] || respFC[99] {
		t.Error("FC 99 must be answered with an exception only")
	}
	for _, code := range []uint8{1, 2, 3, 4, 5, 6, 8, 10, 11} {
		if !excs[code] {
			t.Errorf("no exception code %d", code)
		}
	}
	// Spec 6.8.1: sub-functions 00-04, 0A-12 and 14.
	for _, sub := range []uint16{0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20} {
		if !diag[sub] {
			t.Errorf("no FC 8 sub-function %#02x", sub)
		}
	}
	for code := uint8(1); code <= 4; code++ {
		if !devID[code] {
			t.Errorf("no Read Device ID request with code %d", code)
		}
	}
	if !mei13 {
		t.Error("no CANopen General Reference (MEI 13) response")
	}
	if !moreFollows {
		t.Error("no Read Device ID response with more follows")
	}
}

// TestPlantInventory checks what the inventory needs from the plant:
// several IPs behind one router MAC, local MAC/IP pairs, ARP, and the
// PLC's identity strings.
func TestPlantInventory(t *testing.T) {
	fs := crafted(t, "modbus_plant.pcap.gz")
	ipsByMAC := map[string]map[string]bool{}
	arp := 0
	for _, f := range fs {
		p := gopacket.NewPacket(f.data, f.link, gopacket.Default)
		if p.Layer(layers.LayerTypeARP) != nil {
			arp++
		}
		eth, ok := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		ip, ok2 := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ok || !ok2 {
			continue
		}
		m := eth.SrcMAC.String()
		if ipsByMAC[m] == nil {
			ipsByMAC[m] = map[string]bool{}
		}
		ipsByMAC[m][ip.SrcIP.String()] = true
	}
	if arp != 14 {
		t.Errorf("%d ARP packets, want 7 requests and 7 replies", arp)
	}
	router := ipsByMAC["00:00:0c:9c:00:01"]
	if !router["10.50.0.5"] || !router["10.50.0.8"] {
		t.Errorf("router MAC carries %v, want 10.50.0.5 and 10.50.0.8", router)
	}
	for mac, ips := range ipsByMAC {
		if mac != "00:00:0c:9c:00:01" && len(ips) != 1 {
			t.Errorf("local MAC %s has IPs %v", mac, ips)
		}
	}
	var vendor, product, revision bool
	for _, a := range modbusADUs(t, fs) {
		if a.toServer || a.fc != 43 || len(a.pdu) < 7 || a.pdu[1] != 14 {
			continue
		}
		objs := a.pdu[7:]
		for len(objs) >= 2 && len(objs) >= 2+int(objs[1]) {
			v := string(objs[2 : 2+int(objs[1])])
			switch objs[0] {
			case 0:
				vendor = v == "Schneider Electric"
			case 1:
				product = v == "BMX P34 2020"
			case 2:
				revision = v == "v3.10"
			}
			objs = objs[2+int(objs[1]):]
		}
	}
	if !vendor || !product || !revision {
		t.Errorf("identity objects: vendor %v product %v revision %v", vendor, product, revision)
	}
}

// TestNotModbus checks that nothing on port 502 in non_modbus_port502.pcap
// has a valid MBAP header: the sensor must not call it Modbus.
func TestNotModbus(t *testing.T) {
	for _, a := range modbusADUs(t, crafted(t, "non_modbus_port502.pcap")) {
		if a.proto == 0 {
			t.Errorf("found a plausible ADU %+v", a)
		}
	}
}
