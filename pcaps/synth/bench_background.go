package synth

import (
	"bytes"
	"time"
)

// Background actor counts.
const (
	benchHTTP   = 70 // of which benchHTTPv6 over IPv6
	benchHTTPv6 = 12
	benchDNS    = 40 // of which benchDNSv6 over IPv6
	benchDNSv6  = 6
	benchSyslog = 12
	benchARP    = 6
	benchNTP    = 4
)

func (m *mix) addBackground() {
	t := m.topo
	ports := map[uint64]bool{}
	for i := 0; i < benchHTTP; i++ {
		a := &httpActor{req: make([]byte, 0, 256), resp: make([]byte, 0, 9000)}
		var cli, srv Host
		var l2 L2
		if i < benchHTTPv6 {
			cli, srv = t.v6[i%len(t.v6)], t.v6web
		} else {
			cli, srv = t.ws[m.rng.IntN(len(t.ws))], t.web[m.rng.IntN(len(t.web))]
			if m.chance(0.2) {
				l2 = L2{VLANs: []uint16{40}}
			}
		}
		a.sport = [...]uint16{80, 80, 8080, uint16(8000 + m.rng.IntN(2000))}[m.rng.IntN(4)]
		a.host = "historian.plant.local"
		if bytes.Equal(srv.MAC, t.router.MAC) {
			a.host = "updates.example.com"
		}
		a.c = Conn{t: m.t, L2: l2, Client: cli, Server: srv, CPort: m.ephemeral(ports, cli), SPort: a.sport,
			Window: DefaultWindow, next: [2]uint32{m.rng.Uint32(), m.rng.Uint32()}}
		m.push(int64(m.dur(0, 3*time.Second)), a)
	}
	names := [...]string{"historian.plant.local", "scada01.plant.local", "updates.example.com", "time.plant.local",
		"opc-ua.plant.local", "wsus.corp.example.com", "license.vendor.example.net"}
	for i := 0; i < benchDNS; i++ {
		a := &dnsActor{q: make([]byte, 0, 128), r: make([]byte, 0, 160)}
		for _, n := range names {
			a.names = append(a.names, AppendDNSName(nil, n))
		}
		if i < benchDNSv6 {
			a.cli, a.srv, a.qtype = t.v6[i%len(t.v6)], t.v6dns, DNSTypeAAAA
		} else {
			pool := append(append([]Host(nil), t.ws...), t.hmis[:benchLocalHMIs]...)
			a.cli, a.srv, a.qtype = pool[m.rng.IntN(len(pool))], t.dns, DNSTypeA
		}
		a.id = uint16(m.rng.IntN(0x10000))
		m.push(int64(m.dur(0, 2*time.Second)), a)
	}
	for i := 0; i < benchSyslog; i++ {
		a := &syslogActor{msg: make([]byte, 0, 256)}
		m.push(int64(m.dur(0, time.Second)), a)
	}
	for i := 0; i < benchARP; i++ {
		m.push(int64(m.dur(0, time.Second)), &arpActor{})
	}
	for i := 0; i < benchNTP; i++ {
		m.push(int64(m.dur(0, time.Second)), &ntpActor{buf: make([]byte, 0, 48)})
	}
}

// httpActor repeats short HTTP/1.1 exchanges on new connections.
type httpActor struct {
	c     Conn
	host  string
	sport uint16
	state uint8
	id    int
	req   []byte
	resp  []byte
	off   int // bytes of resp sent
	unack int // server segments not yet acknowledged
}

const (
	httpSYN = iota
	httpSYNACK
	httpACK
	httpRequest
	httpData
	httpClientAck
	httpServerFIN
	httpClientFIN
	httpLastACK
)

const benchMSS = 1448

func (a *httpActor) step(m *mix) (time.Duration, bool) {
	c := &a.c
	switch a.state {
	case httpSYN:
		syn := c.Prepare(ToServer, SYN, nil)
		syn.Ack = 0
		c.Emit(syn)
		a.state = httpSYNACK
		return a.rtt(m), false
	case httpSYNACK:
		c.Emit(c.Prepare(ToClient, SYN|ACK, nil))
		a.state = httpACK
		return a.rtt(m), false
	case httpACK:
		c.Ack(ToServer)
		a.state = httpRequest
		return m.dur(10*time.Microsecond, 100*time.Microsecond), false
	case httpRequest:
		a.id++
		a.req = AppendHTTPRequest(a.req[:0], a.host, "/api/v1/tags?since=", a.id)
		c.Send(ToServer, a.req)
		n := 200 + m.rng.IntN(len(m.body)-200)
		a.resp = AppendHTTPResponseHeader(a.resp[:0], n)
		a.resp = append(a.resp, m.body[:n]...)
		a.off, a.unack = 0, 0
		a.state = httpData
		return a.rtt(m) + m.dur(time.Millisecond, 15*time.Millisecond), false
	case httpData:
		end := min(a.off+benchMSS, len(a.resp))
		flags := ACK
		if end == len(a.resp) {
			flags |= PSH
		}
		c.Emit(c.Prepare(ToClient, flags, a.resp[a.off:end]))
		a.off = end
		a.unack++
		if a.unack == 2 || a.off == len(a.resp) {
			a.state = httpClientAck
			return m.dur(20*time.Microsecond, 300*time.Microsecond), false
		}
		return m.dur(5*time.Microsecond, 60*time.Microsecond), false
	case httpClientAck:
		c.Ack(ToServer)
		a.unack = 0
		if a.off < len(a.resp) {
			a.state = httpData
			return a.rtt(m), false
		}
		a.state = httpServerFIN
		return m.dur(50*time.Microsecond, 2*time.Millisecond), false
	case httpServerFIN:
		c.Emit(c.Prepare(ToClient, FIN|ACK, nil))
		a.state = httpClientFIN
		return a.rtt(m), false
	case httpClientFIN:
		c.Emit(c.Prepare(ToServer, FIN|ACK, nil))
		a.state = httpLastACK
		return a.rtt(m), false
	case httpLastACK:
		c.Ack(ToClient)
		port := c.CPort + 1
		if port < 49152 {
			port = 49152
		}
		c.Reset(port, a.sport, m.rng.Uint32(), m.rng.Uint32())
		a.state = httpSYN
		return m.dur(100*time.Millisecond, 1500*time.Millisecond), false
	}
	return 0, true
}

