package main

import (
	"net"
	"slices"
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// The attack scenario: a plant on 192.168.50.0/24 recorded twice, once
// normal for scenSpan (scenarios/normal.pcap) and once with attacks
// injected at known times (scenarios/suspect.pcap, described by
// scenarios/labels.json). The background of both is the same schedule
// for scenSpan; the suspect capture starts an hour after the normal one
// and goes on sparsely until scenSuspectSpan.

// Hosts of the attack scenario.
var (
	scHMI1   = synth.Host{MAC: synth.MAC(synth.OUIDell, 0x320010), IP: ip4(192, 168, 50, 10), TTL: 128}
	scHMI2   = synth.Host{MAC: synth.MAC(synth.OUIDell, 0x320011), IP: ip4(192, 168, 50, 11), TTL: 128}
	scEWS    = synth.Host{MAC: synth.MAC(synth.OUIHP, 0x320050), IP: ip4(192, 168, 50, 50), TTL: 128}
	scPLC1   = synth.Host{MAC: synth.MAC(synth.OUISchneider, 0x320021), IP: ip4(192, 168, 50, 21)}
	scPLC2   = synth.Host{MAC: synth.MAC(synth.OUISiemens, 0x320022), IP: ip4(192, 168, 50, 22)}
	scPLC3   = synth.Host{MAC: synth.MAC(synth.OUIRockwell, 0x320023), IP: ip4(192, 168, 50, 23)}
	scGW     = synth.Host{MAC: synth.MAC(synth.OUIMoxa, 0x320030), IP: ip4(192, 168, 50, 30)}
	scMaster = synth.Host{MAC: synth.MAC(synth.OUIDell, 0x320060), IP: ip4(192, 168, 50, 60), TTL: 128}
	scRTU1   = synth.Host{MAC: synth.MAC(synth.OUISEL, 0x320071), IP: ip4(192, 168, 50, 71)}
	scRTU2   = synth.Host{MAC: synth.MAC(synth.OUINovaTech, 0x320072), IP: ip4(192, 168, 50, 72)}
	scBroker = synth.Host{MAC: synth.MAC(synth.OUIHP, 0x320080), IP: ip4(192, 168, 50, 80)}
	scSens   = [3]synth.Host{
		{MAC: synth.MAC(synth.OUIPhoenix, 0x320081), IP: ip4(192, 168, 50, 81)},
		{MAC: synth.MAC(synth.OUIPhoenix, 0x320082), IP: ip4(192, 168, 50, 82)},
		{MAC: synth.MAC(synth.OUIPhoenix, 0x320083), IP: ip4(192, 168, 50, 83)},
	}
	scHist = synth.Host{MAC: synth.MAC(synth.OUIDell, 0x320090), IP: ip4(192, 168, 50, 90), TTL: 128}
	// Attackers (suspect capture only): a rogue laptop and a rogue DNP3
	// master.
	scRogue  = synth.Host{MAC: synth.MAC(synth.OUIHP, 0x3200c8), IP: ip4(192, 168, 50, 200), TTL: 64}
	scRogueM = synth.Host{MAC: synth.MAC(synth.OUIDell, 0x3200c9), IP: ip4(192, 168, 50, 201), TTL: 128}
)

// DNP3 link addresses of the scenario.
const (
	scMasterAddr = 1
	scRogueAddr  = 3
	scEWSAddr    = 4
	scRTU1Addr   = 10
	scRTU2Addr   = 11
)

// Schedule of the background (offsets from the capture's start). Both
// captures go on after scenSpan until scenSuspectSpan with a sparse
// background (scen_attack_silence.go): the normal one so that polling
// links are learnt as regular, the suspect one so that the silence
// detections have time to fire.
const (
	scenSpan       = 8 * time.Minute
	scModbusPeriod = 5 * time.Second  // HMI polls
	scDNP3Period   = 10 * time.Second // integrity polls
	scMQTTPeriod   = 10 * time.Second // telemetry
	scTLSPeriod    = time.Minute      // HMI 1 to the historian, TLS 1.2
	scEWSPeriod    = 2 * time.Minute  // engineering visits and TLS 1.3
)

// scenNormalStart and scenSuspectStart are the first packet times.
var (
	scenNormalStart  = time.Date(2024, 3, 4, 6, 0, 0, 0, time.UTC)
	scenSuspectStart = scenNormalStart.Add(time.Hour)
)

// scenSched runs actions in time order on one trace: each action starts
// at its offset from start (or when the previous one ended, if later).
type scenSched struct {
	t     *synth.Trace
	start time.Time
	acts  []scenAct
	port  uint16 // next client port
}

type scenAct struct {
	at time.Duration
	n  int
	fn func()
}

func (s *scenSched) at(d time.Duration, fn func()) {
	s.acts = append(s.acts, scenAct{d, len(s.acts), fn})
}

// every schedules fn(i) at first, first+period, ... before end.
func (s *scenSched) every(first, period, end time.Duration, fn func(i int)) {
	for i, d := 0, first; d < end; i, d = i+1, d+period {
		s.at(d, func() { fn(i) })
	}
}

func (s *scenSched) run() {
	slices.SortStableFunc(s.acts, func(a, b scenAct) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return a.n - b.n
	})
	for _, a := range s.acts {
		if at := s.start.Add(a.at); s.t.Now().Before(at) {
			s.t.SetNow(at)
		}
		a.fn()
	}
}

