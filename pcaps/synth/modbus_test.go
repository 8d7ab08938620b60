package synth

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

// unhex decodes hex written with spaces.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bitsOf lists coil states written as '1' and '0' (first coil first).
func bitsOf(s string) []bool {
	var b []bool
	for _, c := range s {
		switch c {
		case '1':
			b = append(b, true)
		case '0':
			b = append(b, false)
		}
	}
	return b
}

// TestMBAP checks the header: transaction id, protocol id, length (unit id
// plus PDU), unit id (Modbus Messaging on TCP/IP Implementation Guide
// V1.0b, 3.1.3).
func TestMBAP(t *testing.T) {
	h := MBAP{TID: 0x0102, Unit: 0x11}
	// FC 3, address 0x006B, quantity 3: PDU of 5 bytes, length 6.
	got := h.ReadRequest(nil, FCReadHoldingRegisters, 0x006B, 3)
	want := unhex(t, "0102 0000 0006 11 03 006B 0003")
	if !bytes.Equal(got, want) {
		t.Errorf("got % x\nwant % x", got, want)
	}
	// Appending keeps what dst held.
	got = MBAP{TID: 7, Proto: 1, Unit: 2}.PDU([]byte{0xAA}, 0x07)
	if want := unhex(t, "AA 0007 0001 0002 02 07"); !bytes.Equal(got, want) {
		t.Errorf("got % x\nwant % x", got, want)
	}
	// WithLength writes the given length whatever the PDU size.
	got = MBAP{TID: 1, Unit: 1}.WithLength(nil, 300, 0x10)
	if want := unhex(t, "0001 0000 012C 01 10"); !bytes.Equal(got, want) {
		t.Errorf("got % x\nwant % x", got, want)
	}
}

