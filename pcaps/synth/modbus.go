package synth

import "encoding/binary"

// Modbus public function codes (Modbus Application Protocol Specification
// V1.1b3, section 5.1).
const (
	FCReadCoils                  = 0x01
	FCReadDiscreteInputs         = 0x02
	FCReadHoldingRegisters       = 0x03
	FCReadInputRegisters         = 0x04
	FCWriteSingleCoil            = 0x05
	FCWriteSingleRegister        = 0x06
	FCReadExceptionStatus        = 0x07
	FCDiagnostics                = 0x08
	FCGetCommEventCounter        = 0x0B
	FCGetCommEventLog            = 0x0C
	FCWriteMultipleCoils         = 0x0F
	FCWriteMultipleRegisters     = 0x10
	FCReportServerID             = 0x11
	FCReadFileRecord             = 0x14
	FCWriteFileRecord            = 0x15
	FCMaskWriteRegister          = 0x16
	FCReadWriteMultipleRegisters = 0x17
	FCReadFIFOQueue              = 0x18
	FCEncapsulatedInterface      = 0x2B // MEI transport
	FCUMAS                       = 0x5A // Schneider Electric UMAS (reserved in the spec)
)

// Modbus exception codes (section 7).
const (
	ExIllegalFunction                    = 0x01
	ExIllegalDataAddress                 = 0x02
	ExIllegalDataValue                   = 0x03
	ExServerDeviceFailure                = 0x04
	ExAcknowledge                        = 0x05
	ExServerDeviceBusy                   = 0x06
	ExMemoryParityError                  = 0x08
	ExGatewayPathUnavailable             = 0x0A
	ExGatewayTargetDeviceFailedToRespond = 0x0B
)

// Coil values of Write Single Coil (section 6.5).
const (
	CoilOn  = 0xFF00
	CoilOff = 0x0000
)

// MBAPLen is the size of the MBAP header in front of every PDU.
const MBAPLen = 7

// MBAP holds the header fields of the Modbus/TCP ADUs built with it. The
// length field is computed. The builders append one ADU to dst and return
// the extended slice; with enough capacity in dst they do not allocate.
type MBAP struct {
	TID   uint16 // transaction identifier
	Proto uint16 // protocol identifier: 0 for Modbus
	Unit  uint8  // unit identifier
}

func (h MBAP) begin(dst []byte) ([]byte, int) {
	start := len(dst)
	dst = append(dst, byte(h.TID>>8), byte(h.TID), byte(h.Proto>>8), byte(h.Proto), 0, 0, h.Unit)
	return dst, start
}

// end sets the MBAP length field: unit id plus PDU.
func end(b []byte, start int) []byte {
	binary.BigEndian.PutUint16(b[start+4:], uint16(len(b)-start-6))
	return b
}

func put16(b []byte, v uint16) []byte { return append(b, byte(v>>8), byte(v)) }

// PDU appends an ADU whose PDU is fc followed by data, verbatim.
func (h MBAP) PDU(dst []byte, fc uint8, data ...byte) []byte {
	b, s := h.begin(dst)
	b = append(b, fc)
	return end(append(b, data...), s)
}

// WithLength appends an ADU with the given MBAP length field whatever the
// PDU's real size (for malformed traffic).
func (h MBAP) WithLength(dst []byte, length uint16, pdu ...byte) []byte {
	b, s := h.begin(dst)
	binary.BigEndian.PutUint16(b[s+4:], length)
	return append(b, pdu...)
}

// Exception appends an exception response to fc: fc|0x80, code.
func (h MBAP) Exception(dst []byte, fc, code uint8) []byte {
	return h.PDU(dst, fc|0x80, code)
}

// ReadRequest appends a read request (FC 1-4): start address, quantity.
func (h MBAP) ReadRequest(dst []byte, fc uint8, addr, qty uint16) []byte {
	b, s := h.begin(dst)
	b = append(b, fc)
	b = put16(b, addr)
	return end(put16(b, qty), s)
}

// ReadBitsResponse appends a Read Coils / Read Discrete Inputs response:
// byte count, then the bits packed LSB first, the last byte zero-padded.
func (h MBAP) ReadBitsResponse(dst []byte, fc uint8, bits []bool) []byte {
	b, s := h.begin(dst)
	b = append(b, fc, byte((len(bits)+7)/8))
	return end(appendBits(b, bits), s)
}

func appendBits(b []byte, bits []bool) []byte {
	var cur byte
	for i, v := range bits {
		if v {
			cur |= 1 << (i % 8)
		}
		if i%8 == 7 || i == len(bits)-1 {
			b = append(b, cur)
			cur = 0
		}
	}
	return b
}

// ReadRegistersResponse appends a Read Holding / Input Registers response:
// byte count (2 per register), then the registers big-endian.
func (h MBAP) ReadRegistersResponse(dst []byte, fc uint8, regs []uint16) []byte {
	b, s := h.begin(dst)
	b = append(b, fc, byte(2*len(regs)))
	for _, r := range regs {
		b = put16(b, r)
	}
	return end(b, s)
}

