package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// plant writes modbus_plant.pcap.gz: a small plant on 192.168.10.0/24. An
// HMI polls three PLCs; a Moxa gateway serves units 1-3 to a SCADA server
// on another subnet (10.50.0.0/24, reached through the Cisco router, so
// several IPs share the router's MAC); a historian there reads PLC 3; an
// engineering workstation writes to PLC 2 and reads PLC 1's identity.
// Local hosts resolve each other with ARP first.
func plant(t *synth.Trace) {
	var (
		router = synth.Host{MAC: synth.MAC(synth.OUICisco, 0x9c0001), IP: ip4(192, 168, 10, 1), TTL: 255}
		hmiP   = synth.Host{MAC: synth.MAC(synth.OUIDell, 0x9c0010), IP: ip4(192, 168, 10, 10), TTL: 128}
		ews    = synth.Host{MAC: synth.MAC(synth.OUIHP, 0x9c0050), IP: ip4(192, 168, 10, 50), TTL: 128}
		p1     = synth.Host{MAC: synth.MAC(synth.OUISchneider, 0x9c0021), IP: ip4(192, 168, 10, 21)}
		p2     = synth.Host{MAC: synth.MAC(synth.OUISiemens, 0x9c0022), IP: ip4(192, 168, 10, 22)}
		p3     = synth.Host{MAC: synth.MAC(synth.OUIRockwell, 0x9c0023), IP: ip4(192, 168, 10, 23)}
		gw     = synth.Host{MAC: synth.MAC(synth.OUIMoxa, 0x9c0030), IP: ip4(192, 168, 10, 30)}
		// Remote hosts as seen on this segment: behind the router's MAC.
		scada     = synth.Host{MAC: router.MAC, IP: ip4(10, 50, 0, 5), TTL: 127}
		historian = synth.Host{MAC: router.MAC, IP: ip4(10, 50, 0, 8), TTL: 63}
	)
	none := synth.L2{}
	for _, plc := range []synth.Host{p1, p2, p3} {
		t.ARPExchange(&none, hmiP, plc)
		t.Advance(ms)
	}
	t.ARPExchange(&none, router, gw)
	t.ARPExchange(&none, router, p3)
	t.ARPExchange(&none, ews, p1)
	t.ARPExchange(&none, ews, p2)
	t.Advance(10 * ms)

	c1 := newMB(t.NewConn(none, hmiP, 49701, p1, 502, 0x31000001, 0x71000001), 1)
	c2 := newMB(t.NewConn(none, hmiP, 49702, p2, 502, 0x32000001, 0x72000001), 1)
	c3 := newMB(t.NewConn(none, hmiP, 49703, p3, 502, 0x33000001, 0x73000001), 1)
	cg := newMB(t.NewConn(none, scada, 51502, gw, 502, 0x34000001, 0x74000001), 1)
	ch := newMB(t.NewConn(none, historian, 40110, p3, 502, 0x35000001, 0x75000001), 1)
	for _, s := range []*mb{c1, c2, c3, cg, ch} {
		s.c.Handshake()
		t.Advance(2 * ms)
	}
	for round := 0; round < 6; round++ {
		r := uint16(round)
		h := c1.h()
		c1.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 10), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(100+r, 10)))
		h = c2.h()
		c2.x(h.ReadRequest(nil, synth.FCReadInputRegisters, 0, 8), h.ReadRegistersResponse(nil, synth.FCReadInputRegisters, regs(200+r, 8)))
		h = c3.h()
		c3.x(h.ReadRequest(nil, synth.FCReadCoils, 0, 24), h.ReadBitsResponse(nil, synth.FCReadCoils, bits(24)))
		h = c3.h()
		c3.x(h.ReadRequest(nil, synth.FCReadDiscreteInputs, 0, 16), h.ReadBitsResponse(nil, synth.FCReadDiscreteInputs, bits(16)))
		for unit := uint8(1); unit <= 3; unit++ {
			h = cg.hu(unit)
			cg.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 4), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(uint16(unit)*1000+r, 4)))
		}
		if round%2 == 0 {
			h = ch.h()
			ch.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 100, 20), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(3000+r, 20)))
		}
		if round == 2 {
			engineering(t, ews, p1, p2)
		}
		t.Advance(400 * ms)
	}
	for _, s := range []*mb{c1, c2, c3, cg, ch} {
		s.c.Close(synth.ToServer)
	}
}

// engineering is the engineering workstation's visit: writes to PLC 2,
// then PLC 1's identity.
func engineering(t *synth.Trace, ews, p1, p2 synth.Host) {
	w := newMB(t.NewConn(synth.L2{}, ews, 52000, p2, 502, 0x36000001, 0x76000001), 1)
	w.c.Handshake()
	h := w.h()
	w.x(h.WriteSingle(nil, synth.FCWriteSingleRegister, 12, 750), h.WriteSingle(nil, synth.FCWriteSingleRegister, 12, 750))
	h = w.h()
	w.x(h.WriteMultipleRegisters(nil, 20, []uint16{1, 0, 300}), h.WriteMultipleResponse(nil, synth.FCWriteMultipleRegisters, 20, 3))
	h = w.h()
	w.x(h.WriteSingle(nil, synth.FCWriteSingleCoil, 4, synth.CoilOff), h.WriteSingle(nil, synth.FCWriteSingleCoil, 4, synth.CoilOff))
	w.c.Close(synth.ToServer)

	id := newMB(t.NewConn(synth.L2{}, ews, 52001, p1, 502, 0x37000001, 0x77000001), 1)
	id.c.Handshake()
	h = id.h()
	id.x(h.ReadDeviceID(nil, synth.DeviceIDBasic, 0), h.ReadDeviceIDResponse(nil, synth.DeviceIDResponse{
		Code: synth.DeviceIDBasic, Conformity: 0x81, Objects: []synth.DeviceObject{
			{ID: synth.ObjVendorName, Value: "Schneider Electric"},
			{ID: synth.ObjProductCode, Value: "BMX P34 2020"},
			{ID: synth.ObjMajorMinorRevision, Value: "v3.10"},
		}}))
	id.c.Close(synth.ToServer)
}
