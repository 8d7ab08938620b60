package synth

import (
	"io"
	"time"
)

// WriteBenchDNP3 writes a classic Ethernet pcap of cfg.Packets packets
// (0 means DefaultBenchPackets) of a utility SCADA network: 6 DNP3
// masters poll about 720 outstation link addresses on 600 RTUs, IEDs and
// gateways (gateways answer for several link addresses on one
// connection) over TCP 20000, 24 of them over UDP 20000. Each station
// gets a class 1-3 event poll every 1-5 s, every tenth poll being an
// integrity poll (classes 1-3, 0); responses span one to three link frames and
// ask for confirmation when they carry events; there are occasional
// unsolicited responses (confirmed), CROB select/operate pairs, link
// status keep-alives, retransmitted responses, and a third of the TCP
// connections are already open when the capture starts. Some RTUs sit on
// VLAN 140, remote ones behind the Cisco router. A lighter version of
// WriteBenchMix's background traffic (HTTP, DNS, NTP, syslog, ARP, some
// IPv6) runs alongside: DNP3 is about 85% of the packets. The output
// depends only on cfg.
func WriteBenchDNP3(w io.Writer, cfg BenchConfig) (packets int, err error) {
	return writeBench(w, cfg, 0x646e70332d62656e, func(m *mix) {
		m.addDNP3()
		m.addDNP3Background()
	})
}

// Sizes and rates of the DNP3 benchmark.
const (
	benchDNP3Masters   = 6
	benchDNP3Stations  = 600
	benchDNP3Gateways  = 60 // among the stations: 2-4 link addresses each
	benchDNP3UDP       = 24 // stations reached over UDP
	benchDNP3Integrity = 10 // every tenth poll is an integrity poll
	pDNP3Unsolicited   = 0.03
	pDNP3Operate       = 0.004
	pDNP3LinkStatus    = 0.01
	pDNP3Retransmit    = 0.004
	pDNP3Close         = 0.0005
	benchDNP3RTO       = 300 * time.Millisecond
)

// addDNP3 creates the masters, stations and their sessions.
func (m *mix) addDNP3() {
	router := m.topo.router.MAC
	var masters []Host
	for i := 0; i < benchDNP3Masters; i++ {
		h := Host{MAC: MAC([]OUI{OUIDell, OUIHP}[i%2], 0x600000+uint32(i)), IP: v4(10, 40, 0, byte(10+i)), TTL: 128}
		if i >= benchDNP3Masters-2 {
			h = Host{MAC: router, IP: v4(10, 20, 9, byte(10+i)), TTL: 127} // backup control centre
		}
		masters = append(masters, h)
	}
	ouis := []OUI{OUISEL, OUISEL, OUINovaTech, OUIGEGrid, OUIHitachiEnergy, OUIEaton, OUISchneider, OUISiemens}
	ports := map[uint64]bool{}
	addr := uint16(10)
	for i := 0; i < benchDNP3Stations; i++ {
		st := Host{MAC: MAC(ouis[i%len(ouis)], 0x610000+uint32(i)), IP: v4(10, 40, byte(1+i/200), byte(10+i%200)), TTL: 64}
		var l2 L2
		switch {
		case i%25 == 24:
			st.MAC, st.IP, st.TTL = router, v4(10, 60, byte(i/200), byte(10+i%200)), 62 // a remote substation
		case i%5 == 2:
			l2 = L2{VLANs: []uint16{140}}
		}
		if i < benchDNP3Gateways {
			st.MAC = MAC(OUIMoxa, 0x620000+uint32(i))
		}
		mi := m.rng.IntN(benchDNP3Masters)
		s := &dnp3Session{
			master:  uint16(1 + mi),
			period:  [...]time.Duration{1, 1, 2, 2, 2, 5}[m.rng.IntN(6)] * time.Second,
			udp:     i >= benchDNP3Stations-benchDNP3UDP,
			buf:     make([]byte, 0, 4096),
			frag:    make([]byte, 0, 1024),
			steps:   make([]dnp3Step, 0, 16),
			nBin:    8 + m.rng.IntN(40),
			nAna:    4 + m.rng.IntN(100),
			nCnt:    m.rng.IntN(12),
			analogs: make([]int32, 104),
			states:  make([]bool, 48),
			ctrs:    make([]uint32, 12),
			events:  make([]DNP3AnalogEvent, 0, 8),
			bevents: make([]DNP3BinaryEvent, 0, 4),
			aseq:    uint8(m.rng.IntN(16)),
		}
		n := 1
		if i < benchDNP3Gateways {
			n = 2 + m.rng.IntN(3)
		}
		for k := 0; k < n; k++ {
			s.addrs = append(s.addrs, addr)
			addr++
		}
		for j := range s.analogs {
			s.analogs[j] = int32(m.rng.IntN(20000)) - 2000
		}
		for j := range s.states {
			s.states[j] = m.rng.IntN(3) == 0
		}
		for j := range s.ctrs {
			s.ctrs[j] = m.rng.Uint32N(1 << 24)
		}
		cli := masters[mi]
		sport := uint16(20000)
		cport := uint16(20000)
		if !s.udp {
			cport = m.ephemeral(ports, cli)
		}
		s.c = Conn{t: m.t, L2: l2, Client: cli, Server: st, CPort: cport, SPort: sport,
			Window: 8192, next: [2]uint32{m.rng.Uint32(), m.rng.Uint32()}}
		at := m.dur(0, s.period)
		if !s.udp && m.rng.Float64() >= benchMidstreamShare {
			s.opening = true
			at = m.dur(0, 60*time.Second)
		}
		m.push(int64(at), s)
	}
}

