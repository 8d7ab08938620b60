package decode

import (
	"encoding/json"
	"net"
	"os"
	"slices"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

// notDecoded are EtherTypes of encapsulations this decoder leaves alone
// (KindL2) while tshark finds IP inside: MPLS, PPPoE session, ERSPAN type
// II, NSH, Cisco MetaData.
var notDecoded = []layers.EthernetType{0x8847, 0x8848, 0x8864, 0x88be, 0x894f, 0x8909}

// corpusTruth is the part of a *.truth.json this test checks.
type corpusTruth struct {
	General struct {
		PacketCount       int            `json:"packet_count"`
		FramesPerProtocol map[string]int `json:"frames_per_protocol"`
		IPv4Hosts         []string       `json:"ipv4_hosts"`
		IPv6Hosts         []string       `json:"ipv6_hosts"`
		MACAddresses      []string       `json:"mac_addresses"`
	} `json:"general"`
}

// TestDecodeCorpus decodes every frame of the shared captures and checks it
// against what tshark 4.0 saw in them (the *.truth.json files): the number
// of frames carrying TCP, UDP, ARP, IPv4 and IPv6 (reassembled fragments
// count once, on the frame that completes them, as in tshark), and every
// address and MAC. Nothing may fail to decode. Frames of encapsulations
// the decoder does not open (notDecoded) may hide IP that tshark counted.
func TestDecodeCorpus(t *testing.T) {
	checked := 0
	for _, path := range captureFiles(t) {
		b, err := os.ReadFile(path + ".truth.json")
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		var tr corpusTruth
		if err := json.Unmarshal(b, &tr); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		frames := readCapture(t, path, 0)
		if len(frames) != tr.General.PacketCount {
			t.Errorf("%s: %d frames, tshark %d", path, len(frames), tr.General.PacketCount)
		}
		d := New()
		got := map[string]int{}
		hidden := 0
		for i, c := range frames {
			p := d.Decode(c.data, c.ci, c.lt)
			switch p.Kind {
			case KindError, KindUnsupported:
				t.Errorf("%s frame %d: Kind %d: %v", path, i+1, p.Kind, p.Err)
			case KindARP:
				got["arp"]++
			case KindL2:
				if slices.Contains(notDecoded, p.EtherType) {
					hidden++
				}
			case KindIP:
				if p.Src.Is4() {
					got["ip"]++
				} else {
					got["ipv6"]++
				}
				if p.TCP != nil {
					got["tcp"]++
				}
				if p.UDP != nil {
					got["udp"]++
				}
				for _, a := range []string{p.Src.String(), p.Dst.String()} {
					if !slices.Contains(tr.General.IPv4Hosts, a) && !slices.Contains(tr.General.IPv6Hosts, a) {
						t.Errorf("%s frame %d: address %s unknown to tshark", path, i+1, a)
					}
				}
			}
			for _, m := range []struct {
				has bool
				mac [6]byte
			}{{p.HasSrcMAC, p.SrcMAC}, {p.HasDstMAC, p.DstMAC}} {
				if m.has && !slices.Contains(tr.General.MACAddresses, net.HardwareAddr(m.mac[:]).String()) {
					t.Errorf("%s frame %d: MAC %x unknown to tshark", path, i+1, m.mac)
				}
			}
		}
		for _, proto := range []string{"tcp", "udp", "arp", "ip", "ipv6"} {
			want := tr.General.FramesPerProtocol[proto]
			if miss := want - got[proto]; miss < 0 || miss > hidden {
				t.Errorf("%s: %d %s frames, tshark %d (%d frames of encapsulations not decoded)", path, got[proto], proto, want, hidden)
			}
		}
		checked++
	}
	t.Logf("%d captures checked", checked)
}
