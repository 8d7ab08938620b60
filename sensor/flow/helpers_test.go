package flow

import (
	"encoding/hex"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/otsensor/otsensor/dissectors"
)

var t0 = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)

// host is one end of a test conversation.
type host struct {
	mac  net.HardwareAddr
	ip   net.IP
	port uint16
}

var (
	cli = host{net.HardwareAddr{0x00, 0x14, 0x22, 0, 0, 0x10}, net.IP{10, 0, 0, 10}, 50000}
	srv = host{net.HardwareAddr{0x00, 0x80, 0xf4, 0, 0, 0x21}, net.IP{10, 0, 0, 21}, 502}
)

// tcpSeg is one TCP segment from one host to the other.
type tcpSeg struct {
	from, to host
	seq, ack uint32
	flags    string // any of "S", "A", "F", "R", "P"
	payload  []byte
	at       time.Duration // after t0
}

func frame(t testing.TB, s tcpSeg) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: s.from.mac, DstMAC: s.to.mac, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: s.from.ip, DstIP: s.to.ip}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(s.from.port), DstPort: layers.TCPPort(s.to.port), Seq: s.seq, Ack: s.ack, Window: 8192}
	for _, f := range s.flags {
		switch f {
		case 'S':
			tcp.SYN = true
		case 'A':
			tcp.ACK = true
		case 'F':
			tcp.FIN = true
		case 'R':
			tcp.RST = true
		case 'P':
			tcp.PSH = true
		}
	}
	if err := tcp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, tcp, gopacket.Payload(s.payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func udpFrame(t testing.TB, from, to host, payload []byte) []byte {
	t.Helper()
	eth := &layers.Ethernet{SrcMAC: from.mac, DstMAC: to.mac, EthernetType: layers.EthernetTypeIPv4}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: from.ip, DstIP: to.ip}
	udp := &layers.UDP{SrcPort: layers.UDPPort(from.port), DstPort: layers.UDPPort(to.port)}
	if err := udp.SetNetworkLayerForChecksum(ip); err != nil {
		t.Fatal(err)
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func feedAt(w *Worker, data []byte, at time.Duration) {
	ci := gopacket.CaptureInfo{Timestamp: t0.Add(at), CaptureLength: len(data), Length: len(data)}
	w.Handle(data, ci, layers.LinkTypeEthernet)
}

func feedTCP(t testing.TB, w *Worker, segs ...tcpSeg) {
	t.Helper()
	for _, s := range segs {
		feedAt(w, frame(t, s), s.at)
	}
}

// recorder is an Observer keeping copies of everything.
type recorder struct {
	events    []recEvent
	updates   []Update
	flows     []dissectors.Flow // Flow of each update
	neighbors []Neighbor
}

type recEvent struct {
	dir     dissectors.Direction
	time    time.Time
	flow    dissectors.Flow
	text    string // the fake record's text
	anomaly string
}

func (r *recorder) Event(ev *dissectors.Event) {
	e := recEvent{dir: ev.Dir, time: ev.Time, flow: *ev.Flow}
	if ev.Anomaly != nil {
		e.anomaly = ev.Anomaly.Name
	} else {
		e.text = ev.Record.(*fakeRecord).text
	}
	r.events = append(r.events, e)
}

func (r *recorder) Flow(u *Update) {
	r.updates = append(r.updates, *u)
	r.flows = append(r.flows, *u.Flow)
}

func (r *recorder) Neighbor(n *Neighbor) { r.neighbors = append(r.neighbors, *n) }

func (r *recorder) anomalies() []string {
	var out []string
	for _, e := range r.events {
		if e.anomaly != "" {
			out = append(out, e.anomaly)
		}
	}
	return out
}

func (r *recorder) texts() []string {
	var out []string
	for _, e := range r.events {
		if e.anomaly == "" {
			out = append(out, e.dir.String()+":"+e.text)
		}
	}
	return out
}

// fakeRecord is the fake dissector's event.
type fakeRecord struct{ text string }

func (*fakeRecord) AppProto() string { return "fake" }

// fake is a line protocol: messages end with '\n'; a probe accepts data
// that starts with "HELLO" (NeedMore on a shorter prefix of it). The
// parser emits one record per line, panics on a line "PANIC", gives up on
// "BYE", and never consumes a line that does not end.
type fake struct {
	ports   []dissectors.Port
	parsers []*fakeParser
}

func (d *fake) Name() string             { return "fake" }
func (d *fake) Ports() []dissectors.Port { return d.ports }

func (d *fake) Probe(_ dissectors.Direction, data []byte, _ bool) dissectors.ProbeResult {
	const magic = "HELLO"
	n := min(len(data), len(magic))
	switch {
	case string(data[:n]) != magic[:n]:
		return dissectors.ProbeNo
	case n < len(magic):
		return dissectors.ProbeNeedMore
	}
	return dissectors.ProbeYes
}

func (d *fake) NewParser(f *dissectors.Flow) dissectors.Parser {
	p := &fakeParser{flow: f}
	d.parsers = append(d.parsers, p)
	return p
}

type fakeParser struct {
	flow   *dissectors.Flow
	chunks []string // every Parse input, as given
	gaps   []dissectors.Direction
	closed bool
	rec    fakeRecord
	ev     dissectors.Event
}

func (p *fakeParser) Parse(dir dissectors.Direction, data []byte, ts time.Time, out dissectors.Emitter) (int, error) {
	p.chunks = append(p.chunks, dir.String()+":"+string(data))
	off := 0
	for {
		i := indexByte(data[off:], '\n')
		if i < 0 {
			return off, nil
		}
		line := string(data[off : off+i])
		off += i + 1
		switch line {
		case "PANIC":
			panic("fake parser told to panic")
		case "BYE":
			return off, dissectors.ErrGiveUp
		}
		p.rec.text = line
		p.ev = dissectors.Event{Time: ts, Dir: dir, Record: &p.rec}
		out.Emit(&p.ev)
	}
}

func (p *fakeParser) Gap(dir dissectors.Direction)        { p.gaps = append(p.gaps, dir) }
func (p *fakeParser) Close(time.Time, dissectors.Emitter) { p.closed = true }

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// newTestWorker returns a worker with the fake dissector on TCP and UDP
// port 502 and a recorder.
func newTestWorker(cfg Config) (*Worker, *fake, *recorder) {
	d := &fake{ports: []dissectors.Port{{Transport: dissectors.TCP, Port: 502}, {Transport: dissectors.UDP, Port: 502}}}
	r := &recorder{}
	return NewWorker(cfg, []dissectors.Dissector{d}, r), d, r
}

// handshake returns the three segments opening a connection from c to s
// with initial sequence numbers 1000 (client) and 5000 (server).
func handshake(c, s host) []tcpSeg {
	return []tcpSeg{
		{from: c, to: s, seq: 999, flags: "S"},
		{from: s, to: c, seq: 4999, ack: 1000, flags: "SA", at: time.Millisecond},
		{from: c, to: s, seq: 1000, ack: 5000, flags: "A", at: 2 * time.Millisecond},
	}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
