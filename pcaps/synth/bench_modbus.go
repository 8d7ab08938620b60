package synth

import "time"

// Share of Modbus sessions already established when the capture starts.
const benchMidstreamShare = 1.0 / 3

const (
	benchSessions  = 300
	pRetransmit    = 0.01
	pOutOfOrder    = 0.0003
	pWrite         = 0.006
	pBusy          = 0.0005
	pCloseSession  = 0.0003
	benchModbusRTO = 210 * time.Millisecond
)

// poll is one request a SCADA client repeats.
type poll struct {
	unit, fc  uint8
	addr, qty uint16
	exc       uint8 // exception the server always answers with (0: none)
}

// Modbus session states; each step writes one packet.
const (
	mbSYN = iota
	mbSYNACK
	mbHSACK
	mbRequest
	mbRequestRetrans
	mbResponse
	mbResponseLate // the first part of an out-of-order response
	mbResponseRetrans
	mbAck
	mbClientFIN
	mbServerFIN
	mbLastACK
	mbRST
)

// mbSession is a SCADA client polling one PLC or gateway.
type mbSession struct {
	c       Conn
	srv     *plc
	polls   []poll
	next    int
	period  time.Duration
	reqAt   int64
	state   uint8
	tid     uint16
	op      poll // the request in flight
	wvals   []uint16
	req     []byte
	resp    []byte
	reqSeg  Seg
	respSeg Seg
	late    Seg
	regs    []uint16
	bits    []bool
}

func (m *mix) addModbus() {
	t := m.topo
	periods := [...]time.Duration{100, 250, 250, 500, 500, 500, 1000, 1000, 1000, 2000}
	ports := map[uint64]bool{}
	for i := 0; i < benchSessions; i++ {
		srv := &t.plcs[i%len(t.plcs)]
		cli := t.hmis[m.rng.IntN(len(t.hmis))]
		s := &mbSession{
			srv:    srv,
			period: periods[m.rng.IntN(len(periods))] * time.Millisecond,
			tid:    uint16(m.rng.IntN(0x10000)),
			req:    make([]byte, 0, 300),
			resp:   make([]byte, 0, 300),
			wvals:  make([]uint16, 0, 8),
			regs:   make([]uint16, 125),
			bits:   make([]bool, 256),
		}
		for j := range s.regs {
			s.regs[j] = uint16(m.rng.IntN(4000))
		}
		for j := range s.bits {
			s.bits[j] = m.rng.IntN(3) == 0
		}
		s.polls = m.makePolls(srv)
		cport := m.ephemeral(ports, cli)
		s.c = Conn{t: m.t, L2: srv.l2, Client: cli, Server: srv.Host, CPort: cport, SPort: 502,
			Window: DefaultWindow, next: [2]uint32{m.rng.Uint32(), m.rng.Uint32()}}
		var at time.Duration
		if m.rng.Float64() < benchMidstreamShare {
			s.state = mbRequest
			at = m.dur(0, s.period)
		} else {
			s.state = mbSYN
			at = m.dur(0, 90*time.Second)
		}
		m.push(int64(at), s)
	}
}

// ephemeral picks a client port not used yet by cli.
func (m *mix) ephemeral(used map[uint64]bool, cli Host) uint16 {
	ip := cli.IP.To4()
	var k uint64
	if ip != nil {
		k = uint64(ip[0])<<40 | uint64(ip[1])<<32 | uint64(ip[2])<<24 | uint64(ip[3])<<16
	}
	for {
		p := uint16(49152 + m.rng.IntN(16000))
		if !used[k|uint64(p)] {
			used[k|uint64(p)] = true
			return p
		}
	}
}

