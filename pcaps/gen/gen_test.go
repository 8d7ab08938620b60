package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// committedDir is pcaps/, where the generated files are committed.
var committedDir = filepath.Join("..")

// want is what each crafted file must contain. Packet counts are derived
// from the scenarios (see each scenario's comment), not copied from output:
// a basic session is 3 (handshake) + 2*8 (exchanges) + 3 (close) = 22.
var want = map[string]struct {
	links   []layers.LinkType
	packets int
}{
	// conn 1: 3 + 2*46 exchanges + 1 unanswered FC 8/04 + 3 = 99;
	// gateway: 3 + 2*3 + 3 = 12; vendor: 3 + 2*7 + 3 = 20.
	"modbus_functions.pcap": {[]layers.LinkType{layers.LinkTypeEthernet}, 131},
	// 10 connections of 3 + 2 (valid) + 3 = 8, plus the defects:
	// 1+1+1+1+4+2+3+14+2+2 = 31.
	"modbus_malformed.pcap": {[]layers.LinkType{layers.LinkTypeEthernet}, 111},
	// conn 1: 3 + 5 + 4 + 2 + 3 + 3 + 3 + 3 = 26; conn 2: 3+2+1+2+2+1+1 = 12.
	"modbus_segmentation.pcap": {[]layers.LinkType{layers.LinkTypeEthernet}, 38},
	// 1 response + 4*(2+2) + 2 + 3 + 3.
	"modbus_midstream.pcap": {[]layers.LinkType{layers.LinkTypeEthernet}, 25},
	// HTTP: 3+2+3; TLS: 3+1+1.
	"non_modbus_port502.pcap": {[]layers.LinkType{layers.LinkTypeEthernet}, 13},
	"modbus_port5020.pcap":    {[]layers.LinkType{layers.LinkTypeEthernet}, 22},
	// 3 basic sessions + 3 + 2 + 3 fragments + 1 + 2 + 3.
	"modbus_vlan_ipv6_frag.pcap": {[]layers.LinkType{layers.LinkTypeEthernet}, 80},
	"modbus_sll.pcap":            {[]layers.LinkType{layers.LinkTypeLinuxSLL}, 22},
	"modbus_sll2.pcap":           {[]layers.LinkType{layers.LinkTypeLinuxSLL2}, 22},
	"modbus_rawip.pcap":          {[]layers.LinkType{layers.LinkTypeRaw}, 22},
	"modbus_null.pcap":           {[]layers.LinkType{layers.LinkTypeNull}, 22},
	// two sessions of 3 + 2*3 + 3.
	"modbus_multi_if.pcapng":   {[]layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw}, 24},
	"modbus_bigendian_ns.pcap": {[]layers.LinkType{layers.LinkTypeEthernet}, 22},
	// ARP 2*7 + handshakes 3*5 + 6 rounds*14 + historian 3*2 +
	// engineering (3+6+3)+(3+2+3) + closes 3*5.
	"modbus_plant.pcap.gz": {[]layers.LinkType{layers.LinkTypeEthernet}, 154},
	// DNP3: the counts are derived in each scenario's doc comment.
	"dnp3_session.pcap":          {[]layers.LinkType{layers.LinkTypeEthernet}, 46},
	"dnp3_udp.pcap":              {[]layers.LinkType{layers.LinkTypeEthernet}, 28},
	"dnp3_malformed.pcap":        {[]layers.LinkType{layers.LinkTypeEthernet}, 133},
	"dnp3_multi_outstation.pcap": {[]layers.LinkType{layers.LinkTypeEthernet}, 66},
	// MQTT: the counts are derived in each scenario's doc comment.
	"mqtt_malformed.pcap": {[]layers.LinkType{layers.LinkTypeEthernet}, 226},
	"mqtt_port.pcap":      {[]layers.LinkType{layers.LinkTypeEthernet}, 37},
	// TLS: the count is derived in the scenario's doc comment.
	"tls_malformed.pcap": {[]layers.LinkType{layers.LinkTypeEthernet}, 274},
	// The attack scenario: the counts are derived in scen_attack_test.go.
	scenNormalFile:  {[]layers.LinkType{layers.LinkTypeEthernet}, scenNormalPackets},
	scenSuspectFile: {[]layers.LinkType{layers.LinkTypeEthernet}, scenNormalPackets + scenAttackPackets},
}