// conn returns a new connection from client on a fresh port.
func (s *scenSched) conn(client, server synth.Host, sport uint16) *synth.Conn {
	s.port++
	p := s.port
	return s.t.NewConn(synth.L2{}, client, p, server, sport, uint32(p)<<16|0x0101, uint32(sport)<<16|uint32(p))
}

// scenPlant is the plant's state shared by the background and the
// attacks: the long-lived connections and what the devices answer.
type scenPlant struct {
	s *scenSched
	// Modbus polling connections.
	p1, p2, p3, gw *mb
	// DNP3 associations of the master, and their connections.
	rtu1, rtu2 *dnpSess
	c1, c2     *synth.Conn
	// MQTT sessions of the sensors and of the historian's subscriber.
	sens [3]*mq
	hist *mq
	// What the plant answers; attacks change it.
	plc1Rev    string            // PLC 1's identity revision
	plc2Fails  bool              // PLC 2 answers reads with exception 4
	rtu1IIN    uint16            // IIN of RTU 1's responses
	rtu2IIN    uint16            // IIN of RTU 2's next response
	plc1Bad    bool              // PLC 1's next answer contradicts the request
	rtu2BadCRC bool              // RTU 2's next answer has a bad CRC
	rtu1Down   bool              // the master no longer polls RTU 1
	rtu1Last   time.Time         // end of the master's last poll of RTU 1
	mqttMsg    [3]uint16         // packet ids of the sensors
	certs      map[string][]byte // by name
}

// attackScenario writes the scenario into t: the background and, when
// suspect, the attacks; it returns the attacks' labels.
func attackScenario(t *synth.Trace, suspect bool) []attackLabel {
	start := scenNormalStart
	if suspect {
		start = scenSuspectStart
	}
	t.SetNow(start)
	s := &scenSched{t: t, start: start, port: 49152}
	p := &scenPlant{s: s, plc1Rev: "v3.10"}
	if err := p.makeCerts(); err != nil {
		t.Fail(err)
		return nil
	}
	p.background()
	var labels *scenLabels
	if suspect {
		labels = &scenLabels{start: start}
		p.attacks(labels)
	}
	s.run()
	if labels == nil {
		return nil
	}
	return labels.list
}

// background schedules the plant's normal traffic: for scenSpan, then
// sparsely until scenSuspectSpan (long enough, in the normal capture, for
// the polling links to be learnt as regular from their flow reports).
func (p *scenPlant) background() {
	s := p.s
	end := scenSpan - 2*time.Second
	s.at(0, p.open)
	s.every(time.Second, scModbusPeriod, end, func(i int) { p.modbusRound(uint16(i)) })
	s.every(2*time.Second, scDNP3Period, end, func(int) { p.dnp3Round() })
	s.every(3*time.Second, scMQTTPeriod, end, func(i int) { p.mqttRound(i) })
	s.every(4*time.Second, scTLSPeriod, end, func(i int) {
		p.tlsSession(scHMI1, scHMI1Hello(byte(i)), synth.TLS12, p.tlsHello12(byte(i), synth.TLSECDHEECDSAWithAES128GCM), p.certs["historian"])
	})
	s.every(30*time.Second, scEWSPeriod, end, func(i int) { p.tls13Session(scEWS, byte(i)) })
	s.every(time.Minute, scEWSPeriod, end, func(i int) { p.engineering(uint16(i)) })
	end = scenSuspectSpan - 2*time.Second
	p.sparseBackground(scenSpan, end)
	s.at(end, p.close)
}

