package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Packet counts of the attack scenario, derived from its schedule
// (scen_attack.go: 8 minutes dense, the last action 2 s before the end,
// then sparse until 15 minutes):
//
//	open: 4 Modbus handshakes (12) + 2 DNP3 handshakes (6) + 3 sensors
//	      (handshake 3 + CONNECT/CONNACK 2) + the historian's subscriber
//	      (3 + 2 + SUBSCRIBE/SUBACK 2) = 40
//	Modbus rounds at 1 s + 5 s k, k = 0..95: 96 x 14 = 1344
//	DNP3 rounds at 2 s + 10 s k, k = 0..47: 48 x 4 = 192
//	MQTT rounds at 3 s + 10 s k: 48 x (3 x (2 + 1)) = 432
//	HMI 1 TLS 1.2 at 4 s + 60 s k, k = 0..7: 8 x 13 = 104
//	EWS TLS 1.3 at 30, 150, 270, 390 s: 4 x 12 = 48
//	engineering at 60, 180, 300, 420 s: 4 x (10 + 8) = 72
//	close: 4 x 3 + 2 x 3 + 4 x 4 = 34
//	sparse background from 8 to 15 minutes (actions at 481, 482, 483,
//	484 s + 60 s k, k = 0..6, before the close at 898 s): 7 x (Modbus 14 +
//	DNP3 4 + MQTT 9 + TLS 13) = 280
const scenNormalPackets = 40 + 1344 + 192 + 432 + 104 + 48 + 72 + 34 + 280

// The attacks add (scen_attack_inject.go): new device 3+4+3, new port
// 3+2+3, new link 3+2+3, write 2, address 2, UMAS 3+4+3, identity 8, cold
// restart 2, stop 2, rogue master 3+2+3, EWS as master 3+2+3, file open 2, MQTT anonymous
// 3+2+2+4, wildcard 3+2+2+4, client id 3+2+2+4, five TLS sessions 5 x
// 13, port scan 30 x 2, address scan 60, unit id scan 3+25 x 2+3, 25
// retries x 2; IIN bits, the bad byte count and the bad CRC change
// packets without adding any. Then (scen_attack_dnp3.go) initialize data
// 2, activate configuration 3+2+3, disable unsolicited 2; and
// (scen_attack_silence.go) the master's polls of RTU 1 stop from 240 s
// (rounds at 242-472 s: 24 x 2 fewer, and the 7 sparse rounds: 7 x 2
// fewer) and that connection is not closed (3 fewer).
const scenAttackPackets = 10 + 8 + 8 + 2 + 2 + 10 + 8 + 2 + 2 + 8 + 8 + 2 + 11 + 11 + 11 + 5*13 + 60 + 60 + 56 + 50 +
	2 + 8 + 2 - 24*2 - 7*2 - 3

// TestScenarioLabelsUpToDate fails when scenarios/labels.json is not
// what the generator makes now.
func TestScenarioLabelsUpToDate(t *testing.T) {
	got, err := scenLabelsJSON()
	if err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(filepath.Join(committedDir, scenLabelsFile))
	if err != nil {
		t.Fatalf("%v: run go run ./pcaps/gen", err)
	}
	if !bytes.Equal(got, old) {
		t.Errorf("pcaps/%s is out of date: run go run ./pcaps/gen", scenLabelsFile)
	}
}

// scenSilences are the silence rules and the least silence before a
// label's span that raises them (the lower bound of the threshold).
var scenSilences = map[string]time.Duration{rChannel: scChannelMin, rSilent: scDeviceSilence}

