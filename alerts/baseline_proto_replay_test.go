package alerts_test

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/otsensor/otsensor/alerts"
)

// mbRequest is one Modbus/TCP request read from a capture's bytes.
type mbRequest struct {
	client, server netip.Addr
	unit, fc       uint8
	ranges         [][2]int // [lo, hi] addresses the request names
}

// readModbusRequests reads the Modbus/TCP requests (TCP payloads sent to
// port 502 or 5020) of file with gopacket, by the Modbus Application
// Protocol Specification V1.1b3: MBAP header (7 octets: transaction,
// protocol, length, unit), then the PDU. It fails on payloads that do not
// hold whole ADUs (segmentation is not modelled).
func readModbusRequests(t *testing.T, file string) []mbRequest {
	t.Helper()
	var out []mbRequest
	readPackets(t, file, func(p gopacket.Packet) {
		ip, ok := p.NetworkLayer().(*layers.IPv4)
		tcp, ok2 := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if !ok || !ok2 || (tcp.DstPort != 502 && tcp.DstPort != 5020) || len(tcp.Payload) == 0 {
			return
		}
		src, _ := netip.AddrFromSlice(ip.SrcIP.To4())
		dst, _ := netip.AddrFromSlice(ip.DstIP.To4())
		b := tcp.Payload
		for len(b) > 0 {
			if len(b) < 8 {
				t.Fatalf("%s: %d octets left in a segment", file, len(b))
			}
			n := 6 + int(binary.BigEndian.Uint16(b[4:6]))
			if n > len(b) {
				t.Fatalf("%s: an ADU of %d octets in %d", file, n, len(b))
			}
			adu := b[:n]
			b = b[n:]
			req := mbRequest{client: src, server: dst, unit: adu[6], fc: adu[7]}
			d := adu[8:]
			u16 := func(i int) int { return int(binary.BigEndian.Uint16(d[i:])) }
			span := func(addr, qty int) [2]int { return [2]int{addr, min(addr+max(qty, 1)-1, 0xFFFF)} }
			switch {
			case req.fc >= 1 && req.fc <= 4, req.fc == 15, req.fc == 16: // address, quantity
				if len(d) >= 4 {
					req.ranges = append(req.ranges, span(u16(0), u16(2)))
				}
			case req.fc == 5, req.fc == 6, req.fc == 22, req.fc == 24: // one address (24: FIFO pointer)
				if len(d) >= 2 {
					req.ranges = append(req.ranges, span(u16(0), 1))
				}
			case req.fc == 23: // read address, quantity, write address, quantity
				if len(d) >= 8 {
					req.ranges = append(req.ranges, span(u16(4), u16(6)), span(u16(0), u16(2)))
				}
			}
			out = append(out, req)
		}
	})
	return out
}

// mbModel is what a Modbus baseline holds, as sets of addresses (not
// ranges), by client, server, unit and function code.
type mbModel map[[4]string]map[int]bool

func mbModelKey(r mbRequest) [4]string {
	return [4]string{r.client.String(), r.server.String(), fmt.Sprint(r.unit), fmt.Sprint(r.fc)}
}

func (m mbModel) learn(r mbRequest) {
	k := mbModelKey(r)
	if m[k] == nil {
		m[k] = map[int]bool{}
	}
	for _, rg := range r.ranges {
		for a := rg[0]; a <= rg[1]; a++ {
			m[k][a] = true
		}
	}
}

// expect is what r raises against m, then learns: a new function code,
// or the ranges not wholly learnt.
func (m mbModel) expect(r mbRequest) []string {
	var out []string
	k := mbModelKey(r)
	if m[k] == nil {
		out = append(out, fmt.Sprintf("function %v -> %v unit %d fc %d", r.client, r.server, r.unit, r.fc))
	} else {
		for _, rg := range r.ranges {
			for a := rg[0]; a <= rg[1]; a++ {
				if !m[k][a] {
					out = append(out, fmt.Sprintf("address %v -> %v unit %d fc %d %d-%d", r.client, r.server, r.unit, r.fc, rg[0], rg[1]))
					break
				}
			}
		}
	}
	m.learn(r)
	return out
}

