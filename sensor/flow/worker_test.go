package flow

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

const ms = time.Millisecond

// exchange returns request/response segments after handshake: the client
// sends req at at, the server answers resp 1 ms later.
func exchange(c, s host, cseq, sseq uint32, req, resp string, at time.Duration) []tcpSeg {
	return []tcpSeg{
		{from: c, to: s, seq: cseq, ack: sseq, flags: "PA", payload: []byte(req), at: at},
		{from: s, to: c, seq: sseq, ack: cseq + uint32(len(req)), flags: "PA", payload: []byte(resp), at: at + ms},
	}
}

func TestSessionEventsAndCounters(t *testing.T) {
	w, d, r := newTestWorker(DefaultConfig())
	segs := handshake(cli, srv)
	segs = append(segs, exchange(cli, srv, 1000, 5000, "HELLO\n", "HI\n", 10*ms)...)
	segs = append(segs,
		tcpSeg{from: cli, to: srv, seq: 1006, ack: 5003, flags: "FA", at: 20 * ms},
		tcpSeg{from: srv, to: cli, seq: 5003, ack: 1007, flags: "FA", at: 21 * ms},
		tcpSeg{from: cli, to: srv, seq: 1007, ack: 5004, flags: "A", at: 22 * ms}, // trailing ACK
	)
	feedTCP(t, w, segs...)
	w.Close()

	if got, want := r.texts(), []string{"to_server:HELLO", "to_client:HI"}; !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	if len(d.parsers) != 1 || !d.parsers[0].closed {
		t.Fatalf("want one parser, closed at the end: %+v", d.parsers)
	}
	f := r.events[0].flow
	if f.Client != netip.MustParseAddrPort("10.0.0.10:50000") || f.Server != netip.MustParseAddrPort("10.0.0.21:502") || f.AppProto != "fake" {
		t.Errorf("flow %+v", f)
	}
	if f.ClientMAC != [6]byte(cli.mac) || f.ServerMAC != [6]byte(srv.mac) {
		t.Errorf("MACs %x %x", f.ClientMAC, f.ServerMAC)
	}
	if !f.Handshake {
		t.Error("a flow that began with a SYN must say so")
	}
	// Every packet, the trailing ACK included, is counted in one flow.
	var pk [2]uint64
	for _, u := range r.updates {
		pk[0] += u.Packets[0]
		pk[1] += u.Packets[1]
		if u.Flow.ID != f.ID {
			t.Errorf("update for another flow: %+v", u.Flow)
		}
	}
	if pk != [2]uint64{5, 3} {
		t.Errorf("packets to server/client %v, want [5 3]", pk)
	}
	if !r.updates[0].New || !r.updates[0].Ended {
		t.Errorf("first update %+v, want New and Ended (the flow ended at its FINs)", r.updates[0])
	}
	if w.Stats.FlowsTCP != 1 || w.Stats.Events != 2 || w.Stats.OrphanTCP != 0 {
		t.Errorf("stats %+v", w.Stats)
	}
}

