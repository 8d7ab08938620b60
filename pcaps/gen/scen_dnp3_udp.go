package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// dnp3UDP writes dnp3_udp.pcap: DNP3 over UDP 20000 (both ends on port
// 20000), then a second RTU served on port 20001 over UDP and over TCP,
// which only a content probe finds. Packets: UDP 20000: 2 (link status)
// + 2 (integrity) + 2 (attributes) + 2 (direct operate CROB) + 2 (enable
// unsolicited) + 2 (unsolicited, confirm) = 12; UDP 20001: 2 + 2 + 2 =
// 6; TCP 20001: 3 + 2 + 2 + 3 = 10; 28 in all.
func dnp3UDP(t *synth.Trace) {
	s := dnpUDP(t, dnpMaster, 20000, dnpRTU, 20000, dnpMasterAddr, dnpRTUAddr)
	s.linkStatus()
	s.integrity(0)
	s.identity("Acme Controls", "RTU-5000", "4.2.1", "B", "SN12345")
	crob := synth.DNP3CROB{Index: 4, Code: synth.DNP3OpPulseOn | synth.DNP3TCCTrip, Count: 1, OnMs: 250}
	s.x(synth.AppendDNP3CROB(s.req(synth.DNP3DirectOperate), crob), synth.AppendDNP3CROB(s.resp(0), crob))
	s.x(synth.AppendDNP3ClassPoll(s.req(synth.DNP3EnableUnsolicited), 1, 2, 3), s.resp(0))
	t.Advance(800 * ms)
	u, useq := s.uns(0)
	u = synth.AppendDNP3AnalogEvents(u, []synth.DNP3AnalogEvent{{Index: 2, Value: 2415}})
	s.toMaster(u)
	s.confirm(useq, true)
	t.Advance(100 * ms)

	u2 := dnpUDP(t, dnpMaster, 51001, dnpRTU2, 20001, dnpMasterAddr, dnpRTU2Addr)
	u2.linkStatus()
	u2.integrity(synth.DNP3IINClass2Events)
	u2.eventPoll(0, t.Now().Add(-300*ms))
	t.Advance(100 * ms)

	c := t.NewConn(synth.L2{}, dnpMaster, 50220, dnpRTU2, 20001, 0x2e000001, 0x6e000001)
	s2 := dnpTCP(c, dnpMasterAddr, dnpRTU2Addr)
	c.Handshake()
	t.Advance(2 * ms)
	s2.integrity(0)
	s2.identity("NovaTech", "Orion LX", "11.2.0", "C", "OLX-88213")
	c.Close(synth.ToServer)
}