// rtt is a one-way delay: short on the plant LAN, longer to the internet.
func (a *httpActor) rtt(m *mix) time.Duration {
	if a.c.Server.TTL < 60 {
		return m.dur(8*time.Millisecond, 25*time.Millisecond)
	}
	return m.dur(80*time.Microsecond, 600*time.Microsecond)
}

// dnsActor is a host resolving names now and then.
type dnsActor struct {
	cli, srv Host
	qtype    uint16
	names    [][]byte
	name     []byte
	id       uint16
	sport    uint16
	answered bool
	q, r     []byte
}

func (a *dnsActor) step(m *mix) (time.Duration, bool) {
	if a.answered || a.name == nil {
		a.id++
		a.sport = uint16(32768 + m.rng.IntN(28000))
		a.name = a.names[m.rng.IntN(len(a.names))]
		a.q = AppendDNSQuery(a.q[:0], a.id, a.name, a.qtype)
		m.t.UDP(nil, a.cli, a.srv, a.sport, 53, a.q)
		a.answered = false
		return m.dur(200*time.Microsecond, 3*time.Millisecond), false
	}
	var addr [16]byte
	n := 4
	if a.qtype == DNSTypeAAAA {
		n = 16
		addr[0], addr[1] = 0xfd, 0x00
	} else {
		addr[0], addr[1] = 10, 10
	}
	addr[n-1] = byte(len(a.name))
	a.r = AppendDNSResponse(a.r[:0], a.id, a.name, a.qtype, addr[:n], 300)
	m.t.UDP(nil, a.srv, a.cli, 53, a.sport, a.r)
	a.answered = true
	return m.dur(100*time.Millisecond, 2*time.Second), false
}

// ntpActor is the time server answering a random host's poll.
type ntpActor struct {
	cli     Host
	sent    time.Time
	buf     []byte
	pending bool // a request waits for its answer
}

func (a *ntpActor) step(m *mix) (time.Duration, bool) {
	t := m.topo
	if a.pending {
		a.buf = AppendNTP(a.buf[:0], true, a.sent, m.t.Now())
		m.t.UDP(nil, t.ntp, a.cli, 123, 123, a.buf)
		a.pending = false
		return m.dur(200*time.Millisecond, 1500*time.Millisecond), false
	}
	if m.rng.IntN(2) == 0 {
		a.cli = t.hmis[m.rng.IntN(benchLocalHMIs)]
	} else {
		a.cli = t.ws[m.rng.IntN(len(t.ws))]
	}
	a.sent = m.t.Now()
	a.buf = AppendNTP(a.buf[:0], false, time.Time{}, a.sent)
	m.t.UDP(nil, a.cli, t.ntp, 123, 123, a.buf)
	a.pending = true
	return m.dur(300*time.Microsecond, 2*time.Millisecond), false
}

// syslogActor is PLCs and gateways logging to the syslog server.
type syslogActor struct {
	msg []byte
	n   int
}

func (a *syslogActor) step(m *mix) (time.Duration, bool) {
	t := m.topo
	p := &t.plcs[m.rng.IntN(benchLocalPLCs)]
	a.n++
	text := [...]string{"modbus: client connected", "modbus: client disconnected", "scan time 12 ms",
		"io module 3 ok", "config checksum verified", "link up 100Mbps full duplex"}[m.rng.IntN(6)]
	a.msg = AppendSyslog(a.msg[:0], 8*16+6, m.t.Now(), p.name, "plc", text)
	m.t.UDP(&p.l2, p.Host, t.syslog, 514, 514, a.msg)
	return m.dur(50*time.Millisecond, 1500*time.Millisecond), false
}

// arpActor is local hosts resolving each other's MAC addresses.
type arpActor struct {
	asker, target Host
	asked         bool
}

func (a *arpActor) step(m *mix) (time.Duration, bool) {
	t := m.topo
	if a.asked {
		m.t.ARPReply(nil, a.target, a.asker)
		a.asked = false
		return m.dur(100*time.Millisecond, 1500*time.Millisecond), false
	}
	n := len(t.arpLocal)
	i := m.rng.IntN(n)
	a.asker = t.arpLocal[i]
	a.target = t.arpLocal[(i+1+m.rng.IntN(n-1))%n]
	m.t.ARPRequest(nil, a.asker, a.target.IP)
	a.asked = true
	return m.dur(50*time.Microsecond, 500*time.Microsecond), false
}