// Background actor counts of the DNP3 benchmark (a fifth to a sixth of
// WriteBenchMix's).
const (
	benchDNP3HTTP   = 12 // of which 2 over IPv6
	benchDNP3DNS    = 8  // of which 1 over IPv6
	benchDNP3Syslog = 4
	benchDNP3ARP    = 2
	benchDNP3NTP    = 2
)

// addDNP3Background adds office and infrastructure traffic, built like
// addBackground's but fewer.
func (m *mix) addDNP3Background() {
	t := m.topo
	ports := map[uint64]bool{}
	for i := 0; i < benchDNP3HTTP; i++ {
		a := &httpActor{req: make([]byte, 0, 256), resp: make([]byte, 0, 9000), host: "historian.plant.local"}
		cli, srv := t.ws[m.rng.IntN(len(t.ws))], t.web[m.rng.IntN(2)]
		if i < 2 {
			cli, srv = t.v6[i], t.v6web
		}
		a.sport = 80
		a.c = Conn{t: m.t, Client: cli, Server: srv, CPort: m.ephemeral(ports, cli), SPort: a.sport,
			Window: DefaultWindow, next: [2]uint32{m.rng.Uint32(), m.rng.Uint32()}}
		m.push(int64(m.dur(0, 3*time.Second)), a)
	}
	for i := 0; i < benchDNP3DNS; i++ {
		a := &dnsActor{q: make([]byte, 0, 128), r: make([]byte, 0, 160), id: uint16(m.rng.IntN(0x10000))}
		for _, n := range [...]string{"historian.plant.local", "scada01.plant.local", "time.plant.local"} {
			a.names = append(a.names, AppendDNSName(nil, n))
		}
		a.cli, a.srv, a.qtype = t.ws[m.rng.IntN(len(t.ws))], t.dns, DNSTypeA
		if i == 0 {
			a.cli, a.srv, a.qtype = t.v6[0], t.v6dns, DNSTypeAAAA
		}
		m.push(int64(m.dur(0, 2*time.Second)), a)
	}
	for i := 0; i < benchDNP3Syslog; i++ {
		m.push(int64(m.dur(0, time.Second)), &syslogActor{msg: make([]byte, 0, 256)})
	}
	for i := 0; i < benchDNP3ARP; i++ {
		m.push(int64(m.dur(0, time.Second)), &arpActor{})
	}
	for i := 0; i < benchDNP3NTP; i++ {
		m.push(int64(m.dur(0, time.Second)), &ntpActor{buf: make([]byte, 0, 48)})
	}
}
