package alerts_test

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/sensor"
	"github.com/otsensor/otsensor/sensor/flow"
)

// replayBaseline replays files through the real pipeline into a new
// engine on b (learn: Config.Learn) and returns the engine's alerts.
func replayBaseline(t *testing.T, b *alerts.Baseline, learn bool, files ...string) []*alerts.Alert {
	t.Helper()
	e := alerts.NewEngine(alerts.Config{Baseline: b, Learn: learn})
	replayInto(t, e, files...)
	return e.Alerts()
}

func policyAlerts(all []*alerts.Alert) []*alerts.Alert {
	var out []*alerts.Alert
	for _, a := range all {
		if a.Engine == alerts.EnginePolicy {
			out = append(out, a)
		}
	}
	return out
}

// topology is what a capture shows, read with gopacket independently of
// the sensor: its stations and its TCP links (client, server, port), the
// client being the sender of the SYN.
type topology struct {
	hosts map[netip.Addr]bool
	links map[tcpLink]bool
	pairs map[[2]netip.Addr]bool
}

type tcpLink struct {
	client, server netip.Addr
	port           uint16
}

func stationIP(a netip.Addr) bool {
	return a.IsValid() && !a.IsUnspecified() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// readTopology reads files (pcap, gzip or not) into one topology. It
// fails on what it does not model: UDP, and TCP connections whose SYN is
// not in the capture.
func readTopology(t *testing.T, files ...string) topology {
	t.Helper()
	top := topology{hosts: map[netip.Addr]bool{}, links: map[tcpLink]bool{}, pairs: map[[2]netip.Addr]bool{}}
	for _, file := range files {
		type conn struct{ a, b netip.AddrPort }
		synced := map[conn]bool{}
		var seen []conn
		readPackets(t, file, func(p gopacket.Packet) {
			var src, dst netip.Addr
			switch ip := p.NetworkLayer().(type) {
			case *layers.IPv4:
				src, _ = netip.AddrFromSlice(ip.SrcIP.To4())
				dst, _ = netip.AddrFromSlice(ip.DstIP.To4())
			case *layers.IPv6:
				src, _ = netip.AddrFromSlice(ip.SrcIP)
				dst, _ = netip.AddrFromSlice(ip.DstIP)
			default:
				return
			}
			for _, a := range []netip.Addr{src, dst} {
				if stationIP(a) {
					top.hosts[a] = true
				}
			}
			if p.Layer(layers.LayerTypeUDP) != nil {
				t.Fatalf("%s: readTopology does not model UDP", file)
			}
			tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
			if !ok {
				return
			}
			c := conn{netip.AddrPortFrom(src, uint16(tcp.SrcPort)), netip.AddrPortFrom(dst, uint16(tcp.DstPort))}
			if tcp.SYN && !tcp.ACK {
				synced[c] = true
				top.links[tcpLink{src, dst, uint16(tcp.DstPort)}] = true
				top.pairs[[2]netip.Addr{src, dst}] = true
			}
			seen = append(seen, c)
		})
		for _, c := range seen {
			if !synced[c] && !synced[conn{c.b, c.a}] {
				t.Fatalf("%s: a TCP connection %v-%v without SYN", file, c.a, c.b)
			}
		}
	}
	return top
}

// expectPolicy is what replaying suspect against a baseline learnt from
// normal must raise, by the rules of the policy engine: a new_device per
// station of suspect that normal lacks; a new_link per link of suspect
// that normal lacks between two stations of normal (a new station is in
// its own learning window for the whole capture), titled "New port" when
// normal has that client and server on another port.
func expectPolicy(normal, suspect topology) (devices, links []string) {
	for h := range suspect.hosts {
		if !normal.hosts[h] {
			devices = append(devices, h.String())
		}
	}
	for l := range suspect.links {
		c, s, port := l.client, l.server, l.port
		if normal.links[l] || !normal.hosts[c] || !normal.hosts[s] {
			continue
		}
		title := "New link"
		if normal.pairs[[2]netip.Addr{c, s}] {
			title = "New port"
		}
		links = append(links, fmt.Sprintf("%s %v %v:%d", title, c, s, port))
	}
	slices.Sort(devices)
	slices.Sort(links)
	return devices, links
}

// gotPolicy is the same from the alerts raised.
func gotPolicy(t *testing.T, all []*alerts.Alert) (devices, links []string) {
	t.Helper()
	for _, a := range policyAlerts(all) {
		switch a.Rule {
		case "policy.new_device":
			devices = append(devices, a.Source.IP.String())
		case "policy.new_link":
			title, _, _ := strings.Cut(a.Title, " TCP/")
			links = append(links, fmt.Sprintf("%s %v %v:%d", title, a.Source.IP, a.Destination.IP, a.Destination.Port))
		default:
			continue // the protocol policy rules: baseline_proto_replay_test.go
		}
		if a.Count != 1 {
			t.Errorf("%s %q raised %d times", a.Rule, a.Title, a.Count)
		}
	}
	slices.Sort(devices)
	slices.Sort(links)
	return devices, links
}

// TestReplayBaseline learns captures, locks, and replays: the normal
// capture again raises no policy alert; modbus_port5020.pcap raises its
// new devices and links, as read from the captures with gopacket.
func TestReplayBaseline(t *testing.T) {
	p5020 := pcap("modbus_port5020.pcap")
	suspect := readTopology(t, p5020)
	cases := []struct {
		name                string
		normal              []string
		wantDevices, wantLk bool // the case must expect some (else it tests nothing)
	}{
		// 5020's HMI and PLC are not in the plant: two new devices, whose
		// link is inside their own learning window
		{"plant", []string{pcap("modbus_plant.pcap.gz")}, true, false},
		// modbus_functions.pcap has the same HMI polling the PLC on 502:
		// port 5020 is a new port between known devices
		{"plant+functions", []string{pcap("modbus_plant.pcap.gz"), pcap("modbus_functions.pcap")}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := alerts.NewBaseline(alerts.BaselineConfig{})
			if got := policyAlerts(replayBaseline(t, b, false, tc.normal...)); len(got) != 0 {
				t.Fatalf("learning mode raised %d policy alerts", len(got))
			}
			st := b.Status()
			normal := readTopology(t, tc.normal...)
			if st.HostCount != len(normal.hosts) || st.LinkCount != len(normal.links) {
				t.Errorf("learnt %d hosts %d links; the captures have %d and %d", st.HostCount, st.LinkCount, len(normal.hosts), len(normal.links))
			}
			b.Lock(st.Last)
			for _, a := range policyAlerts(replayBaseline(t, b, false, tc.normal...)) {
				t.Errorf("the learnt captures replayed again raised %s %q (%v -> %v)", a.Rule, a.Title, a.Source, a.Destination)
			}
			wantDev, wantLinks := expectPolicy(normal, suspect)
			if (len(wantDev) > 0) != tc.wantDevices || (len(wantLinks) > 0) != tc.wantLk {
				t.Fatalf("expected devices %v links %v: not what this case is about", wantDev, wantLinks)
			}
			gotDev, gotLinks := gotPolicy(t, replayBaseline(t, b, false, p5020))
			if !slices.Equal(gotDev, wantDev) {
				t.Errorf("new devices %v, want %v", gotDev, wantDev)
			}
			if !slices.Equal(gotLinks, wantLinks) {
				t.Errorf("new links %v, want %v", gotLinks, wantLinks)
			}
			// learnt after alerting: replaying it again raises nothing
			for _, a := range policyAlerts(replayBaseline(t, b, false, p5020)) {
				t.Errorf("second replay of the suspect capture raised %s %q", a.Rule, a.Title)
			}
		})
	}
}