// open starts the long-lived sessions: Modbus polling, DNP3, MQTT.
func (p *scenPlant) open() {
	s, t := p.s, p.s.t
	p.p1 = newMB(s.conn(scHMI1, scPLC1, 502), 1)
	p.p2 = newMB(s.conn(scHMI1, scPLC2, 502), 1)
	p.p3 = newMB(s.conn(scHMI2, scPLC3, 502), 1)
	p.gw = newMB(s.conn(scHMI2, scGW, 502), 1)
	for _, m := range []*mb{p.p1, p.p2, p.p3, p.gw} {
		m.c.Handshake()
		t.Advance(2 * ms)
	}
	p.c1, p.c2 = s.conn(scMaster, scRTU1, 20000), s.conn(scMaster, scRTU2, 20000)
	p.c1.Handshake()
	p.c2.Handshake()
	p.rtu1 = dnpTCP(p.c1, scMasterAddr, scRTU1Addr)
	p.rtu2 = dnpTCP(p.c2, scMasterAddr, scRTU2Addr)
	for i, h := range scSens {
		c := s.conn(h, scBroker, 1883)
		c.Handshake()
		p.sens[i] = &mq{c: c, t: t, level: synth.MQTT311}
		p.sens[i].connect(scSensorID(i))
	}
	c := s.conn(scHist, scBroker, 1883)
	c.Handshake()
	p.hist = &mq{c: c, t: t, level: synth.MQTT311}
	p.hist.connect("historian-ingest")
	p.hist.x(synth.AppendMQTTSubscribe(nil, synth.MQTT311, 1, nil, synth.MQTTFilter{Topic: "plant/#", QoS: 0}),
		synth.AppendMQTTSuback(nil, synth.MQTT311, 1, nil, 0))
}

// close ends the long-lived sessions.
func (p *scenPlant) close() {
	for _, m := range []*mb{p.p1, p.p2, p.p3, p.gw} {
		m.c.Close(synth.ToServer)
	}
	if !p.rtu1Down {
		p.c1.Close(synth.ToServer)
	}
	p.c2.Close(synth.ToServer)
	for _, m := range append(p.sens[:], p.hist) {
		m.bye()
	}
}

func scSensorID(i int) string { return "plant-sensor-" + string(rune('1'+i)) }

// modbusRound is one polling round of the HMIs: 14 packets (16 when PLC
// 2 fails: the HMI retries once at once, see attacks).
func (p *scenPlant) modbusRound(r uint16) {
	h := p.p1.h()
	resp := h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(100+r, 10))
	if p.plc1Bad { // 9 registers for a request of 10
		resp = h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(100+r, 9))
		p.plc1Bad = false
	}
	p.p1.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 10), resp)
	p.plc2Read(r)
	h = p.p3.h()
	p.p3.x(h.ReadRequest(nil, synth.FCReadCoils, 0, 24), h.ReadBitsResponse(nil, synth.FCReadCoils, bits(24)))
	h = p.p3.h()
	p.p3.x(h.ReadRequest(nil, synth.FCReadDiscreteInputs, 0, 16), h.ReadBitsResponse(nil, synth.FCReadDiscreteInputs, bits(16)))
	for unit := uint8(1); unit <= 3; unit++ {
		h = p.gw.hu(unit)
		p.gw.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 4), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(uint16(unit)*1000+r, 4)))
	}
}

// plc2Read is HMI 1's read of PLC 2's input registers: 2 packets.
func (p *scenPlant) plc2Read(r uint16) {
	h := p.p2.h()
	req := h.ReadRequest(nil, synth.FCReadInputRegisters, 0, 8)
	if p.plc2Fails {
		p.p2.x(req, h.Exception(nil, synth.FCReadInputRegisters, synth.ExServerDeviceFailure))
		return
	}
	p.p2.x(req, h.ReadRegistersResponse(nil, synth.FCReadInputRegisters, regs(200+r, 8)))
}

