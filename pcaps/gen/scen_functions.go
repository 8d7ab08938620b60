package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// functions writes modbus_functions.pcap: a request and its response for
// every public function code, every FC 8 sub-function, all Read Device ID
// access modes, exceptions with every exception code, user-defined and
// vendor function codes, and an unassigned code refused with exception 1.
// Values follow the examples of the Modbus Application Protocol
// Specification V1.1b3 where it has one.
func functions(t *synth.Trace) {
	publicCodes(t.NewConn(synth.L2{}, hmi, 50210, plc1, 502, isnClient, isnServer))
	gatewayExceptions(t.NewConn(synth.L2{}, hmi, 50211, gateway, 502, isnClient+0x1000, isnServer+0x1000))
	vendorCodes(t.NewConn(synth.L2{}, hmi, 50212, plc2, 502, isnClient+0x2000, isnServer+0x2000))
}

func publicCodes(c *synth.Conn) {
	s := newMB(c, 1)
	c.Handshake()
	// FC 1: coils 20-38 (spec 6.1): CD 6B 05.
	h := s.h()
	s.x(h.ReadRequest(nil, synth.FCReadCoils, 19, 19), h.PDU(nil, synth.FCReadCoils, 0x03, 0xCD, 0x6B, 0x05))
	// FC 2: inputs 197-218 (spec 6.2): AC DB 35.
	h = s.h()
	s.x(h.ReadRequest(nil, synth.FCReadDiscreteInputs, 196, 22), h.PDU(nil, synth.FCReadDiscreteInputs, 0x03, 0xAC, 0xDB, 0x35))
	// FC 3: registers 108-110 (spec 6.3).
	h = s.h()
	s.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 107, 3), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, []uint16{0x022B, 0x0000, 0x0064}))
	// FC 4: input register 9 (spec 6.4).
	h = s.h()
	s.x(h.ReadRequest(nil, synth.FCReadInputRegisters, 8, 1), h.ReadRegistersResponse(nil, synth.FCReadInputRegisters, []uint16{0x000A}))
	// FC 5: coil 173 ON (spec 6.5).
	h = s.h()
	s.x(h.WriteSingle(nil, synth.FCWriteSingleCoil, 172, synth.CoilOn), h.WriteSingle(nil, synth.FCWriteSingleCoil, 172, synth.CoilOn))
	// FC 6: register 2 := 3 (spec 6.6).
	h = s.h()
	s.x(h.WriteSingle(nil, synth.FCWriteSingleRegister, 1, 3), h.WriteSingle(nil, synth.FCWriteSingleRegister, 1, 3))
	// FC 7 (spec 6.7): output data 0x6D.
	h = s.h()
	s.x(h.PDU(nil, synth.FCReadExceptionStatus), h.PDU(nil, synth.FCReadExceptionStatus, 0x6D))
	diagnostics(s)
	// FC 11 (spec 6.9): status busy, 264 events.
	h = s.h()
	s.x(h.PDU(nil, synth.FCGetCommEventCounter), h.CommEventCounterResponse(nil, 0xFFFF, 0x0108))
	// FC 12 (spec 6.10): two events 0x20 0x00.
	h = s.h()
	s.x(h.PDU(nil, synth.FCGetCommEventLog), h.CommEventLogResponse(nil, 0x0000, 0x0108, 0x0121, []byte{0x20, 0x00}))
	// FC 15: coils 20-29 := CD 01 (spec 6.11).
	h = s.h()
	s.x(h.PDU(nil, synth.FCWriteMultipleCoils, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD, 0x01),
		h.WriteMultipleResponse(nil, synth.FCWriteMultipleCoils, 19, 10))
	// FC 16: registers 2-3 := 000A 0102 (spec 6.12).
	h = s.h()
	s.x(h.WriteMultipleRegisters(nil, 1, []uint16{0x000A, 0x0102}), h.WriteMultipleResponse(nil, synth.FCWriteMultipleRegisters, 1, 2))
	// FC 17: server id, run indicator ON, then a product string.
	h = s.h()
	s.x(h.PDU(nil, synth.FCReportServerID), h.ReportServerIDResponse(nil, []byte{0x42}, true, []byte("BMX P34 2020")))
	// FC 20: two sub-requests (spec 6.14).
	h = s.h()
	s.x(h.ReadFileRecord(nil, []synth.FileRef{{File: 4, Record: 1, Length: 2}, {File: 3, Record: 9, Length: 2}}),
		h.ReadFileRecordResponse(nil, [][]uint16{{0x0DFE, 0x0020}, {0x33CD, 0x0040}}))
	// FC 21: file 4, record 7, three registers (spec 6.15); the response echoes.
	h = s.h()
	rec := []synth.FileRecord{{File: 4, Record: 7, Data: []uint16{0x06AF, 0x04BE, 0x100D}}}
	s.x(h.WriteFileRecord(nil, rec), h.WriteFileRecord(nil, rec))
	// FC 22: register 5, AND 00F2, OR 0025 (spec 6.16).
	h = s.h()
	s.x(h.MaskWriteRegister(nil, 4, 0x00F2, 0x0025), h.MaskWriteRegister(nil, 4, 0x00F2, 0x0025))
	// FC 23: read 6 from 4, write 3 at 15 (spec 6.17).
	h = s.h()
	s.x(h.ReadWriteMultipleRegisters(nil, 3, 6, 14, []uint16{0x00FF, 0x00FF, 0x00FF}),
		h.ReadRegistersResponse(nil, synth.FCReadWriteMultipleRegisters, []uint16{0x00FE, 0x0ACD, 0x0001, 0x0003, 0x000D, 0x00FF}))
	// FC 24: FIFO at 0x04DE holding 01B8 1284 (spec 6.18).
	h = s.h()
	s.x(h.ReadFIFOQueue(nil, 0x04DE), h.ReadFIFOQueueResponse(nil, []uint16{0x01B8, 0x1284}))
	// FC 43 / MEI 13: a CANopen SDO-style upload of object 0x1018 sub 1.
	h = s.h()
	s.x(h.CANopenGeneralReference(nil, 0x00, 0x01, 0x40, 0x18, 0x10, 0x01),
		h.CANopenGeneralReference(nil, 0x00, 0x01, 0x43, 0x18, 0x10, 0x01, 0x5A, 0x00, 0x00, 0x00))
	deviceID(s)
	exceptions(s)
	userCodes(s)
	// FC 8 / 04 Force Listen Only Mode is never answered (spec 6.8.1):
	// it comes last, then the client closes.
	h = s.h()
	c.Send(synth.ToServer, h.Diagnostics(nil, 0x0004, 0x00, 0x00))
	c.Trace().Advance(5 * ms)
	c.Close(synth.ToServer)
}