func (m *mix) makePolls(srv *plc) []poll {
	var ps []poll
	n := 1 + m.rng.IntN(4)
	for i := 0; i < n || (srv.gateway && i < len(srv.units)); i++ {
		p := poll{unit: srv.units[i%len(srv.units)]}
		switch r := m.rng.IntN(20); {
		case r < 10:
			p.fc, p.addr, p.qty = FCReadHoldingRegisters, uint16(m.rng.IntN(400)), uint16(1+m.rng.IntN(60))
		case r < 15:
			p.fc, p.addr, p.qty = FCReadInputRegisters, uint16(m.rng.IntN(400)), uint16(1+m.rng.IntN(40))
		case r < 18:
			p.fc, p.addr, p.qty = FCReadCoils, uint16(m.rng.IntN(200)), uint16(8+m.rng.IntN(120))
		default:
			p.fc, p.addr, p.qty = FCReadDiscreteInputs, uint16(m.rng.IntN(200)), uint16(8+m.rng.IntN(120))
		}
		if p.unit == srv.offline && srv.offline != 0 {
			p.exc = ExGatewayTargetDeviceFailedToRespond
		} else if m.chance(0.03) {
			p.exc = ExIllegalDataAddress // a misconfigured tag
		}
		ps = append(ps, p)
	}
	return ps
}

func (s *mbSession) step(m *mix) (time.Duration, bool) {
	c := &s.c
	switch s.state {
	case mbSYN:
		syn := c.Prepare(ToServer, SYN, nil)
		syn.Ack = 0
		c.Emit(syn)
		s.state = mbSYNACK
		return m.dur(150*time.Microsecond, 900*time.Microsecond), false
	case mbSYNACK:
		c.Emit(c.Prepare(ToClient, SYN|ACK, nil))
		s.state = mbHSACK
		return m.dur(30*time.Microsecond, 200*time.Microsecond), false
	case mbHSACK:
		c.Ack(ToServer)
		s.state = mbRequest
		return m.dur(time.Millisecond, 20*time.Millisecond), false
	case mbRequest:
		s.request(m)
		s.reqAt = m.at
		if m.chance(pRetransmit) {
			s.state = mbRequestRetrans
			return benchModbusRTO + m.dur(0, 10*time.Millisecond), false
		}
		s.state = mbResponse
		return s.serverDelay(m), false
	case mbRequestRetrans:
		c.Emit(s.reqSeg)
		s.state = mbResponse
		return s.serverDelay(m), false
	case mbResponse:
		s.response(m)
		if len(s.resp) >= 10 && m.chance(pOutOfOrder) {
			cut := len(s.resp) / 2
			s.late = c.Prepare(ToClient, ACK, s.resp[:cut])
			c.Emit(c.Prepare(ToClient, PSH|ACK, s.resp[cut:]))
			s.state = mbResponseLate
			return m.dur(20*time.Microsecond, 400*time.Microsecond), false
		}
		s.respSeg = c.Send(ToClient, s.resp)
		if m.chance(pRetransmit) {
			s.state = mbResponseRetrans
			return benchModbusRTO + m.dur(0, 10*time.Millisecond), false
		}
		s.state = mbAck
		return m.dur(38*time.Millisecond, 42*time.Millisecond), false
	case mbResponseLate:
		c.Emit(s.late)
		s.state = mbAck
		return m.dur(38*time.Millisecond, 42*time.Millisecond), false
	case mbResponseRetrans:
		c.Emit(s.respSeg)
		s.state = mbAck
		return m.dur(100*time.Microsecond, time.Millisecond), false
	case mbAck:
		c.Ack(ToServer)
		if m.chance(pCloseSession) {
			s.state = mbClientFIN
			if m.chance(0.25) {
				s.state = mbRST
			}
			return m.dur(time.Millisecond, s.period), false
		}
		s.state = mbRequest
		next := time.Duration(s.reqAt-m.at) + s.period + m.dur(0, s.period/50+time.Microsecond)
		return max(next, time.Millisecond), false
	case mbClientFIN:
		c.Emit(c.Prepare(ToServer, FIN|ACK, nil))
		s.state = mbServerFIN
		return m.dur(100*time.Microsecond, 600*time.Microsecond), false
	case mbServerFIN:
		c.Emit(c.Prepare(ToClient, FIN|ACK, nil))
		s.state = mbLastACK
		return m.dur(30*time.Microsecond, 200*time.Microsecond), false
	case mbLastACK:
		c.Ack(ToServer)
		return s.reopen(m), false
	case mbRST:
		c.Abort(ToClient) // the PLC drops the connection
		return s.reopen(m), false
	}
	return 0, true
}

