package main

import (
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// mb is a Modbus/TCP client-server conversation on a Conn: it numbers
// transactions and writes request/response pairs.
type mb struct {
	c    *synth.Conn
	tid  uint16
	unit uint8
}

func newMB(c *synth.Conn, unit uint8) *mb { return &mb{c: c, unit: unit} }

// h returns the header for the next transaction.
func (s *mb) h() synth.MBAP {
	s.tid++
	return synth.MBAP{TID: s.tid, Unit: s.unit}
}

// hu returns the header for the next transaction to unit u.
func (s *mb) hu(u uint8) synth.MBAP {
	h := s.h()
	h.Unit = u
	return h
}

// x writes one exchange.
func (s *mb) x(req, resp []byte) { s.c.Exchange(req, resp) }

// regs returns n register values derived from seed.
func regs(seed uint16, n int) []uint16 {
	r := make([]uint16, n)
	for i := range r {
		r[i] = seed + uint16(i*7)
	}
	return r
}

// bits returns n coil values in a fixed pattern.
func bits(n int) []bool {
	b := make([]bool, n)
	for i := range b {
		b[i] = i%3 == 0 || i%5 == 1
	}
	return b
}

// basicSession writes a complete short Modbus session: handshake, reads
// of the four tables, single and multiple writes, a device identification
// read and an orderly close. It writes 3 + 2*8 + 3 = 22 packets.
func basicSession(c *synth.Conn, unit uint8) {
	s := newMB(c, unit)
	c.Handshake()
	c.Trace().Advance(2 * time.Millisecond)
	h := s.h()
	s.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 10), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(100, 10)))
	h = s.h()
	s.x(h.ReadRequest(nil, synth.FCReadInputRegisters, 0, 4), h.ReadRegistersResponse(nil, synth.FCReadInputRegisters, regs(2000, 4)))
	h = s.h()
	s.x(h.ReadRequest(nil, synth.FCReadCoils, 0, 16), h.ReadBitsResponse(nil, synth.FCReadCoils, bits(16)))
	h = s.h()
	s.x(h.ReadRequest(nil, synth.FCReadDiscreteInputs, 0, 8), h.ReadBitsResponse(nil, synth.FCReadDiscreteInputs, bits(8)))
	h = s.h()
	s.x(h.WriteSingle(nil, synth.FCWriteSingleRegister, 5, 1234), h.WriteSingle(nil, synth.FCWriteSingleRegister, 5, 1234))
	h = s.h()
	s.x(h.WriteMultipleRegisters(nil, 10, regs(500, 3)), h.WriteMultipleResponse(nil, synth.FCWriteMultipleRegisters, 10, 3))
	h = s.h()
	s.x(h.WriteSingle(nil, synth.FCWriteSingleCoil, 3, synth.CoilOn), h.WriteSingle(nil, synth.FCWriteSingleCoil, 3, synth.CoilOn))
	h = s.h()
	s.x(h.ReadDeviceID(nil, synth.DeviceIDBasic, 0), h.ReadDeviceIDResponse(nil, synth.DeviceIDResponse{
		Code: synth.DeviceIDBasic, Conformity: 0x81, Objects: []synth.DeviceObject{
			{ID: synth.ObjVendorName, Value: "Schneider Electric"},
			{ID: synth.ObjProductCode, Value: "BMX P34 2020"},
			{ID: synth.ObjMajorMinorRevision, Value: "v3.10"},
		}}))
	c.Close(synth.ToServer)
}