// dnp3Round is the master's integrity poll of both RTUs: 4 packets (2
// once the master stops polling RTU 1; the frame whose CRC is bad is
// still sent).
func (p *scenPlant) dnp3Round() {
	if !p.rtu1Down {
		p.rtu1.integrity(p.rtu1IIN)
		p.rtu1Last = p.s.t.Now()
	}
	if p.rtu2BadCRC {
		p.rtu2BadCRC = false
		p.rtu2.badCRCIntegrity()
		return
	}
	p.rtu2.integrity(p.rtu2IIN)
	p.rtu2IIN = 0
}

// mqttRound is one telemetry round: each sensor publishes with QoS 1 (2
// packets) and the broker forwards it to the historian (1): 9 packets.
func (p *scenPlant) mqttRound(i int) {
	for k, m := range p.sens {
		p.mqttMsg[k]++
		topic := "plant/line" + string(rune('1'+k)) + "/temp"
		payload := "{\"t\":" + string(rune('0'+i%10)) + "2.5}"
		m.pub1(topic, p.mqttMsg[k], payload)
		p.hist.down(synth.MQTTPublish{Level: synth.MQTT311, Topic: topic, Payload: []byte(payload)}.Append(nil))
	}
}

// engineering is the engineering workstation's visit: writes to PLC 2
// (10 packets) and reads PLC 1's identity (8 packets).
func (p *scenPlant) engineering(i uint16) {
	w := newMB(p.s.conn(scEWS, scPLC2, 502), 1)
	w.c.Handshake()
	h := w.h()
	w.x(h.WriteSingle(nil, synth.FCWriteSingleRegister, 12, 750+i), h.WriteSingle(nil, synth.FCWriteSingleRegister, 12, 750+i))
	h = w.h()
	w.x(h.WriteMultipleRegisters(nil, 20, []uint16{1, 0, 300}), h.WriteMultipleResponse(nil, synth.FCWriteMultipleRegisters, 20, 3))
	w.c.Close(synth.ToServer)
	p.readIdentity()
}

// readIdentity is the engineering workstation reading PLC 1's identity
// with 43/14: 8 packets.
func (p *scenPlant) readIdentity() {
	id := newMB(p.s.conn(scEWS, scPLC1, 502), 1)
	id.c.Handshake()
	h := id.h()
	id.x(h.ReadDeviceID(nil, synth.DeviceIDBasic, 0), h.ReadDeviceIDResponse(nil, synth.DeviceIDResponse{
		Code: synth.DeviceIDBasic, Conformity: 0x81, Objects: []synth.DeviceObject{
			{ID: synth.ObjVendorName, Value: "Schneider Electric"},
			{ID: synth.ObjProductCode, Value: "BMX P34 2020"},
			{ID: synth.ObjMajorMinorRevision, Value: p.plc1Rev},
		}}))
	id.c.Close(synth.ToServer)
}

// makeCerts makes the historian's certificates: the valid one
// (CA-signed, 2024-2034), a self-signed and an expired one.
func (p *scenPlant) makeCerts() error {
	ip := []net.IP{net.IP(scHist.IP)}
	mk := func(name string, c synth.TLSCert) error {
		der, err := synth.TLSCertDER(c)
		p.certs[name] = der
		return err
	}
	p.certs = map[string][]byte{}
	valid := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := mk("historian", synth.TLSCert{CommonName: "historian.plant.local", Organization: tlsOrg, DNSNames: []string{"historian.plant.local"},
		IPs: ip, Serial: 0x5001, IssuerCN: tlsCA, NotBefore: valid, NotAfter: valid.AddDate(10, 0, 0), Seed: 0x50}); err != nil {
		return err
	}
	if err := mk("self-signed", synth.TLSCert{CommonName: "historian.plant.local", DNSNames: []string{"historian.plant.local"},
		IPs: ip, Serial: 0x5002, NotBefore: valid, NotAfter: valid.AddDate(10, 0, 0), Seed: 0x51}); err != nil {
		return err
	}
	return mk("expired", synth.TLSCert{CommonName: "historian.plant.local", Organization: tlsOrg, DNSNames: []string{"historian.plant.local"},
		IPs: ip, Serial: 0x5003, IssuerCN: tlsCA, NotBefore: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), Seed: 0x52})
}