// diagnostics covers every FC 8 sub-function of spec 6.8.1 except 04
// (Force Listen Only Mode, sent last by publicCodes).
func diagnostics(s *mb) {
	echo := func(sub uint16, data ...byte) {
		h := s.h()
		s.x(h.Diagnostics(nil, sub, data...), h.Diagnostics(nil, sub, data...))
	}
	echo(0x0000, 0xA5, 0x37) // Return Query Data
	echo(0x0001, 0xFF, 0x00) // Restart Communications Option, clear log
	// Return Diagnostic Register: 0x0008.
	h := s.h()
	s.x(h.Diagnostics(nil, 0x0002, 0x00, 0x00), h.Diagnostics(nil, 0x0002, 0x00, 0x08))
	echo(0x0003, 0x3A, 0x00) // Change ASCII Input Delimiter to ':'
	echo(0x000A, 0x00, 0x00) // Clear Counters and Diagnostic Register
	counters := []struct{ sub, value uint16 }{
		{0x000B, 0x0210}, // Return Bus Message Count
		{0x000C, 0x0003}, // Return Bus Communication Error Count
		{0x000D, 0x0005}, // Return Bus Exception Error Count
		{0x000E, 0x01F7}, // Return Server Message Count
		{0x000F, 0x0000}, // Return Server No Response Count
		{0x0010, 0x0001}, // Return Server NAK Count
		{0x0011, 0x0002}, // Return Server Busy Count
		{0x0012, 0x0000}, // Return Bus Character Overrun Count
	}
	for _, k := range counters {
		h := s.h()
		s.x(h.Diagnostics(nil, k.sub, 0x00, 0x00), h.Diagnostics(nil, k.sub, byte(k.value>>8), byte(k.value)))
	}
	echo(0x0014, 0x00, 0x00) // Clear Overrun Counter and Flag
}

