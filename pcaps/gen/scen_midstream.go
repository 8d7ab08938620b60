package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// midstream writes modbus_midstream.pcap: the capture starts while two
// sessions are established (no SYN). The first one's first packet is a
// request; the second one's is the response to a request sent before the
// capture started.
func midstream(t *synth.Trace) {
	a := t.NewConn(synth.L2{}, hmi, 50500, plc1, 502, 0x00c0ffee, 0x0badf00d)
	b := t.NewConn(synth.L2{}, hmi, 50501, plc2, 502, 0x10203040, 0x50607080)
	sa, sb := newMB(a, 1), newMB(b, 1)
	sa.tid, sb.tid = 0x0410, 0x2200

	// Connection b: the request (transaction 0x2201) was before the capture.
	h := sb.h()
	b.Prepare(synth.ToServer, synth.PSH|synth.ACK, h.ReadRequest(nil, synth.FCReadInputRegisters, 0, 4))
	b.Send(synth.ToClient, h.ReadRegistersResponse(nil, synth.FCReadInputRegisters, regs(40, 4)))
	t.Advance(3 * ms)
	for i := 0; i < 4; i++ {
		h := sa.h()
		sa.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 6), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(uint16(60+i), 6)))
		h = sb.h()
		sb.x(h.ReadRequest(nil, synth.FCReadInputRegisters, 0, 4), h.ReadRegistersResponse(nil, synth.FCReadInputRegisters, regs(uint16(40+i), 4)))
	}
	h = sa.h()
	sa.x(h.WriteSingle(nil, synth.FCWriteSingleRegister, 3, 99), h.WriteSingle(nil, synth.FCWriteSingleRegister, 3, 99))
	a.Close(synth.ToServer)
	b.Close(synth.ToServer)
}