// scHMI1Hello is HMI 1's ClientHello: the browser-like one of the TLS
// captures, which also offers TLS_RSA_WITH_3DES_EDE_CBC_SHA last and
// TLS 1.1 and 1.0 in supported_versions (a legacy-compatible client).
func scHMI1Hello(seed byte) synth.TLSClientHelloMsg {
	ch := tlsStdHello(0x40, synth.TLSSNI("historian.plant.local"))
	r := synth.TLSRandom(0x60 + seed)
	ch.Random = r
	ch.CipherSuites = append(ch.CipherSuites, tlsRSA3DES)
	for i, e := range ch.Extensions {
		if e.Type == synth.TLSExtSupportedVersions {
			ch.Extensions[i].Data = synth.TLSClientVersions(synth.TLSGrease(6), synth.TLS13, synth.TLS12, synth.TLS11, synth.TLS10)
		}
	}
	return ch
}

// tlsRSA3DES is TLS_RSA_WITH_3DES_EDE_CBC_SHA (RFC 5246 appendix A.5).
const tlsRSA3DES uint16 = 0x000a

// tlsHello12 returns the historian's ServerHello choosing suite in TLS
// 1.2 (or the version set on the result).
func (p *scenPlant) tlsHello12(seed byte, suite uint16) synth.TLSServerHelloMsg {
	sh := tlsStdServerHello(0x70 + seed)
	sh.CipherSuite = suite
	return sh
}

// tlsSession is a complete TLS session to the historian's port 443 at
// record version v with a certificate in clear: 3 + 1 + 9 = 13 packets.
func (p *scenPlant) tlsSession(client synth.Host, ch synth.TLSClientHelloMsg, v uint16, sh synth.TLSServerHelloMsg, cert []byte) {
	c := p.s.conn(client, scHist, 443)
	c.Handshake()
	rsa := sh.CipherSuite == tlsRSA3DES || sh.CipherSuite == synth.TLSRSAWithAES128CBCSHA
	ts := &tlsSess{c: c, t: p.s.t, v: v, seed: sh.Random[0], rsa: rsa}
	ts.hello(ch, synth.TLS10)
	ts.rest(sh, cert)
}

// scEWSHello is the engineering workstation's ClientHello (TLS 1.2 and
// 1.3 offered).
func scEWSHello(seed byte) synth.TLSClientHelloMsg {
	ch := tlsStdHello(0x90, synth.TLSSNI("historian.plant.local"))
	ch.Random = synth.TLSRandom(0xa0 + seed)
	return ch
}

// tls13Session is the engineering workstation's TLS 1.3 session to the
// historian: handshake, ClientHello, the server's ServerHello (with
// supported_versions 1.3), ChangeCipherSpec and encrypted flight in one
// segment, the client's ChangeCipherSpec and Finished, one request and
// answer, close_notify and close: 3 + 1 + 1 + 1 + 2 + 4 = 12 packets.
func (p *scenPlant) tls13Session(client synth.Host, seed byte) {
	c := p.s.conn(client, scHist, 443)
	c.Handshake()
	ts := &tlsSess{c: c, t: p.s.t, v: synth.TLS12, seed: 0xb0 + seed}
	ts.hello(scEWSHello(seed), synth.TLS10)
	sid := synth.TLSRandom(0x90 + 100)
	sh := synth.TLSServerHelloMsg{Version: synth.TLS12, Random: synth.TLSRandom(0xc0 + seed), SessionID: sid[:], CipherSuite: synth.TLSAES128GCMSHA256,
		Extensions: []synth.TLSExtension{
			{Type: synth.TLSExtKeyShare, Data: append([]byte{0, byte(synth.TLSGroupX25519), 0, 32}, synth.TLSFiller(seed+1, 32)...)},
			{Type: synth.TLSExtSupportedVersions, Data: []byte{0x03, 0x04}},
		}}
	b := synth.AppendTLSRecord(nil, synth.TLSHandshake, synth.TLS12, sh.Append(nil))
	b = synth.AppendTLSChangeCipherSpec(b, synth.TLS12)
	b = synth.AppendTLSRecord(b, synth.TLSApplicationData, synth.TLS12, synth.TLSFiller(seed+2, 900))
	ts.down(b)
	b = synth.AppendTLSChangeCipherSpec(nil, synth.TLS12)
	ts.up(synth.AppendTLSRecord(b, synth.TLSApplicationData, synth.TLS12, synth.TLSFiller(seed+3, 53)))
	ts.app(90, 700)
	ts.bye()
}