// TestScenarioLabels checks the labels against the suspect capture, read
// with gopacket: every label lies inside the capture, after the normal
// one, and, when it names a source, that source sends a packet within
// the label's span (to the destination, when the label names one and
// not the other way round); for a silence (scenSilences) it is the
// other way round: no such packet within the span nor the threshold
// before it (for a channel, none either way).
func TestScenarioLabels(t *testing.T) {
	var doc scenLabelsDoc
	b, err := scenLabelsJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	type pkt struct {
		t        time.Time
		src, dst netip.Addr
	}
	read := func(name string) []pkt {
		fs := crafted(t, name)
		out := make([]pkt, 0, len(fs))
		for _, f := range fs {
			p := gopacket.NewPacket(f.data, f.link, gopacket.Default)
			ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			if !ok {
				t.Fatalf("%s: a packet without IPv4", name)
			}
			s, _ := netip.AddrFromSlice(ip.SrcIP.To4())
			d, _ := netip.AddrFromSlice(ip.DstIP.To4())
			out = append(out, pkt{f.ci.Timestamp, s, d})
		}
		return out
	}
	normal, suspect := read(scenNormalFile), read(scenSuspectFile)
	if len(normal) == 0 || len(suspect) == 0 {
		t.Fatal("empty capture")
	}
	nEnd := normal[len(normal)-1].t
	sStart, sEnd := suspect[0].t, suspect[len(suspect)-1].t
	if !sStart.After(nEnd) {
		t.Fatalf("the suspect capture starts at %v, before the normal one ends (%v)", sStart, nEnd)
	}
	if nEnd.Sub(normal[0].t) > scenSuspectSpan || sEnd.Sub(sStart) > scenSuspectSpan {
		t.Errorf("a capture is longer than %v", scenSuspectSpan)
	}
	attacks := map[string]bool{}
	for _, l := range doc.Labels {
		attacks[l.Attack] = true
		if l.Rule == "" || l.Description == "" {
			t.Errorf("%+v: empty field", l)
		}
		if l.Time.Before(sStart) || l.End.After(sEnd) || l.End.Before(l.Time) {
			t.Errorf("%s %s: span %v-%v outside the suspect capture %v-%v", l.Attack, l.Rule, l.Time, l.End, sStart, sEnd)
		}
		if l.Source == "" {
			continue
		}
		src := netip.MustParseAddr(l.Source)
		if quiet, ok := scenSilences[l.Rule]; ok {
			// A silence: nothing from the source (channel: either way
			// between source and destination) for the threshold before
			// the span and within it.
			for _, p := range suspect {
				if p.t.Before(l.Time.Add(-quiet)) || p.t.After(l.End) {
					continue
				}
				if p.src == src && (l.Destination == "" || p.dst.String() == l.Destination) ||
					l.Destination != "" && p.src.String() == l.Destination && p.dst == src {
					t.Errorf("%s %s: a packet %s -> %s at %v breaks the silence", l.Attack, l.Rule, p.src, p.dst, p.t)
					break
				}
			}
			continue
		}
		found := false
		for _, p := range suspect {
			if !p.t.Before(l.Time) && !p.t.After(l.End) && p.src == src && (l.Destination == "" || p.dst.String() == l.Destination) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s %s: no packet from %s to %q within the label's span", l.Attack, l.Rule, l.Source, l.Destination)
		}
	}
	// The brief's attacks, one name each.
	for _, a := range []string{"new-device", "new-port", "new-link", "modbus-write", "modbus-address", "umas", "identity-change",
		"dnp3-cold-restart", "dnp3-restarted", "dnp3-stop-application", "dnp3-rogue-master", "dnp3-new-master", "dnp3-file-open", "dnp3-device-trouble",
		"mqtt-anonymous", "mqtt-wildcard", "mqtt-client-id", "tls-1.0", "tls-self-signed", "tls-expired", "tls-weak-cipher",
		"tls-new-fingerprint", "port-scan", "address-scan", "unit-id-scan", "modbus-exceptions", "modbus-violation", "dnp3-violation",
		"dnp3-initialize-data", "dnp3-activate-config", "dnp3-disable-unsolicited", "dnp3-channel-stopped"} {
		if !attacks[a] {
			t.Errorf("no label for attack %s", a)
		}
	}
	// The normal capture's hosts are the suspect's, but for the
	// attackers and the scanned addresses.
	hosts := map[netip.Addr]bool{}
	for _, p := range normal {
		hosts[p.src], hosts[p.dst] = true, true
	}
	extra := map[netip.Addr]bool{}
	for _, p := range suspect {
		for _, a := range []netip.Addr{p.src, p.dst} {
			if !hosts[a] {
				extra[a] = true
			}
		}
	}
	if want := 2 + 60; len(extra) != want {
		t.Errorf("the suspect capture has %d hosts the normal one lacks, want %d (2 attackers, 60 scanned)", len(extra), want)
	}
}
