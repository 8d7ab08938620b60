package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// vlanIPv6Frag writes modbus_vlan_ipv6_frag.pcap: a session on 802.1Q
// VLAN 10, one double-tagged (802.1ad outer 100, 802.1Q inner 20), one
// over IPv6, and one whose large write request travels in IPv4 fragments.
func vlanIPv6Frag(t *synth.Trace) {
	basicSession(t.NewConn(synth.L2{VLANs: []uint16{10}}, hmi, 50800, plc1, 502, isnClient, isnServer), 1)
	t.Advance(30 * ms)
	basicSession(t.NewConn(synth.L2{VLANs: []uint16{100, 20}, QinQ: true}, hmi, 50801, plc2, 502, isnClient+0x100, isnServer+0x100), 1)
	t.Advance(30 * ms)
	basicSession(t.NewConn(synth.L2{}, hmi6, 50802, plc16, 502, isnClient+0x200, isnServer+0x200), 1)
	t.Advance(30 * ms)

	c := t.NewConn(synth.L2{}, hmi, 50803, gateway, 502, isnClient+0x300, isnServer+0x300)
	s := newMB(c, 3)
	c.Handshake()
	valid(s)
	// FC 16 with 60 registers: a 20-byte TCP header and a 133-byte ADU
	// in fragments of at most 64 bytes: 64 + 64 + 25.
	h := s.h()
	c.SendFragmented(synth.ToServer, h.WriteMultipleRegisters(nil, 0, regs(1000, 60)), 64)
	t.Advance(3 * ms)
	c.Send(synth.ToClient, h.WriteMultipleResponse(nil, synth.FCWriteMultipleRegisters, 0, 60))
	t.Advance(20 * ms)
	valid(s)
	c.Close(synth.ToServer)
}