// TestReplayBaselineSharedCorpus: every capture of the shared corpus,
// learnt into a fresh baseline, locked and replayed again into it, raises
// no policy.new_device (the cross-check) and no policy.new_link.
func TestReplayBaselineSharedCorpus(t *testing.T) {
	files := sharedCaptures(t)
	hosts, links := 0, 0
	for _, file := range files {
		b := alerts.NewBaseline(alerts.BaselineConfig{})
		replayBaseline(t, b, false, file)
		st := b.Status()
		hosts += st.HostCount
		links += st.LinkCount
		if st.DroppedHosts != 0 || st.DroppedLinks != 0 {
			t.Errorf("%s: baseline full: %+v", file, st)
		}
		b.Lock(st.Last)
		for _, a := range policyAlerts(replayBaseline(t, b, false, file)) {
			t.Errorf("%s replayed twice: %s %q %v -> %v", file, a.Rule, a.Title, a.Source, a.Destination)
		}
	}
	if hosts == 0 || links == 0 {
		t.Fatalf("the corpus taught nothing: %d hosts %d links", hosts, links)
	}
	t.Logf("%d captures: %d hosts and %d links learnt in all", len(files), hosts, links)
}

// BenchmarkReplayBaseline is BenchmarkReplay's "engine" case with an
// operational baseline learnt from the same capture: the difference is
// the policy engine's share of the pipeline.
func BenchmarkReplayBaseline(b *testing.B) {
	bl := alerts.NewBaseline(alerts.BaselineConfig{})
	e := alerts.NewEngine(alerts.Config{Baseline: bl})
	plant := []string{pcap("modbus_plant.pcap.gz")}
	run := func() *sensor.Summary {
		sum, err := sensor.Replay(context.Background(), plant, sensor.ReplayConfig{
			Flow:       flow.DefaultConfig(),
			Dissectors: all.Dissectors(all.Options{}),
			Observer:   e,
		})
		if err != nil || len(sum.FileErrors) > 0 {
			b.Fatal(err, sum.FileErrors)
		}
		return sum
	}
	run()
	bl.Lock(bl.Status().Last)
	var pkts uint64
	b.ReportAllocs()
	for b.Loop() {
		pkts = run().Packets
	}
	b.ReportMetric(float64(pkts)*float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
	for _, a := range e.Alerts() {
		if a.Engine == alerts.EnginePolicy {
			b.Fatalf("policy alert %s", a.Rule)
		}
	}
}