// reopen starts a new connection from a new client port after a pause.
func (s *mbSession) reopen(m *mix) time.Duration {
	port := s.c.CPort + 1 + uint16(m.rng.IntN(50))
	if port < 49152 {
		port = 49152 + port%1000
	}
	s.c.Reset(port, 502, m.rng.Uint32(), m.rng.Uint32())
	s.state = mbSYN
	return m.dur(time.Second, 5*time.Second)
}

func (s *mbSession) serverDelay(m *mix) time.Duration {
	switch {
	case s.op.exc == ExGatewayTargetDeviceFailedToRespond:
		return m.dur(500*time.Millisecond, 520*time.Millisecond)
	case s.srv.gateway:
		return m.dur(15*time.Millisecond, 60*time.Millisecond)
	}
	return m.dur(500*time.Microsecond, 6*time.Millisecond)
}

func (s *mbSession) request(m *mix) {
	s.tid++
	s.op = s.polls[s.next]
	s.next = (s.next + 1) % len(s.polls)
	h := MBAP{TID: s.tid, Unit: s.op.unit}
	if s.op.exc == 0 && m.chance(pWrite) {
		s.write(m, h)
	} else {
		s.req = h.ReadRequest(s.req[:0], s.op.fc, s.op.addr, s.op.qty)
		if s.op.exc == 0 && m.chance(pBusy) {
			s.op.exc = ExServerDeviceBusy
		}
	}
	s.reqSeg = s.c.Send(ToServer, s.req)
}

func (s *mbSession) write(m *mix, h MBAP) {
	s.op.addr = uint16(100 + m.rng.IntN(100))
	switch r := m.rng.IntN(20); {
	case r < 10:
		s.op.fc, s.op.qty = FCWriteSingleRegister, uint16(m.rng.IntN(1000))
		s.req = h.WriteSingle(s.req[:0], s.op.fc, s.op.addr, s.op.qty)
	case r < 17:
		s.op.fc = FCWriteMultipleRegisters
		s.wvals = s.wvals[:0]
		for n := 2 + m.rng.IntN(6); n > 0; n-- {
			s.wvals = append(s.wvals, uint16(m.rng.IntN(3000)))
		}
		s.op.qty = uint16(len(s.wvals))
		s.req = h.WriteMultipleRegisters(s.req[:0], s.op.addr, s.wvals)
	default:
		s.op.fc, s.op.qty = FCWriteSingleCoil, CoilOn
		if m.rng.IntN(2) == 0 {
			s.op.qty = CoilOff
		}
		s.req = h.WriteSingle(s.req[:0], s.op.fc, s.op.addr, s.op.qty)
	}
}

func (s *mbSession) response(m *mix) {
	h := MBAP{TID: s.tid, Unit: s.op.unit}
	if s.op.exc != 0 {
		s.resp = h.Exception(s.resp[:0], s.op.fc, s.op.exc)
		return
	}
	switch s.op.fc {
	case FCReadHoldingRegisters, FCReadInputRegisters:
		q := int(s.op.qty)
		for k := 0; k < 2; k++ {
			j := m.rng.IntN(q)
			s.regs[j] += uint16(m.rng.IntN(7)) - 3
		}
		s.resp = h.ReadRegistersResponse(s.resp[:0], s.op.fc, s.regs[:q])
	case FCReadCoils, FCReadDiscreteInputs:
		q := int(s.op.qty)
		if m.chance(0.05) {
			j := m.rng.IntN(q)
			s.bits[j] = !s.bits[j]
		}
		s.resp = h.ReadBitsResponse(s.resp[:0], s.op.fc, s.bits[:q])
	case FCWriteMultipleRegisters:
		s.resp = h.WriteMultipleResponse(s.resp[:0], s.op.fc, s.op.addr, s.op.qty)
	default: // FC 5 and 6 echo the request
		s.resp = h.WriteSingle(s.resp[:0], s.op.fc, s.op.addr, s.op.qty)
	}
}
