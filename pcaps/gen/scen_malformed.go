package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// malformed writes modbus_malformed.pcap: one connection per defect, each
// followed by a valid exchange on the same connection so that a parser's
// recovery shows.
func malformed(t *synth.Trace) {
	port := uint16(50300)
	isn := uint32(isnClient)
	conn := func(body func(s *mb)) {
		c := t.NewConn(synth.L2{}, hmi, port, plc1, 502, isn, isn^0x5a5a5a5a)
		port++
		isn += 0x01000000
		s := newMB(c, 1)
		c.Handshake()
		body(s)
		valid(s)
		c.Close(synth.ToServer)
		t.Advance(20 * ms)
	}
	// Protocol identifier 1: not Modbus; the server stays silent.
	conn(func(s *mb) {
		h := s.h()
		h.Proto = 1
		s.c.Send(synth.ToServer, h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 2))
		t.Advance(10 * ms)
	})
	// MBAP length 0: a header that does not even hold the unit id, with
	// the 7th byte present on the wire; the server stays silent.
	conn(func(s *mb) {
		s.c.Send(synth.ToServer, s.h().WithLength(nil, 0))
		t.Advance(10 * ms)
	})
	// MBAP length 1: unit id only, no function code.
	conn(func(s *mb) {
		s.c.Send(synth.ToServer, s.h().WithLength(nil, 1))
		t.Advance(10 * ms)
	})
	// MBAP length 300: above the 254 a 253-byte PDU allows; the bytes are
	// all there.
	conn(func(s *mb) {
		pdu := make([]byte, 299)
		pdu[0] = synth.FCWriteMultipleRegisters
		for i := 1; i < len(pdu); i++ {
			pdu[i] = byte(i)
		}
		s.c.Send(synth.ToServer, s.h().WithLength(nil, 300, pdu...))
		t.Advance(10 * ms)
	})
	// Byte counts inconsistent with quantities: FC 16 for 3 registers
	// with byte count 4 (refused with exception 3), then an FC 3 response
	// whose byte count says 6 for the 2 registers asked (and carries 6).
	conn(func(s *mb) {
		h := s.h()
		s.x(h.PDU(nil, synth.FCWriteMultipleRegisters, 0x00, 0x0A, 0x00, 0x03, 0x04, 0x00, 0x01, 0x00, 0x02),
			h.Exception(nil, synth.FCWriteMultipleRegisters, synth.ExIllegalDataValue))
		h = s.h()
		s.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 2), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(1, 3)))
	})
	// FC 5 with value 0x1234 (only FF00 and 0000 are valid): exception 3.
	conn(func(s *mb) {
		h := s.h()
		s.x(h.WriteSingle(nil, synth.FCWriteSingleCoil, 9, 0x1234), h.Exception(nil, synth.FCWriteSingleCoil, synth.ExIllegalDataValue))
	})
	// A response nobody asked for (transaction 0x7777).
	conn(func(s *mb) {
		valid(s)
		h := synth.MBAP{TID: 0x7777, Unit: 1}
		s.c.Send(synth.ToClient, h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(7, 2)))
		t.Advance(10 * ms)
	})
	// 70 pipelined requests (more than 64 outstanding), sent ten to a
	// segment, then answered ten to a segment.
	conn(func(s *mb) {
		first := s.tid + 1
		for seg := 0; seg < 7; seg++ {
			var b []byte
			for i := 0; i < 10; i++ {
				b = s.h().ReadRequest(b, synth.FCReadHoldingRegisters, uint16(10*seg+i), 1)
			}
			s.c.Send(synth.ToServer, b)
		}
		t.Advance(5 * ms)
		tid := first
		for seg := 0; seg < 7; seg++ {
			var b []byte
			for i := 0; i < 10; i++ {
				b = synth.MBAP{TID: tid, Unit: 1}.ReadRegistersResponse(b, synth.FCReadHoldingRegisters, []uint16{uint16(10*seg + i)})
				tid++
			}
			s.c.Send(synth.ToClient, b)
		}
		t.Advance(10 * ms)
	})
	// Garbage, then valid ADUs in the same segment, then more exchanges.
	conn(func(s *mb) {
		b := []byte{0xde, 0xad, 0xbe, 0xef, 0x13, 0x37, 0x00, 0xff, 0x42}
		h := s.h()
		b = h.ReadRequest(b, synth.FCReadHoldingRegisters, 0, 1)
		h2 := s.h()
		b = h2.ReadRequest(b, synth.FCReadCoils, 0, 8)
		s.c.Send(synth.ToServer, b)
		t.Advance(2 * ms)
		r := h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, []uint16{42})
		s.c.Send(synth.ToClient, h2.ReadBitsResponse(r, synth.FCReadCoils, bits(8)))
		t.Advance(10 * ms)
	})
	// An exception response with code 9, which no specification assigns.
	conn(func(s *mb) {
		h := s.h()
		s.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 1), h.Exception(nil, synth.FCReadHoldingRegisters, 9))
	})
}

// valid writes one well-formed FC 3 exchange.
func valid(s *mb) {
	h := s.h()
	s.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 100, 2), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, []uint16{0x1111, 0x2222}))
}
