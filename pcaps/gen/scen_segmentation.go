package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// segmentation writes modbus_segmentation.pcap: TCP delivery oddities
// around valid Modbus traffic.
func segmentation(t *synth.Trace) {
	c := t.NewConn(synth.L2{}, hmi, 50400, plc1, 502, isnClient, isnServer)
	s := newMB(c, 1)
	c.Handshake()
	to, from := synth.ToServer, synth.ToClient

	// One request split over two segments after the function code; its
	// response over three, the first holding the MBAP header and the
	// byte count.
	h := s.h()
	c.SendSplit(to, h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 20), 8)
	t.Advance(2 * ms)
	c.SendSplit(from, h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(10, 20)), 9, 20)
	t.Advance(20 * ms)

	// A request split inside the MBAP header (3 + 9 bytes), and its
	// response split inside the header too (4 + 7).
	h = s.h()
	c.SendSplit(to, h.ReadRequest(nil, synth.FCReadHoldingRegisters, 40, 1), 3)
	t.Advance(2 * ms)
	c.SendSplit(from, h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, []uint16{0xBEEF}), 4)
	t.Advance(20 * ms)

	// Three requests in one segment; three responses in one segment.
	var req, resp []byte
	for i := 0; i < 3; i++ {
		h := s.h()
		req = h.ReadRequest(req, synth.FCReadInputRegisters, uint16(i*10), 2)
		resp = h.ReadRegistersResponse(resp, synth.FCReadInputRegisters, regs(uint16(i), 2))
	}
	c.Send(to, req)
	t.Advance(2 * ms)
	c.Send(from, resp)
	t.Advance(20 * ms)

	// Exact retransmission of a request (same sequence number and bytes).
	h = s.h()
	r := c.Send(to, h.ReadRequest(nil, synth.FCReadCoils, 0, 16))
	t.Advance(200 * ms)
	c.Emit(r)
	t.Advance(2 * ms)
	c.Send(from, h.ReadBitsResponse(nil, synth.FCReadCoils, bits(16)))
	t.Advance(20 * ms)

	// Overlapping retransmission: the response goes out as bytes 0-9,
	// then again as bytes 5-end.
	h = s.h()
	c.Send(to, h.ReadRequest(nil, synth.FCReadHoldingRegisters, 50, 8))
	t.Advance(2 * ms)
	full := h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(50, 8))
	first := c.Prepare(from, synth.ACK, full[:10])
	c.Prepare(from, synth.ACK, full[10:]) // advance past the rest
	c.Emit(first)
	t.Advance(200 * ms)
	c.Emit(synth.Seg{Dir: from, Seq: first.Seq + 5, Ack: first.Ack, Flags: synth.PSH | synth.ACK, Payload: full[5:]})
	t.Advance(20 * ms)

	// Out of order: the second half of a response arrives first.
	h = s.h()
	c.Send(to, h.ReadRequest(nil, synth.FCReadInputRegisters, 0, 10))
	t.Advance(2 * ms)
	full = h.ReadRegistersResponse(nil, synth.FCReadInputRegisters, regs(900, 10))
	a := c.Prepare(from, synth.ACK, full[:12])
	b := c.Prepare(from, synth.PSH|synth.ACK, full[12:])
	c.Emit(b)
	c.Emit(a)
	t.Advance(20 * ms)
	// Orderly close.
	c.Close(to)
	t.Advance(50 * ms)

	gapThenReset(t.NewConn(synth.L2{}, hmi, 50401, plc1, 502, isnClient+0x77, isnServer+0x77))
}

// gapThenReset loses a request segment (never captured: the server still
// answers it), continues with valid traffic, then resets mid-session.
func gapThenReset(c *synth.Conn) {
	t := c.Trace()
	s := newMB(c, 1)
	c.Handshake()
	valid(s)
	h := s.h()
	c.Prepare(synth.ToServer, synth.PSH|synth.ACK, h.ReadRequest(nil, synth.FCReadHoldingRegisters, 7, 3)) // lost
	t.Advance(2 * ms)
	c.Send(synth.ToClient, h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(7, 3)))
	t.Advance(20 * ms)
	valid(s)
	valid(s)
	// A request, then the client aborts before the answer.
	h = s.h()
	c.Send(synth.ToServer, h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 1))
	t.Advance(1 * ms)
	c.Abort(synth.ToServer)
}