func TestMidstreamOrientationFromPorts(t *testing.T) {
	w, _, r := newTestWorker(DefaultConfig())
	// No handshake: the first packet seen is the server's answer.
	feedTCP(t, w,
		tcpSeg{from: srv, to: cli, seq: 7000, ack: 3000, flags: "PA", payload: []byte("HELLO\n")},
		tcpSeg{from: cli, to: srv, seq: 3000, ack: 7006, flags: "PA", payload: []byte("X\n"), at: ms},
	)
	w.Close()
	f := r.events[0].flow
	if f.Server.Port() != 502 || f.Client.Port() != 50000 {
		t.Errorf("client %v server %v: the side on the dissector's port is the server", f.Client, f.Server)
	}
	if f.Handshake {
		t.Error("a flow first seen mid-session claims its handshake")
	}
	if got, want := r.texts(), []string{"to_client:HELLO", "to_server:X"}; !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

func TestFlipWhenServiceOpensTheConnection(t *testing.T) {
	w, _, r := newTestWorker(DefaultConfig())
	// The side on port 502 sends the SYN: the TCP initiator is the
	// service side, as in suricata-verify's modbus.pcap stream 5.
	segs := handshake(srv, cli)
	segs = append(segs, tcpSeg{from: srv, to: cli, seq: 1000, ack: 5000, flags: "PA", payload: []byte("HELLO\n"), at: 10 * ms})
	feedTCP(t, w, segs...)
	w.Close()
	f := r.events[0].flow
	if f.Server.Port() != 502 {
		t.Fatalf("server %v: want the flow flipped to the port-502 side", f.Server)
	}
	if r.events[0].dir != dissectors.ToClient {
		t.Errorf("the service's bytes went %v, want to_client", r.events[0].dir)
	}
	u := r.updates[0]
	// To the service: its peer's SYN-ACK; from it: SYN, ACK and data.
	if u.Packets != [2]uint64{1, 3} {
		t.Errorf("packets %v after the flip, want [1 3]", u.Packets)
	}
}

func TestProbeNeedsMoreAcrossSegments(t *testing.T) {
	w, d, r := newTestWorker(DefaultConfig())
	segs := handshake(cli, srv)
	segs = append(segs,
		tcpSeg{from: cli, to: srv, seq: 1000, ack: 5000, flags: "PA", payload: []byte("HE"), at: 10 * ms},
		tcpSeg{from: cli, to: srv, seq: 1002, ack: 5000, flags: "PA", payload: []byte("LLO\nA\n"), at: 11 * ms},
	)
	feedTCP(t, w, segs...)
	w.Close()
	if got, want := r.texts(), []string{"to_server:HELLO", "to_server:A"}; !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	// The parser sees the kept chunks as they came.
	if got, want := d.parsers[0].chunks, []string{"to_server:HE", "to_server:HELLO\nA\n"}; !slices.Equal(got, want) {
		t.Errorf("parser input %q, want %q", got, want)
	}
}

func TestPortDissectorSurvivesRefusedFirstChunks(t *testing.T) {
	w, d, r := newTestWorker(DefaultConfig())
	segs := handshake(cli, srv)
	segs = append(segs,
		tcpSeg{from: cli, to: srv, seq: 1000, ack: 5000, flags: "PA", payload: []byte("junk\n"), at: 10 * ms},
		tcpSeg{from: cli, to: srv, seq: 1005, ack: 5000, flags: "PA", payload: []byte("HELLO\n"), at: 11 * ms},
	)
	feedTCP(t, w, segs...)
	w.Close()
	// The parser gets the flow from its first byte: the junk line too.
	if got, want := r.texts(), []string{"to_server:junk", "to_server:HELLO"}; !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	if len(d.parsers) != 1 {
		t.Fatalf("%d parsers", len(d.parsers))
	}
}

func TestPortDissectorRuledOutAfterRefusals(t *testing.T) {
	w, d, r := newTestWorker(DefaultConfig())
	segs := handshake(cli, srv)
	seq := uint32(1000)
	for i := range maxPortRefusals + 2 {
		segs = append(segs, tcpSeg{from: cli, to: srv, seq: seq, ack: 5000, flags: "PA", payload: []byte("GET /\n"), at: time.Duration(10+i) * ms})
		seq += 6
	}
	segs = append(segs, tcpSeg{from: cli, to: srv, seq: seq, ack: 5000, flags: "PA", payload: []byte("HELLO\n"), at: 30 * ms})
	feedTCP(t, w, segs...)
	w.Close()
	if len(d.parsers) != 0 || len(r.events) != 0 {
		t.Errorf("a flow refused %d times must not be parsed: %d parsers, events %v", maxPortRefusals+2, len(d.parsers), r.events)
	}
	if r.updates[0].Flow.AppProto != "" {
		t.Errorf("app proto %q", r.updates[0].Flow.AppProto)
	}
}

func TestOffPortNeedsTheProbe(t *testing.T) {
	other := srv
	other.port = 8080
	w, d, r := newTestWorker(DefaultConfig())
	segs := handshake(cli, other)
	segs = append(segs, exchange(cli, other, 1000, 5000, "HELLO\n", "HI\n", 10*ms)...)
	feedTCP(t, w, segs...)
	w.Close()
	if len(d.parsers) != 1 || len(r.texts()) != 2 {
		t.Errorf("a confident probe off port: %d parsers, events %v", len(d.parsers), r.texts())
	}
}

func TestParserPanicIsContained(t *testing.T) {
	w, _, r := newTestWorker(DefaultConfig())
	segs := handshake(cli, srv)
	segs = append(segs, exchange(cli, srv, 1000, 5000, "HELLO\nPANIC\n", "HI\n", 10*ms)...)
	feedTCP(t, w, segs...)
	w.Close()
	if got := r.anomalies(); !slices.Equal(got, []string{"app.parser_panic"}) {
		t.Errorf("anomalies %v", got)
	}
	if got := r.texts(); !slices.Equal(got, []string{"to_server:HELLO"}) {
		t.Errorf("events %v: nothing after the panic", got)
	}
	if w.Stats.ParserPanics != 1 {
		t.Errorf("panics %d", w.Stats.ParserPanics)
	}
	if n := r.updates[0].Packets; n != [2]uint64{3, 2} {
		t.Errorf("packets %v: the flow is still counted after the panic", n)
	}
}

func TestParserGiveUp(t *testing.T) {
	w, _, r := newTestWorker(DefaultConfig())
	segs := handshake(cli, srv)
	segs = append(segs, exchange(cli, srv, 1000, 5000, "HELLO\nBYE\nAFTER\n", "HI\n", 10*ms)...)
	feedTCP(t, w, segs...)
	w.Close()
	if got := r.texts(); !slices.Equal(got, []string{"to_server:HELLO"}) {
		t.Errorf("events %v", got)
	}
	if w.Stats.ParserGaveUp != 1 {
		t.Errorf("gave up %d", w.Stats.ParserGaveUp)
	}
}

func TestParserBufferCap(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxParserBuffer = 64
	w, d, r := newTestWorker(cfg)
	segs := handshake(cli, srv)
	segs = append(segs, tcpSeg{from: cli, to: srv, seq: 1000, ack: 5000, flags: "PA", payload: []byte("HELLO\n"), at: 10 * ms})
	seq := uint32(1006)
	for i := range 3 { // 3 x 40 bytes without a newline
		segs = append(segs, tcpSeg{from: cli, to: srv, seq: seq, ack: 5000, flags: "PA", payload: []byte(strings.Repeat("x", 40)), at: time.Duration(11+i) * ms})
		seq += 40
	}
	segs = append(segs, tcpSeg{from: cli, to: srv, seq: seq, ack: 5000, flags: "PA", payload: []byte("Z\n"), at: 20 * ms})
	feedTCP(t, w, segs...)
	w.Close()
	if got := r.anomalies(); !slices.Equal(got, []string{"stream.buffer_overflow"}) {
		t.Errorf("anomalies %v", got)
	}
	if p := d.parsers[0]; !slices.Equal(p.gaps, []dissectors.Direction{dissectors.ToServer}) {
		t.Errorf("gaps %v: the parser must hear of the dropped bytes", p.gaps)
	}
	if w.Stats.BufferOverflows != 1 {
		t.Errorf("overflows %d", w.Stats.BufferOverflows)
	}
	// The parser resumes after the cap: the rest of the long line
	// (40 bytes that came after the 80 dropped) ends with Z.
	want := []string{"to_server:HELLO", "to_server:" + strings.Repeat("x", 40) + "Z"}
	if got := r.texts(); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

// A lost segment: the server ACKs it, so the sensor knows it will never
// come and skips the hole at once; without the ACK, after ReorderWait.
func TestLostSegment(t *testing.T) {
	for _, acked := range []bool{true, false} {
		w, d, r := newTestWorker(DefaultConfig())
		segs := handshake(cli, srv)
		segs = append(segs,
			// "HELLO\n" at 1000 arrives; "A\n" at 1006 is lost; "B\n" at 1008 arrives.
			tcpSeg{from: cli, to: srv, seq: 1000, ack: 5000, flags: "PA", payload: []byte("HELLO\n"), at: 10 * ms},
			tcpSeg{from: cli, to: srv, seq: 1008, ack: 5000, flags: "PA", payload: []byte("B\n"), at: 30 * ms},
		)
		ack := uint32(1006)
		if acked {
			ack = 1010
		}
		segs = append(segs, tcpSeg{from: srv, to: cli, seq: 5000, ack: ack, flags: "PA", payload: []byte("R\n"), at: 31 * ms})
		feedTCP(t, w, segs...)
		if !acked {
			// Packet time moves on past ReorderWait.
			feedAt(w, udpFrame(t, host{cli.mac, cli.ip, 9}, host{srv.mac, srv.ip, 9}, []byte("tick")), 10*time.Second)
		}
		want := []string{"to_server:HELLO", "to_server:B", "to_client:R"}
		if !acked {
			want = []string{"to_server:HELLO", "to_client:R", "to_server:B"}
		}
		if got := r.texts(); !slices.Equal(got, want) {
			t.Errorf("acked=%v: events %v, want %v", acked, got, want)
		}
		if got := r.anomalies(); !slices.Equal(got, []string{"stream.gap"}) {
			t.Errorf("acked=%v: anomalies %v", acked, got)
		}
		if p := d.parsers[0]; !slices.Equal(p.gaps, []dissectors.Direction{dissectors.ToServer}) {
			t.Errorf("acked=%v: gaps %v", acked, p.gaps)
		}
		w.Close()
	}
}

func TestUDPFlowsExpireOnPacketTime(t *testing.T) {
	cfg := DefaultConfig()
	w, d, r := newTestWorker(cfg)
	c := host{cli.mac, cli.ip, 40000}
	s := host{srv.mac, srv.ip, 502}
	feedAt(w, udpFrame(t, c, s, []byte("HELLO\n")), 0)
	feedAt(w, udpFrame(t, s, c, []byte("HI\n")), ms)
	if len(r.updates) != 0 {
		t.Fatalf("updates before expiry: %+v", r.updates)
	}
	// Another flow, UDPIdle later, expires the first on packet time.
	other := host{cli.mac, cli.ip, 40001}
	feedAt(w, udpFrame(t, other, host{srv.mac, srv.ip, 53}, []byte("x")), cfg.UDPIdle+2*time.Second)
	if len(r.updates) != 1 || !r.updates[0].Ended || r.updates[0].Packets != [2]uint64{1, 1} {
		t.Fatalf("updates %+v, want the first flow ended with 1+1 packets", r.updates)
	}
	if !d.parsers[0].closed {
		t.Error("parser not closed at expiry")
	}
	if got := r.texts(); !slices.Equal(got, []string{"to_server:HELLO", "to_client:HI"}) {
		t.Errorf("events %v", got)
	}
	w.Close()
	if w.Stats.FlowsUDP != 2 {
		t.Errorf("UDP flows %d", w.Stats.FlowsUDP)
	}
}

func TestCheckpointsReportLongFlows(t *testing.T) {
	cfg := DefaultConfig()
	w, _, r := newTestWorker(cfg)
	segs := handshake(cli, srv)
	cseq, sseq := uint32(1000), uint32(5000)
	// One exchange every 10 s for 3 minutes.
	for i := range 18 {
		segs = append(segs, exchange(cli, srv, cseq, sseq, "HELLO\n", "HI\n", time.Duration(i)*10*time.Second+10*ms)...)
		cseq += 6
		sseq += 3
	}
	feedTCP(t, w, segs...)
	if n := len(r.updates); n < 2 {
		t.Fatalf("%d updates during a 3-minute flow with a %v checkpoint", n, cfg.Checkpoint)
	}
	w.Close()
	var total [2]uint64
	for i, u := range r.updates {
		if u.New != (i == 0) {
			t.Errorf("update %d New=%v", i, u.New)
		}
		total[0] += u.Packets[0]
		total[1] += u.Packets[1]
	}
	if total != [2]uint64{20, 19} {
		t.Errorf("packets summed over updates %v, want [20 19]", total)
	}
	if last := r.updates[len(r.updates)-1]; !last.Ended {
		t.Error("last update not Ended")
	}
}

func TestOrphanPacketsStartNothing(t *testing.T) {
	w, _, r := newTestWorker(DefaultConfig())
	feedTCP(t, w, tcpSeg{from: cli, to: srv, seq: 1, ack: 1, flags: "A"}, tcpSeg{from: cli, to: srv, seq: 1, ack: 1, flags: "R", at: ms})
	w.Close()
	if len(r.updates) != 0 || w.Stats.OrphanTCP != 2 || w.Stats.FlowsTCP != 0 {
		t.Errorf("updates %+v, stats %+v", r.updates, w.Stats)
	}
}

func TestFlowTableCap(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxFlows = 2
	w, _, _ := newTestWorker(cfg)
	for i := range 4 {
		c := host{cli.mac, cli.ip, uint16(40000 + i)}
		feedAt(w, udpFrame(t, c, host{srv.mac, srv.ip, 53}, []byte("x")), time.Duration(i)*ms)
		feedTCP(t, w, tcpSeg{from: c, to: srv, seq: 1, flags: "S", at: time.Duration(i) * ms})
	}
	w.Close()
	if w.Stats.FlowsUDP != 2 || w.Stats.FlowsTCP != 2 || w.Stats.FlowTableFull != 4 {
		t.Errorf("stats %+v, want 2 UDP and 2 TCP flows and 4 refused", w.Stats)
	}
}

func TestFlowIDsAreStable(t *testing.T) {
	run := func() []uint64 {
		w, _, r := newTestWorker(DefaultConfig())
		segs := handshake(cli, srv)
		segs = append(segs, exchange(cli, srv, 1000, 5000, "HELLO\n", "HI\n", 10*ms)...)
		feedTCP(t, w, segs...)
		feedAt(w, udpFrame(t, host{cli.mac, cli.ip, 40000}, host{srv.mac, srv.ip, 53}, []byte("x")), 20*ms)
		w.Close()
		var ids []uint64
		for _, u := range r.updates {
			if u.Flow.ID >= 1<<53 {
				t.Errorf("flow id %d is not below 2^53", u.Flow.ID)
			}
			ids = append(ids, u.Flow.ID)
		}
		return ids
	}
	a, b := run(), run()
	if !slices.Equal(a, b) || len(a) != 2 || a[0] == a[1] {
		t.Errorf("ids %v and %v: want the same two distinct ids", a, b)
	}
}

func TestNeighbors(t *testing.T) {
	w, _, r := newTestWorker(DefaultConfig())
	// An ARP reply: 10.0.0.21 is at 00:80:f4:00:00:21.
	arp := "00142200001000" + "80f40000210806" + "0001080006040002" + "0080f4000021" + "0a000015" + "001422000010" + "0a00000a"
	feedAt(w, mustHex(t, arp), 0)
	// An LLDP frame from another station.
	lldp := "0180c200000e" + "00a045000001" + "88cc" + "020704" + "00a045000001"
	feedAt(w, mustHex(t, lldp), ms)
	w.Close()
	if len(r.neighbors) != 2 {
		t.Fatalf("neighbors %+v", r.neighbors)
	}
	n := r.neighbors[0]
	if !n.HasIP || n.IP != [4]byte{10, 0, 0, 21} || n.MAC != [6]byte{0x00, 0x80, 0xf4, 0, 0, 0x21} {
		t.Errorf("ARP neighbor %+v", n)
	}
	if n := r.neighbors[1]; n.HasIP || n.EtherType != 0x88cc || n.MAC != [6]byte{0x00, 0xa0, 0x45, 0, 0, 1} {
		t.Errorf("LLDP neighbor %+v", n)
	}
}