// WriteSingle appends a Write Single Coil / Register request, or its
// response (an echo): address, value.
func (h MBAP) WriteSingle(dst []byte, fc uint8, addr, value uint16) []byte {
	b, s := h.begin(dst)
	b = append(b, fc)
	b = put16(b, addr)
	return end(put16(b, value), s)
}

// WriteMultipleCoils appends a Write Multiple Coils request: address,
// quantity, byte count, packed bits.
func (h MBAP) WriteMultipleCoils(dst []byte, addr uint16, bits []bool) []byte {
	b, s := h.begin(dst)
	b = append(b, FCWriteMultipleCoils)
	b = put16(b, addr)
	b = put16(b, uint16(len(bits)))
	b = append(b, byte((len(bits)+7)/8))
	return end(appendBits(b, bits), s)
}

// WriteMultipleRegisters appends a Write Multiple Registers request:
// address, quantity, byte count, registers.
func (h MBAP) WriteMultipleRegisters(dst []byte, addr uint16, regs []uint16) []byte {
	b, s := h.begin(dst)
	b = append(b, FCWriteMultipleRegisters)
	b = put16(b, addr)
	b = put16(b, uint16(len(regs)))
	b = append(b, byte(2*len(regs)))
	for _, r := range regs {
		b = put16(b, r)
	}
	return end(b, s)
}

// WriteMultipleResponse appends the response to FC 15 or 16: address,
// quantity written.
func (h MBAP) WriteMultipleResponse(dst []byte, fc uint8, addr, qty uint16) []byte {
	return h.WriteSingle(dst, fc, addr, qty)
}

// Diagnostics appends an FC 8 request or response: sub-function, data.
func (h MBAP) Diagnostics(dst []byte, sub uint16, data ...byte) []byte {
	b, s := h.begin(dst)
	b = append(b, FCDiagnostics)
	b = put16(b, sub)
	return end(append(b, data...), s)
}

// CommEventCounterResponse appends a Get Comm Event Counter (FC 11)
// response: status word, event count.
func (h MBAP) CommEventCounterResponse(dst []byte, status, count uint16) []byte {
	return h.WriteSingle(dst, FCGetCommEventCounter, status, count)
}

// CommEventLogResponse appends a Get Comm Event Log (FC 12) response: byte
// count (6 + events), status, event count, message count, events.
func (h MBAP) CommEventLogResponse(dst []byte, status, events, messages uint16, log []byte) []byte {
	b, s := h.begin(dst)
	b = append(b, FCGetCommEventLog, byte(6+len(log)))
	b = put16(b, status)
	b = put16(b, events)
	b = put16(b, messages)
	return end(append(b, log...), s)
}

// ReportServerIDResponse appends a Report Server ID (FC 17) response: byte
// count, server id, run indicator (0xFF on, 0x00 off), additional data.
func (h MBAP) ReportServerIDResponse(dst []byte, id []byte, running bool, extra []byte) []byte {
	b, s := h.begin(dst)
	b = append(b, FCReportServerID, byte(len(id)+1+len(extra)))
	b = append(b, id...)
	run := byte(0x00)
	if running {
		run = 0xFF
	}
	b = append(b, run)
	return end(append(b, extra...), s)
}

// MaskWriteRegister appends an FC 22 request or response: address, AND
// mask, OR mask.
func (h MBAP) MaskWriteRegister(dst []byte, addr, and, or uint16) []byte {
	b, s := h.begin(dst)
	b = append(b, FCMaskWriteRegister)
	b = put16(b, addr)
	b = put16(b, and)
	return end(put16(b, or), s)
}

// ReadWriteMultipleRegisters appends an FC 23 request: read address, read
// quantity, write address, write quantity, write byte count, registers.
func (h MBAP) ReadWriteMultipleRegisters(dst []byte, readAddr, readQty, writeAddr uint16, regs []uint16) []byte {
	b, s := h.begin(dst)
	b = append(b, FCReadWriteMultipleRegisters)
	b = put16(b, readAddr)
	b = put16(b, readQty)
	b = put16(b, writeAddr)
	b = put16(b, uint16(len(regs)))
	b = append(b, byte(2*len(regs)))
	for _, r := range regs {
		b = put16(b, r)
	}
	return end(b, s)
}

// ReadFIFOQueue appends an FC 24 request: FIFO pointer address.
func (h MBAP) ReadFIFOQueue(dst []byte, ptr uint16) []byte {
	b, s := h.begin(dst)
	b = append(b, FCReadFIFOQueue)
	return end(put16(b, ptr), s)
}

// ReadFIFOQueueResponse appends an FC 24 response: byte count (2 bytes:
// the FIFO count field plus the values), FIFO count, values.
func (h MBAP) ReadFIFOQueueResponse(dst []byte, values []uint16) []byte {
	b, s := h.begin(dst)
	b = append(b, FCReadFIFOQueue)
	b = put16(b, uint16(2+2*len(values)))
	b = put16(b, uint16(len(values)))
	for _, v := range values {
		b = put16(b, v)
	}
	return end(b, s)
}