// deviceID covers Read Device ID (FC 43 / MEI 14) in all four access modes,
// with the regular stream split over two responses (more follows).
func deviceID(s *mb) {
	basic := []synth.DeviceObject{
		{ID: synth.ObjVendorName, Value: "Schneider Electric"},
		{ID: synth.ObjProductCode, Value: "BMX P34 2020"},
		{ID: synth.ObjMajorMinorRevision, Value: "v3.10"},
	}
	h := s.h()
	s.x(h.ReadDeviceID(nil, synth.DeviceIDBasic, 0),
		h.ReadDeviceIDResponse(nil, synth.DeviceIDResponse{Code: synth.DeviceIDBasic, Conformity: 0x83, Objects: basic}))
	// Regular stream: the first response stops after object 3 and says
	// more follows from object 4; the client asks again from there.
	h = s.h()
	s.x(h.ReadDeviceID(nil, synth.DeviceIDRegular, 0),
		h.ReadDeviceIDResponse(nil, synth.DeviceIDResponse{Code: synth.DeviceIDRegular, Conformity: 0x83,
			MoreFollows: true, NextObject: synth.ObjProductName,
			Objects: append(basic[:3:3], synth.DeviceObject{ID: synth.ObjVendorURL, Value: "www.se.com"})}))
	h = s.h()
	s.x(h.ReadDeviceID(nil, synth.DeviceIDRegular, synth.ObjProductName),
		h.ReadDeviceIDResponse(nil, synth.DeviceIDResponse{Code: synth.DeviceIDRegular, Conformity: 0x83,
			Objects: []synth.DeviceObject{
				{ID: synth.ObjProductName, Value: "Modicon M340"},
				{ID: synth.ObjModelName, Value: "BMXP342020"},
				{ID: synth.ObjUserApplicationName, Value: "PUMP_STATION_3"},
			}}))
	// Extended stream: a private object.
	h = s.h()
	s.x(h.ReadDeviceID(nil, synth.DeviceIDExtended, 0x80),
		h.ReadDeviceIDResponse(nil, synth.DeviceIDResponse{Code: synth.DeviceIDExtended, Conformity: 0x83,
			Objects: []synth.DeviceObject{{ID: 0x80, Value: "SN 21A3-0045-77"}}}))
	// Individual access: the product code alone.
	h = s.h()
	s.x(h.ReadDeviceID(nil, synth.DeviceIDIndividual, synth.ObjProductCode),
		h.ReadDeviceIDResponse(nil, synth.DeviceIDResponse{Code: synth.DeviceIDIndividual, Conformity: 0x83,
			Objects: []synth.DeviceObject{{ID: synth.ObjProductCode, Value: "BMX P34 2020"}}}))
}

// exceptions answers requests with exception codes 1-6 and 8 (10 and 11
// come from the gateway in gatewayExceptions).
func exceptions(s *mb) {
	// 01 Illegal Function: FC 99 is not assigned.
	h := s.h()
	s.x(h.PDU(nil, 99, 0x00, 0x01), h.Exception(nil, 99, synth.ExIllegalFunction))
	// 02 Illegal Data Address: 100 registers from 0xFFF0 run past the end.
	h = s.h()
	s.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0xFFF0, 100), h.Exception(nil, synth.FCReadHoldingRegisters, synth.ExIllegalDataAddress))
	// 03 Illegal Data Value: quantity 0 (spec: 1 to 125).
	h = s.h()
	s.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 0), h.Exception(nil, synth.FCReadHoldingRegisters, synth.ExIllegalDataValue))
	// 04 Server Device Failure on a write.
	h = s.h()
	s.x(h.WriteSingle(nil, synth.FCWriteSingleRegister, 40, 7), h.Exception(nil, synth.FCWriteSingleRegister, synth.ExServerDeviceFailure))
	// 05 Acknowledge: a long file write accepted for processing.
	h = s.h()
	s.x(h.WriteFileRecord(nil, []synth.FileRecord{{File: 1, Record: 0, Data: regs(0x1000, 8)}}),
		h.Exception(nil, synth.FCWriteFileRecord, synth.ExAcknowledge))
	// 06 Server Device Busy.
	h = s.h()
	s.x(h.WriteMultipleRegisters(nil, 200, regs(9, 4)), h.Exception(nil, synth.FCWriteMultipleRegisters, synth.ExServerDeviceBusy))
	// 08 Memory Parity Error on a file read.
	h = s.h()
	s.x(h.ReadFileRecord(nil, []synth.FileRef{{File: 2, Record: 0, Length: 4}}), h.Exception(nil, synth.FCReadFileRecord, synth.ExMemoryParityError))
}

