package main

import (
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// Rules the attacks raise. Some are planned (issue 6) and may not be in
// alerts.Detections yet: the scenario test reports those as not
// implemented.
const (
	rNewDevice     = "policy.new_device"
	rNewLink       = "policy.new_link"
	rModbusFunc    = "policy.modbus_function"
	rModbusAddr    = "policy.modbus_address"
	rIdentity      = "policy.identity_change"
	rDNP3Func      = "policy.dnp3_function"
	rMQTTClientID  = "policy.mqtt_client_id"
	rMQTTWildcard  = "policy.mqtt_wildcard"
	rTLSFinger     = "policy.tls_fingerprint"
	rTLSCert       = "policy.tls_certificate"
	rProgramming   = "modbus.programming"
	rExceptions    = "modbus.exceptions"
	rUnitScan      = "modbus.unit_id_scan"
	rRestart       = "dnp3.restart"
	rStopApp       = "dnp3.stop_application"
	rFileOp        = "dnp3.file_operation"
	rInitData      = "dnp3.initialize_data"
	rDisableUnsol  = "dnp3.disable_unsolicited"
	rActivateConf  = "dnp3.activate_config"
	rChannel       = "policy.channel_inactive"
	rSilent        = "policy.device_silent"
	rTrouble       = "dnp3.device_trouble"
	rRestarted     = "dnp3.device_restarted"
	rAnonymous     = "mqtt.anonymous_connect"
	rWeakVersion   = "tls.weak_version"
	rWeakCipher    = "tls.weak_cipher"
	rCertValidity  = "tls.certificate_validity"
	rSelfSigned    = "tls.self_signed_certificate"
	rPortScan      = "scan.port"
	rAddressScan   = "scan.address"
	rViolation     = "protocol.violation"
	scRouterSuffix = 0x320001
)

// scRouterMAC is the MAC of the plant's router, behind which the address
// scan's targets (192.168.51.0/24) are.
var scRouterMAC = synth.MAC(synth.OUICisco, scRouterSuffix)

// scPortScanPorts are the 30 ports the rogue laptop probes on PLC 2; PLC
// 2 listens on none of them (its Modbus port 502 is not probed).
var scPortScanPorts = [30]uint16{7, 20, 21, 22, 23, 25, 53, 69, 80, 102, 110, 111, 123, 135, 137,
	139, 143, 161, 389, 443, 445, 1433, 1911, 2404, 3389, 4840, 5900, 8080, 20000, 44818}

// attack schedules fn at offset at as the attack named name: its labels
// span the packets fn writes.
func (p *scenPlant) attack(l *scenLabels, at time.Duration, name, desc string, fn func(), labels ...lb) {
	p.s.at(at, func() {
		from := p.s.t.Now()
		fn()
		l.add(name, desc, from, p.s.t.Now(), labels...)
	})
}

// attacks schedules the injected attacks and their labels. Offsets are
// from the suspect capture's start; the background keeps running.
func (p *scenPlant) attacks(l *scenLabels) {
	s := p.s
	hmi1, hmi2, ews := scHMI1.IP, scHMI2.IP, scEWS.IP
	plc1, plc2, plc3, gw := scPLC1.IP, scPLC2.IP, scPLC3.IP, scGW.IP
	master, rtu1, rtu2 := scMaster.IP, scRTU1.IP, scRTU2.IP
	broker, hist, rogue, rogueM := scBroker.IP, scHist.IP, scRogue.IP, scRogueM.IP
	span := func(name, desc string, from, to time.Duration, labels ...lb) {
		l.add(name, desc, s.start.Add(from), s.start.Add(to), labels...)
	}

	p.attack(l, 20*time.Second, "new-device", "a rogue laptop 192.168.50.200 appears and reads PLC 1's holding registers", func() {
		m := newMB(s.conn(scRogue, scPLC1, 502), 1)
		m.c.Handshake()
		for i := 0; i < 2; i++ {
			h := m.h()
			m.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 10), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(100, 10)))
		}
		m.c.Close(synth.ToServer)
	}, lb{rNewDevice, rogue, plc1})

	p.attack(l, 35*time.Second, "new-port", "HMI 1 opens PLC 1's web server on TCP 80 (it only polled Modbus)", func() {
		c := s.conn(scHMI1, scPLC1, 80)
		c.Handshake()
		body := []byte(`{"status":"run"}`)
		c.Send(synth.ToServer, synth.AppendHTTPRequest(nil, "192.168.50.21", "/status?n=", 1))
		s.t.Advance(3 * ms)
		c.Send(synth.ToClient, append(synth.AppendHTTPResponseHeader(nil, len(body)), body...))
		c.Close(synth.ToClient)
	}, lb{rNewLink, hmi1, plc1})

	p.attack(l, 50*time.Second, "new-link", "the engineering workstation opens SSH to PLC 3, which it never talked to", func() {
		c := s.conn(scEWS, scPLC3, 22)
		c.Handshake()
		c.Send(synth.ToClient, []byte("SSH-2.0-dropbear_2020.81\r\n"))
		s.t.Advance(2 * ms)
		c.Send(synth.ToServer, []byte("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"))
		c.Close(synth.ToServer)
	}, lb{rNewLink, ews, plc3})

	p.attack(l, 65*time.Second, "modbus-write", "HMI 1, which only read, writes PLC 1's holding register 3 (FC 6)", func() {
		h := p.p1.h()
		p.p1.x(h.WriteSingle(nil, synth.FCWriteSingleRegister, 3, 9999), h.WriteSingle(nil, synth.FCWriteSingleRegister, 3, 9999))
	}, lb{rModbusFunc, hmi1, plc1})

	p.attack(l, 80*time.Second, "modbus-address", "HMI 2 reads PLC 3's coils 500-507, outside the learnt 0-23", func() {
		h := p.p3.h()
		p.p3.x(h.ReadRequest(nil, synth.FCReadCoils, 500, 8), h.ReadBitsResponse(nil, synth.FCReadCoils, bits(8)))
	}, lb{rModbusAddr, hmi2, plc3})

	p.attack(l, 95*time.Second, "umas", "the engineering workstation sends UMAS (FC 90) init comm and stop PLC to PLC 1", func() {
		m := newMB(s.conn(scEWS, scPLC1, 502), 1)
		m.c.Handshake()
		h := m.h()
		m.x(h.UMASRequest(nil, 0, synth.UMASInitComm, 0), h.UMASResponse(nil, 0, synth.UMASOK, 0xfe, 0x03))
		h = m.h()
		m.x(h.UMASRequest(nil, 0x2c, synth.UMASStopPLC), h.UMASResponse(nil, 0x2c, synth.UMASOK))
		m.c.Close(synth.ToServer)
	}, lb{rProgramming, ews, plc1}, lb{rModbusFunc, ews, plc1})

	p.attack(l, 110*time.Second, "identity-change", "PLC 1 answers 43/14 with revision v3.20 (was v3.10): new firmware, kept from then on", func() {
		p.plc1Rev = "v3.20"
		p.readIdentity()
	}, lb{rIdentity, plc1, ews})

	p.attack(l, 125*time.Second, "dnp3-cold-restart", "the master sends a cold restart (13) to RTU 1", func() {
		p.rtu1.x(p.rtu1.req(synth.DNP3ColdRestart), synth.AppendDNP3TimeDelayFine(p.rtu1.resp(0), 5000))
		p.rtu1IIN = synth.DNP3IINDeviceRestart
	}, lb{rRestart, master, rtu1}, lb{rDNP3Func, master, rtu1})
	span("dnp3-restarted", "RTU 1 answers the next polls with IIN1.7 device restart (the master never clears it)",
		125*time.Second, 125*time.Second+scDNP3Period, lb{rRestarted, master, rtu1})

	p.attack(l, 140*time.Second, "dnp3-stop-application", "the master sends stop application (18) to RTU 2", func() {
		p.rtu2.x(p.rtu2.req(synth.DNP3StopAppl), p.rtu2.resp(0))
	}, lb{rStopApp, master, rtu2}, lb{rDNP3Func, master, rtu2})

	// A new device's own behaviour is learnt in its own window (issue 6):
	// the rogue master raises policy.new_device, not policy.dnp3_function;
	// RTU 1 still reports IIN1.7 to it.
	p.attack(l, 155*time.Second, "dnp3-rogue-master", "a new master 192.168.50.201 (link address 3) sends direct operate (5) of a CROB to RTU 1, which still reports IIN1.7 restart", func() {
		c := s.conn(scRogueM, scRTU1, 20000)
		c.Handshake()
		d := dnpTCP(c, scRogueAddr, scRTU1Addr)
		crob := synth.DNP3CROB{Index: 2, Code: synth.DNP3OpPulseOn | synth.DNP3TCCTrip, Count: 1, OnMs: 500}
		d.x(synth.AppendDNP3CROB(d.req(synth.DNP3DirectOperate), crob), synth.AppendDNP3CROB(d.resp(p.rtu1IIN), crob))
		c.Close(synth.ToServer)
	}, lb{rNewDevice, rogueM, rtu1}, lb{rRestarted, rogueM, rtu1})

	p.attack(l, 162*time.Second, "dnp3-new-master", "the engineering workstation, a known host that never spoke DNP3, sends direct operate (5) of a CROB to RTU 2 (link address 4)", func() {
		c := s.conn(scEWS, scRTU2, 20000)
		c.Handshake()
		d := dnpTCP(c, scEWSAddr, scRTU2Addr)
		crob := synth.DNP3CROB{Index: 0, Code: synth.DNP3OpLatchOff, Count: 1}
		d.x(synth.AppendDNP3CROB(d.req(synth.DNP3DirectOperate), crob), synth.AppendDNP3CROB(d.resp(p.rtu2IIN), crob))
		c.Close(synth.ToServer)
	}, lb{rNewLink, ews, rtu2}, lb{rDNP3Func, ews, rtu2})

	p.attack(l, 170*time.Second, "dnp3-file-open", "the master sends open file (25) to RTU 2", func() {
		p.rtu2.x(p.rtu2.req(synth.DNP3OpenFile), p.rtu2.resp(0))
	}, lb{rFileOp, master, rtu2}, lb{rDNP3Func, master, rtu2})

	s.at(185*time.Second, func() { p.rtu2IIN = synth.DNP3IINDeviceTrouble })
	span("dnp3-device-trouble", "RTU 2 answers the next integrity poll with IIN1.6 device trouble",
		185*time.Second, 185*time.Second+scDNP3Period, lb{rTrouble, master, rtu2})

	p.attack(l, 200*time.Second, "mqtt-anonymous", "sensor 3 connects a second time with neither user name nor password and publishes", func() {
		c := s.conn(scSens[2], scBroker, 1883)
		c.Handshake()
		m := &mq{c: c, t: s.t, level: synth.MQTT311}
		m.x(synth.MQTTConnect{Level: synth.MQTT311, Clean: true, KeepAlive: 60, ClientID: scSensorID(2)}.Append(nil),
			synth.AppendMQTTConnack(nil, synth.MQTT311, false, 0, nil))
		m.pub1("plant/line3/temp", 1, `{"t":99.9}`)
		m.bye()
	}, lb{rAnonymous, scSens[2].IP, broker})

	p.attack(l, 215*time.Second, "mqtt-wildcard", "sensor 2 connects as a new client id mqtt-explorer-5c1e and subscribes to #", func() {
		c := s.conn(scSens[1], scBroker, 1883)
		c.Handshake()
		m := &mq{c: c, t: s.t, level: synth.MQTT311}
		m.connect("mqtt-explorer-5c1e")
		m.x(synth.AppendMQTTSubscribe(nil, synth.MQTT311, 1, nil, synth.MQTTFilter{Topic: "#"}), synth.AppendMQTTSuback(nil, synth.MQTT311, 1, nil, 0))
		m.bye()
	}, lb{rMQTTWildcard, scSens[1].IP, broker}, lb{rMQTTClientID, scSens[1].IP, broker})

	p.attack(l, 230*time.Second, "mqtt-client-id", "sensor 1 connects with a new client id plant-sensor-1-b and publishes", func() {
		c := s.conn(scSens[0], scBroker, 1883)
		c.Handshake()
		m := &mq{c: c, t: s.t, level: synth.MQTT311}
		m.connect("plant-sensor-1-b")
		m.pub1("plant/line1/temp", 1, `{"t":21.0}`)
		m.bye()
	}, lb{rMQTTClientID, scSens[0].IP, broker})

	p.attack(l, 245*time.Second, "tls-1.0", "the historian negotiates TLS 1.0 (TLS_RSA_WITH_AES_128_CBC_SHA) with HMI 1", func() {
		sh := p.tlsHello12(0x20, synth.TLSRSAWithAES128CBCSHA)
		sh.Version = synth.TLS10
		p.tlsSession(scHMI1, scHMI1Hello(0x20), synth.TLS10, sh, p.certs["historian"])
	}, lb{rWeakVersion, hmi1, hist})

	p.attack(l, 260*time.Second, "tls-self-signed", "the historian's port 443 presents a self-signed certificate to HMI 1", func() {
		p.tlsSession(scHMI1, scHMI1Hello(0x21), synth.TLS12, p.tlsHello12(0x21, synth.TLSECDHEECDSAWithAES128GCM), p.certs["self-signed"])
	}, lb{rSelfSigned, hmi1, hist}, lb{rTLSCert, hmi1, hist})

	p.attack(l, 275*time.Second, "tls-expired", "the historian's port 443 presents a certificate that expired on 2023-01-01 to the engineering workstation (TLS 1.2)", func() {
		p.tlsSession(scEWS, scEWSHello(0x22), synth.TLS12, p.tlsHello12(0x22, synth.TLSECDHEECDSAWithAES128GCM), p.certs["expired"])
	}, lb{rCertValidity, ews, hist}, lb{rTLSCert, ews, hist})

	p.attack(l, 290*time.Second, "tls-weak-cipher", "the historian picks TLS_RSA_WITH_3DES_EDE_CBC_SHA, offered last by HMI 1", func() {
		p.tlsSession(scHMI1, scHMI1Hello(0x23), synth.TLS12, p.tlsHello12(0x23, tlsRSA3DES), p.certs["historian"])
	}, lb{rWeakCipher, hmi1, hist})

	p.attack(l, 305*time.Second, "tls-new-fingerprint", "the engineering workstation connects to the historian with another TLS client (a different ClientHello)", func() {
		p.tlsSession(scEWS, scScriptHello(), synth.TLS12, p.tlsHello12(0x24, synth.TLSECDHEECDSAWithAES128GCM), p.certs["historian"])
	}, lb{rTLSFinger, ews, hist})

	// Port scan: one SYN every 2 s, answered by RST.
	for i, port := range scPortScanPorts {
		s.at(320*time.Second+time.Duration(i)*2*time.Second, func() {
			c := s.conn(scRogue, scPLC2, port)
			syn := c.Prepare(synth.ToServer, synth.SYN, nil)
			syn.Ack = 0
			c.Emit(syn)
			c.Abort(synth.ToClient)
		})
	}
	span("port-scan", "the rogue laptop probes 30 TCP ports of PLC 2 in 1 minute (SYN, RST)",
		320*time.Second, 380*time.Second, lb{rPortScan, rogue, plc2})

	// Address scan: one unanswered SYN to port 502 per second, 60 hosts
	// behind the router.
	for i := range 60 {
		target := synth.Host{MAC: scRouterMAC, IP: ip4(192, 168, 51, byte(10+i))}
		s.at(330*time.Second+time.Duration(i)*time.Second, func() {
			c := s.conn(scRogue, target, 502)
			syn := c.Prepare(synth.ToServer, synth.SYN, nil)
			syn.Ack = 0
			c.Emit(syn)
		})
	}
	span("address-scan", "the rogue laptop sends SYNs to TCP 502 of 60 hosts 192.168.51.10-69 in 1 minute",
		330*time.Second, 390*time.Second, lb{rAddressScan, rogue, nil})
	span("address-scan", "each scanned address is a new device (source: the address, destination: the scanner)",
		330*time.Second, 390*time.Second, lb{rNewDevice, nil, rogue})

	// Unit id scan: units 1-25 of the gateway, one every 4 s; units 4-25
	// do not exist (exception 11, 22 of them over 88 s: below the
	// exception rate).
	var us *mb
	s.at(340*time.Second, func() {
		us = newMB(s.conn(scRogue, scGW, 502), 1)
		us.c.Handshake()
	})
	for u := uint8(1); u <= 25; u++ {
		s.at(340*time.Second+time.Duration(u-1)*4*time.Second+10*ms, func() {
			h := us.hu(u)
			req := h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 4)
			if u <= 3 {
				us.x(req, h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(uint16(u)*1000, 4)))
			} else {
				us.x(req, h.Exception(nil, synth.FCReadHoldingRegisters, synth.ExGatewayTargetDeviceFailedToRespond))
			}
		})
	}
	s.at(340*time.Second+25*4*time.Second, func() { us.c.Close(synth.ToServer) })
	span("unit-id-scan", "the rogue laptop reads unit ids 1-25 behind the Moxa gateway, one every 4 s",
		340*time.Second, 441*time.Second, lb{rUnitScan, rogue, gw})

	// Excessive exceptions: PLC 2 fails for 50 s; HMI 1 retries every
	// 2 s on top of its polls.
	s.at(360*time.Second, func() { p.plc2Fails = true })
	for i := range 25 {
		s.at(360*time.Second+time.Duration(i)*2*time.Second+500*ms, func() { p.plc2Read(uint16(i)) })
	}
	s.at(410*time.Second, func() { p.plc2Fails = false })
	span("modbus-exceptions", "PLC 2 answers HMI 1's reads with exception 4 (server device failure) for 50 s; HMI 1 retries every 2 s",
		360*time.Second, 410*time.Second, lb{rExceptions, hmi1, plc2})

	s.at(420*time.Second, func() { p.plc1Bad = true })
	span("modbus-violation", "PLC 1 answers HMI 1's next read of 10 registers with 9 (byte count 18)",
		420*time.Second, 420*time.Second+scModbusPeriod, lb{rViolation, hmi1, plc1})

	s.at(435*time.Second, func() { p.rtu2BadCRC = true })
	span("dnp3-violation", "RTU 2's next integrity poll answer has a bad data-block CRC",
		435*time.Second, 435*time.Second+scDNP3Period, lb{rViolation, master, rtu2})

	p.dnp3Operations(l)
	p.rtu1Silence(l)
}

