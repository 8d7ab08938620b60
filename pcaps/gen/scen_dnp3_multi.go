package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// dnp3MultiOutstation writes dnp3_multi_outstation.pcap: one master
// (link address 1) polls three RTUs (link addresses 10, 11, 12) on their
// own IPs, and a gateway answering for link addresses 20 and 21 over one
// TCP connection. Packets: RTUs 3 * (3 + 2 + 2 rounds * 4) = 39; gateway
// 3 + 2 * (2 + 2 rounds * 2) = 15; closes 4 * 3 = 12; 66 in all.
func dnp3MultiOutstation(t *synth.Trace) {
	rtus := []struct {
		host   synth.Host
		addr   uint16
		vendor string
		model  string
	}{
		{synth.Host{MAC: synth.MAC(synth.OUISEL, 0x150031), IP: ip4(192, 168, 20, 31)}, 10, "Schweitzer Engineering Laboratories", "SEL-3530 RTAC"},
		{synth.Host{MAC: synth.MAC(synth.OUIGEGrid, 0x150032), IP: ip4(192, 168, 20, 32)}, 11, "GE Grid Solutions", "D20MX"},
		{synth.Host{MAC: synth.MAC(synth.OUIHitachiEnergy, 0x150033), IP: ip4(192, 168, 20, 33)}, 12, "Hitachi Energy", "RTU560"},
	}
	gw := synth.Host{MAC: synth.MAC(synth.OUIMoxa, 0x150040), IP: ip4(192, 168, 20, 40)}

	var conns []*synth.Conn
	var sess []*dnpSess
	for i, r := range rtus {
		c := t.NewConn(synth.L2{}, dnpMaster, uint16(50400+i), r.host, 20000, 0x30000001+uint32(i)<<20, 0x70000001+uint32(i)<<20)
		c.Handshake()
		t.Advance(5 * ms)
		s := dnpTCP(c, dnpMasterAddr, r.addr)
		s.identity(r.vendor, r.model, "2.1."+string(rune('0'+i)), "A", "SN-"+string(rune('A'+i))+"7731")
		conns = append(conns, c)
		sess = append(sess, s)
	}
	gc := t.NewConn(synth.L2{}, dnpMaster, 50410, gw, 20000, 0x34000001, 0x74000001)
	gc.Handshake()
	t.Advance(5 * ms)
	var behind []*dnpSess
	for k, addr := range []uint16{20, 21} {
		s := dnpTCP(gc, dnpMasterAddr, addr)
		s.identity("Moxa", "MGate 5109", "1.3", "A", "MX0"+string(rune('5'+k))+"2281")
		behind = append(behind, s)
	}
	for round := 0; round < 2; round++ {
		for _, s := range sess {
			s.integrity(0)
			s.eventPoll(0, t.Now().Add(-700*ms))
		}
		for _, s := range behind {
			s.integrity(synth.DNP3IINClass1Events)
		}
		t.Advance(2000 * ms)
	}
	for _, c := range append(conns, gc) {
		c.Close(synth.ToServer)
		t.Advance(ms)
	}
}