// userCodes uses the user-defined ranges 65-72 and 100-110 (spec 5).
func userCodes(s *mb) {
	h := s.h()
	s.x(h.PDU(nil, 65, 0x01, 0x02, 0x03), h.PDU(nil, 65, 0x01, 0x00))
	h = s.h()
	s.x(h.PDU(nil, 100, 0x10, 0x00, 0x04), h.PDU(nil, 100, 0x08, 0xDE, 0xAD, 0xBE, 0xEF, 0x00, 0x11, 0x22, 0x33))
}

// gatewayExceptions polls three units behind a gateway: unit 1 answers,
// unit 7 has no configured path (exception 10), unit 8 is silent
// (exception 11).
func gatewayExceptions(c *synth.Conn) {
	s := newMB(c, 1)
	c.Handshake()
	h := s.hu(1)
	s.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 4), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(300, 4)))
	h = s.hu(7)
	s.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 4), h.Exception(nil, synth.FCReadHoldingRegisters, synth.ExGatewayPathUnavailable))
	h = s.hu(8)
	c.Send(synth.ToServer, h.ReadRequest(nil, synth.FCReadInputRegisters, 0, 2))
	c.Trace().Advance(500 * ms) // the gateway's serial timeout
	c.Send(synth.ToClient, h.Exception(nil, synth.FCReadInputRegisters, synth.ExGatewayTargetDeviceFailedToRespond))
	c.Close(synth.ToServer)
}

// vendorCodes talks to a PLC with vendor function codes: Schneider UMAS
// (FC 90) and codes 125, 126 and 40.
func vendorCodes(c *synth.Conn) {
	s := newMB(c, 0)
	c.Handshake()
	h := s.h()
	s.x(h.UMASRequest(nil, 0x00, synth.UMASReadID),
		h.UMASResponse(nil, 0x00, synth.UMASOK, 0xFE, 0x09, 0x00, 0x01, 0x06, 0x01, 0x00, 0x00, 0x0C, 'B', 'M', 'X', ' ', 'P', '3', '4', ' ', '2', '0', '2', '0'))
	h = s.h()
	s.x(h.UMASRequest(nil, 0x00, synth.UMASInitComm, 0x00), h.UMASResponse(nil, 0x00, synth.UMASOK, 0xFE, 0x03, 0x00, 0x00))
	h = s.h()
	s.x(h.UMASRequest(nil, 0x00, synth.UMASReadPLCInfo), h.UMASResponse(nil, 0x00, synth.UMASOK, 0x00, 0x00, 0x10, 0x00, 0x01, 0x02))
	h = s.h()
	s.x(h.UMASRequest(nil, 0x00, synth.UMASStopPLC, 0xFF, 0x00), h.UMASResponse(nil, 0x00, synth.UMASError, 0x81))
	// 125 and 126: Modicon programming codes; 40: a vendor-specific code.
	h = s.h()
	s.x(h.PDU(nil, 125, 0x00, 0x01, 0x00, 0x10), h.PDU(nil, 125, 0x00, 0x01, 0x00, 0x10, 0x00))
	h = s.h()
	s.x(h.PDU(nil, 126, 0x02, 0x00), h.PDU(nil, 126, 0x02, 0x00, 0x01))
	h = s.h()
	s.x(h.PDU(nil, 40, 0x00, 0x00, 0x00, 0x02), h.PDU(nil, 40, 0x04, 0x12, 0x34, 0x56, 0x78))
	c.Close(synth.ToServer)
}