// scScriptHello is a scripting client's ClientHello: no GREASE, TLS 1.2
// only, four suites, four extensions.
func scScriptHello() synth.TLSClientHelloMsg {
	sid := synth.TLSRandom(0xe1)
	return synth.TLSClientHelloMsg{
		Version: synth.TLS12, Random: synth.TLSRandom(0xe0), SessionID: sid[:],
		CipherSuites: []uint16{synth.TLSECDHEECDSAWithAES128GCM, synth.TLSECDHERSAWithAES128GCM, synth.TLSECDHERSAWithAES256GCM, synth.TLSRSAWithAES128CBCSHA},
		Extensions: []synth.TLSExtension{
			{Type: synth.TLSExtServerName, Data: synth.TLSSNI("historian.plant.local")},
			{Type: synth.TLSExtSupportedGroups, Data: synth.TLSU16List(synth.TLSGroupSecp256r1, synth.TLSGroupSecp384r1)},
			{Type: synth.TLSExtECPointFormats, Data: synth.TLSPointFormats(synth.TLSPointFormatUncompressed)},
			{Type: synth.TLSExtSignatureAlgorithms, Data: synth.TLSU16List(synth.TLSSigECDSASecp256r1SHA256, synth.TLSSigRSAPKCS1SHA256)},
		},
	}
}

// badCRCIntegrity is an integrity poll whose answer's last data block has
// a bad CRC: the outstation's transport sequence number is not used up,
// since the frame is dropped.
func (s *dnpSess) badCRCIntegrity() {
	s.toOut(synth.AppendDNP3IntegrityPoll(s.req(synth.DNP3Read)))
	s.t.Advance(4 * ms)
	r := s.resp(0)
	r = synth.AppendDNP3BinaryInputs(r, 0, []bool{true, false, true, true, false, false, true, false})
	r = synth.AppendDNP3AnalogInputs32(r, 0, []int32{2301, 2298, 2305, 412, -15, 6000})
	seq := s.o.tseq
	b := s.o.frames(r)
	s.o.tseq = seq
	b[len(b)-1] ^= 0xff
	s.send(synth.ToClient, b)
	s.t.Advance(50 * ms)
}