// TestPDUs checks each builder against the examples of the Modbus
// Application Protocol Specification V1.1b3 (section numbers given). The
// MBAP header is stripped before comparing.
func TestPDUs(t *testing.T) {
	h := MBAP{TID: 1, Unit: 1}
	tests := []struct {
		name string
		got  []byte
		want string
	}{
		{"6.1 read coils 20-38 request", h.ReadRequest(nil, FCReadCoils, 0x13, 0x13), "01 0013 0013"},
		// Coils 20..38: 27-20 = CD, 35-28 = 6B, 38-36 = 05 (LSB first).
		{"6.1 read coils response", h.ReadBitsResponse(nil, FCReadCoils, bitsOf("10110011 11010110 101")), "01 03 CD 6B 05"},
		{"6.2 read discrete inputs request", h.ReadRequest(nil, FCReadDiscreteInputs, 0xC4, 0x16), "02 00C4 0016"},
		// Inputs 197..218: AC DB 35.
		{"6.2 read discrete inputs response", h.ReadBitsResponse(nil, FCReadDiscreteInputs, bitsOf("00110101 11011011 101011")), "02 03 AC DB 35"},
		{"6.3 read holding registers response", h.ReadRegistersResponse(nil, FCReadHoldingRegisters, []uint16{0x022B, 0, 0x64}), "03 06 022B 0000 0064"},
		{"6.4 read input register response", h.ReadRegistersResponse(nil, FCReadInputRegisters, []uint16{0x0A}), "04 02 000A"},
		{"6.5 write single coil 173 ON", h.WriteSingle(nil, FCWriteSingleCoil, 0xAC, CoilOn), "05 00AC FF00"},
		{"6.6 write single register", h.WriteSingle(nil, FCWriteSingleRegister, 1, 3), "06 0001 0003"},
		{"6.7 read exception status response", h.PDU(nil, FCReadExceptionStatus, 0x6D), "07 6D"},
		{"6.8 diagnostics return query data", h.Diagnostics(nil, 0, 0xA5, 0x37), "08 0000 A537"},
		{"6.9 get comm event counter response", h.CommEventCounterResponse(nil, 0xFFFF, 0x0108), "0B FFFF 0108"},
		{"6.10 get comm event log response", h.CommEventLogResponse(nil, 0, 0x0108, 0x0121, []byte{0x20, 0x00}), "0C 08 0000 0108 0121 20 00"},
		// Coils 20..29 := CD 01.
		{"6.11 write multiple coils request", h.WriteMultipleCoils(nil, 0x13, bitsOf("10110011 10")), "0F 0013 000A 02 CD 01"},
		{"6.11 write multiple coils response", h.WriteMultipleResponse(nil, FCWriteMultipleCoils, 0x13, 0x0A), "0F 0013 000A"},
		{"6.12 write multiple registers request", h.WriteMultipleRegisters(nil, 1, []uint16{0x000A, 0x0102}), "10 0001 0002 04 000A 0102"},
		{"6.13 report server id response", h.ReportServerIDResponse(nil, []byte{0x42}, true, []byte("X")), "11 03 42 FF 58"},
		{"6.14 read file record request", h.ReadFileRecord(nil, []FileRef{{4, 1, 2}, {3, 9, 2}}), "14 0E 06 0004 0001 0002 06 0003 0009 0002"},
		{"6.14 read file record response", h.ReadFileRecordResponse(nil, [][]uint16{{0x0DFE, 0x0020}, {0x33CD, 0x0040}}), "14 0C 05 06 0DFE 0020 05 06 33CD 0040"},
		{"6.15 write file record request", h.WriteFileRecord(nil, []FileRecord{{4, 7, []uint16{0x06AF, 0x04BE, 0x100D}}}), "15 0D 06 0004 0007 0003 06AF 04BE 100D"},
		{"6.16 mask write register", h.MaskWriteRegister(nil, 4, 0x00F2, 0x0025), "16 0004 00F2 0025"},
		{"6.17 read/write multiple registers request", h.ReadWriteMultipleRegisters(nil, 3, 6, 0x0E, []uint16{0xFF, 0xFF, 0xFF}), "17 0003 0006 000E 0003 06 00FF 00FF 00FF"},
		{"6.18 read fifo queue request", h.ReadFIFOQueue(nil, 0x04DE), "18 04DE"},
		{"6.18 read fifo queue response", h.ReadFIFOQueueResponse(nil, []uint16{0x01B8, 0x1284}), "18 0006 0002 01B8 1284"},
		{"6.21 read device id request", h.ReadDeviceID(nil, DeviceIDBasic, 0), "2B 0E 01 00"},
		// "Company identification" is 22 (0x16) bytes, "Product code XX" 15, "V2.11" 5.
		{"6.21 read device id response", h.ReadDeviceIDResponse(nil, DeviceIDResponse{Code: 1, Conformity: 1, Objects: []DeviceObject{
			{0, "Company identification"}, {1, "Product code XX"}, {2, "V2.11"}}}),
			"2B 0E 01 01 00 00 03 00 16" + hex.EncodeToString([]byte("Company identification")) +
				"01 0F" + hex.EncodeToString([]byte("Product code XX")) + "02 05" + hex.EncodeToString([]byte("V2.11"))},
		{"6.21 more follows", h.ReadDeviceIDResponse(nil, DeviceIDResponse{Code: 2, Conformity: 0x82, MoreFollows: true, NextObject: 4}), "2B 0E 02 82 FF 04 00"},
		{"6.20 CANopen general reference", h.CANopenGeneralReference(nil, 0x01, 0x02), "2B 0D 01 02"},
		{"7 exception: illegal data address", h.Exception(nil, FCReadCoils, ExIllegalDataAddress), "81 02"},
		{"UMAS read id request", h.UMASRequest(nil, 0, UMASReadID), "5A 00 02"},
		{"UMAS response", h.UMASResponse(nil, 0, UMASOK, 0x01), "5A 00 FE 01"},
	}
	for _, tt := range tests {
		want := unhex(t, tt.want)
		if len(tt.got) < MBAPLen || !bytes.Equal(tt.got[MBAPLen:], want) {
			t.Errorf("%s:\n got % x\nwant % x", tt.name, tt.got[min(MBAPLen, len(tt.got)):], want)
			continue
		}
		if n := int(tt.got[4])<<8 | int(tt.got[5]); n != 1+len(want) {
			t.Errorf("%s: MBAP length %d, want %d", tt.name, n, 1+len(want))
		}
	}
}

func TestBuildersDoNotAllocate(t *testing.T) {
	h := MBAP{TID: 1, Unit: 1}
	dst := make([]byte, 0, 512)
	regs := make([]uint16, 125)
	bits := make([]bool, 2000)
	allocs := testing.AllocsPerRun(100, func() {
		dst = h.ReadRequest(dst[:0], FCReadHoldingRegisters, 0, 125)
		dst = h.ReadRegistersResponse(dst[:0], FCReadHoldingRegisters, regs)
		dst = h.ReadBitsResponse(dst[:0], FCReadCoils, bits)
		dst = h.WriteMultipleRegisters(dst[:0], 0, regs[:123])
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run", allocs)
	}
}