func TestCapturesListed(t *testing.T) {
	var names []string
	for _, c := range captures() {
		names = append(names, c.name)
		if _, ok := want[c.name]; !ok {
			t.Errorf("%s has no expectations in want", c.name)
		}
	}
	if len(names) != len(want) {
		t.Errorf("captures() has %d files, want has %d", len(names), len(want))
	}
	if n := len(names); n < 12 || n > 26 {
		t.Errorf("%d crafted files, the set should stay at 12-26", n)
	}
}

func TestDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	na, err := writeCrafted(a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writeCrafted(b); err != nil {
		t.Fatal(err)
	}
	for _, n := range na {
		x, err1 := os.ReadFile(filepath.Join(a, n))
		y, err2 := os.ReadFile(filepath.Join(b, n))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", n)
		}
	}
}

// TestCommittedUpToDate fails when the files in pcaps/ are not what the
// generator makes now.
func TestCommittedUpToDate(t *testing.T) {
	for _, c := range captures() {
		got, _, err := c.bytes()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		old, err := os.ReadFile(filepath.Join(committedDir, c.name))
		if err != nil {
			t.Errorf("%s: %v: run go run ./pcaps/gen", c.name, err)
			continue
		}
		if !bytes.Equal(got, old) {
			t.Errorf("pcaps/%s is out of date: run go run ./pcaps/gen", c.name)
		}
	}
}

func TestReadBack(t *testing.T) {
	for _, c := range captures() {
		t.Run(c.name, func(t *testing.T) {
			b, n, err := c.bytes()
			if err != nil {
				t.Fatal(err)
			}
			fs, err := readCapture(c.name, b)
			if err != nil {
				t.Fatal(err)
			}
			w := want[c.name]
			if len(fs) != w.packets || n != w.packets {
				t.Errorf("%s; generator wrote %d; want %d packets", describe(fs), n, w.packets)
			}
			if got := linkSet(fs); !slices.Equal(got, w.links) {
				t.Errorf("link types %v, want %v", got, w.links)
			}
			for i := 1; i < len(fs); i++ {
				if fs[i].ci.Timestamp.Before(fs[i-1].ci.Timestamp) {
					t.Errorf("packet %d is older than packet %d", i+1, i)
				}
			}
		})
	}
}

// TestTCPConsistent checks sequence and acknowledgement numbers: every
// file is clean except the deliberate cases of modbus_segmentation.pcap.
func TestTCPConsistent(t *testing.T) {
	special := map[string]tcpReport{
		// One exact retransmission, one overlapping, one out-of-order pair
		// (a gap then its fill), one lost request (a gap, and the server's
		// answer acknowledging the unseen bytes).
		"modbus_segmentation.pcap": {retrans: 1, overlap: 1, gaps: 2, fills: 1, ackUnseen: 1},
		// One request travels in three fragments.
		"modbus_vlan_ipv6_frag.pcap": {fragmented: 1},
	}
	for _, c := range captures() {
		t.Run(c.name, func(t *testing.T) {
			b, _, err := c.bytes()
			if err != nil {
				t.Fatal(err)
			}
			fs, err := readCapture(c.name, b)
			if err != nil {
				t.Fatal(err)
			}
			r, err := checkTCP(fs)
			if err != nil {
				t.Fatal(err)
			}
			if r.segments == 0 {
				t.Fatal("no TCP segments")
			}
			w := special[c.name]
			w.segments = r.segments
			if r != w {
				t.Errorf("got %+v, want %+v", r, w)
			}
		})
	}
}

// TestLiveCapture checks the committed live recording: real kernel TCP
// must be consistent too, and hold the functions the live client used.
func TestLiveCapture(t *testing.T) {
	fs := liveFrames(t, liveFile, "sudo go run ./pcaps/gen -live", 20)
	adus := modbusADUs(t, fs)
	fcs := map[uint8]bool{}
	for _, a := range adus {
		fcs[a.fc] = true
	}
	for _, fc := range []uint8{1, 2, 3, 4, 5, 6, 15, 16, 0x83, 43} {
		if !fcs[fc] {
			t.Errorf("live capture lacks function code %#x", fc)
		}
	}
}