// TestReplayProtoModbus learns modbus_plant and modbus_functions, locks,
// and replays modbus_port5020 (the same HMI 10.0.0.10 and PLC
// 10.0.0.21 as modbus_functions, on port 5020): the Modbus policy alerts
// are those an address-set model of the captures' requests predicts.
func TestReplayProtoModbus(t *testing.T) {
	normal := []string{pcap("modbus_plant.pcap.gz"), pcap("modbus_functions.pcap")}
	suspect := pcap("modbus_port5020.pcap")
	m := mbModel{}
	for _, f := range normal {
		for _, r := range readModbusRequests(t, f) {
			m.learn(r)
		}
	}
	var want []string
	for _, r := range readModbusRequests(t, suspect) {
		want = append(want, m.expect(r)...)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	t.Logf("expected:\n%s", strings.Join(want, "\n"))
	if len(want) < 3 {
		t.Fatalf("the model expects only %v: the case tests little", want)
	}

	b := alerts.NewBaseline(alerts.BaselineConfig{})
	replayBaseline(t, b, false, normal...)
	b.Lock(b.Status().Last)
	var got []string
	for _, a := range policyAlerts(replayBaseline(t, b, false, suspect)) {
		if a.Count != 1 {
			t.Errorf("%s %q raised %d times", a.Rule, a.Title, a.Count)
		}
		switch a.Rule {
		case "policy.modbus_function", "policy.modbus_address":
			got = append(got, gotModbus(t, a))
		case "policy.new_link":
		default:
			t.Errorf("unexpected %s %q", a.Rule, a.Title)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c := b.Status().Protocols.CoarsenedRanges; c != 0 {
		t.Errorf("%d ranges coarsened: the model does not hold", c)
	}
	for _, a := range policyAlerts(replayBaseline(t, b, false, suspect)) {
		t.Errorf("second replay raised %s %q", a.Rule, a.Title)
	}
}

// gotModbus renders a Modbus policy alert as mbModel.expect does, from
// its evidence.
func gotModbus(t *testing.T, a *alerts.Alert) string {
	var ev struct {
		Modbus struct {
			Unit uint8 `json:"unit_id"`
			FC   uint8 `json:"function_code"`
		} `json:"modbus"`
		Range *alerts.AddressRange `json:"range"`
	}
	if err := json.Unmarshal(a.Evidence, &ev); err != nil {
		t.Fatalf("%s evidence: %v", a.Rule, err)
	}
	if a.Rule == "policy.modbus_function" {
		return fmt.Sprintf("function %v -> %v unit %d fc %d", a.Source.IP, a.Destination.IP, ev.Modbus.Unit, ev.Modbus.FC)
	}
	return fmt.Sprintf("address %v -> %v unit %d fc %d %d-%d", a.Source.IP, a.Destination.IP, ev.Modbus.Unit, ev.Modbus.FC, ev.Range.Lo, ev.Range.Hi)
}

// TestReplayProtoDNP3 learns dnp3_udp.pcap (master 192.168.20.10 and
// outstation 192.168.20.21, link addresses 1 and 10, over UDP), locks,
// and replays dnp3_session.pcap (the same master and outstation over
// TCP). By the captures' truth files (tshark) the master's requests are
// {0, 1, 5, 20} in dnp3_udp (the NovaTech RTU at .22 only gets link
// status and reads: pcaps/README.md) and {0, 1, 2, 3, 4, 5, 13, 20} in
// dnp3_session: write (2, medium), select (3), operate (4) and cold
// restart (13) are new (high), select and operate from a master that
// operated this outstation before (direct operate, 5). The g0 identity
// of .21 is the same in both: no identity change.
func TestReplayProtoDNP3(t *testing.T) {
	b := alerts.NewBaseline(alerts.BaselineConfig{})
	replayBaseline(t, b, false, pcap("dnp3_udp.pcap"))
	b.Lock(b.Status().Last)
	want := map[string]alerts.Severity{"2": alerts.Medium, "3": alerts.High, "4": alerts.High, "13": alerts.High}
	got := map[string]alerts.Severity{}
	for _, a := range policyAlerts(replayBaseline(t, b, false, pcap("dnp3_session.pcap"))) {
		switch a.Rule {
		case "policy.dnp3_function":
			_, rest, _ := strings.Cut(a.Title, "(function code ")
			fc, _, _ := strings.Cut(rest, ",")
			got[fc] = a.Severity
			if a.Count != 1 || a.Source.IP.String() != "192.168.20.10" || a.Destination.IP.String() != "192.168.20.21" ||
				!strings.Contains(a.Title, "outstation 10)") || strings.Contains(a.Title, "never operated") {
				t.Errorf("%q count %d %v -> %v", a.Title, a.Count, a.Source, a.Destination)
			}
		case "policy.new_link": // TCP/20000 where the baseline has UDP/20000
		default:
			t.Errorf("unexpected %s %q", a.Rule, a.Title)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("function codes %v, want %v", got, want)
	}
}
