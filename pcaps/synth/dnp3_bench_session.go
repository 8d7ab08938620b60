package synth

import "time"

// dnp3Kind is what one scripted packet of a dnp3Session is.
type dnp3Kind uint8

const (
	dkData    dnp3Kind = iota // payload buf[off:end]
	dkAck                     // bare ACK
	dkRetrans                 // the last data segment again
	dkSYN
	dkSYNACK
	dkFIN
)

// dnp3Step is one packet of a session's script and the delay after it.
type dnp3Step struct {
	kind     dnp3Kind
	dir      Dir
	off, end int
	after    time.Duration
}

// dnp3Session is one master polling one station (a gateway: several
// link addresses in turn) over TCP or UDP. Each cycle is planned as a
// short script of packets, written one per step.
type dnp3Session struct {
	c       Conn
	udp     bool
	opening bool // the next cycle starts with a handshake
	master  uint16
	addrs   []uint16
	mt, ot  [4]uint8 // transport sequence per address, each direction
	aseq    uint8    // application sequence of requests
	useq    uint8    // application sequence of unsolicited responses
	polls   int
	period  time.Duration
	elapsed time.Duration // length of the current script

	buf   []byte // payloads of the current script
	frag  []byte // the application fragment being built
	steps []dnp3Step
	pos   int
	last  Seg

	nBin, nAna, nCnt int
	analogs          []int32
	states           []bool
	ctrs             []uint32
	events           []DNP3AnalogEvent
	bevents          []DNP3BinaryEvent
}

func (s *dnp3Session) step(m *mix) (time.Duration, bool) {
	if len(s.steps) == 0 {
		s.plan(m)
	}
	st := s.steps[s.pos]
	s.emit(m, st)
	s.pos++
	if s.pos < len(s.steps) {
		return st.after, false
	}
	gap := s.period + m.dur(0, s.period/50+time.Microsecond) - s.elapsed
	if s.opening { // the script closed the connection
		gap = m.dur(time.Second, 5*time.Second)
	}
	s.plan(m)
	return max(gap, time.Millisecond), false
}

func (s *dnp3Session) emit(m *mix, st dnp3Step) {
	c := &s.c
	switch st.kind {
	case dkData:
		p := s.buf[st.off:st.end]
		switch {
		case !s.udp:
			s.last = c.Send(st.dir, p)
		case st.dir == ToServer:
			m.t.UDP(&c.L2, c.Client, c.Server, c.CPort, c.SPort, p)
		default:
			m.t.UDP(&c.L2, c.Server, c.Client, c.SPort, c.CPort, p)
		}
	case dkAck:
		c.Ack(st.dir)
	case dkRetrans:
		c.Emit(s.last)
	case dkSYN:
		syn := c.Prepare(ToServer, SYN, nil)
		syn.Ack = 0
		c.Emit(syn)
	case dkSYNACK:
		c.Emit(c.Prepare(ToClient, SYN|ACK, nil))
	case dkFIN:
		c.Emit(c.Prepare(st.dir, FIN|ACK, nil))
	}
}

func (s *dnp3Session) add(kind dnp3Kind, dir Dir, after time.Duration) {
	s.steps = append(s.steps, dnp3Step{kind: kind, dir: dir, after: after})
	s.elapsed += after
}

// send frames s.frag from dir for address index ai and scripts it.
func (s *dnp3Session) send(dir Dir, ai int, after time.Duration) {
	off := len(s.buf)
	if dir == ToServer {
		s.buf, s.mt[ai] = DNP3UserData(true, s.addrs[ai], s.master).AppendFragment(s.buf, s.frag, s.mt[ai])
	} else {
		s.buf, s.ot[ai] = DNP3UserData(false, s.master, s.addrs[ai]).AppendFragment(s.buf, s.frag, s.ot[ai])
	}
	s.steps = append(s.steps, dnp3Step{kind: dkData, dir: dir, off: off, end: len(s.buf), after: after})
	s.elapsed += after
}

// ack scripts the TCP acknowledgement of the last data from the other
// side (nothing on UDP).
func (s *dnp3Session) ack(m *mix, dir Dir) {
	if !s.udp {
		s.add(dkAck, dir, m.dur(100*time.Microsecond, 400*time.Microsecond))
	}
}

func (s *dnp3Session) nextSeq() uint8 {
	s.aseq = (s.aseq + 1) & 0x0F
	return s.aseq
}

// plan scripts the next cycle.
func (s *dnp3Session) plan(m *mix) {
	s.steps, s.buf, s.pos, s.elapsed = s.steps[:0], s.buf[:0], 0, 0
	if s.opening {
		s.opening = false
		s.add(dkSYN, ToServer, m.dur(150*time.Microsecond, 900*time.Microsecond))
		s.add(dkSYNACK, ToClient, m.dur(30*time.Microsecond, 200*time.Microsecond))
		s.add(dkAck, ToServer, m.dur(2*time.Millisecond, 20*time.Millisecond))
		s.polls = 0 // integrity poll first
	}
	ai := s.polls % len(s.addrs)
	switch r := m.rng.Float64(); {
	case !s.udp && s.polls > 0 && r < pDNP3Close:
		s.add(dkFIN, ToServer, m.dur(100*time.Microsecond, 600*time.Microsecond))
		s.add(dkFIN, ToClient, m.dur(30*time.Microsecond, 200*time.Microsecond))
		s.add(dkAck, ToServer, 0)
		port := s.c.CPort + 1 + uint16(m.rng.IntN(50))
		if port < 49152 {
			port = 49152 + port%1000
		}
		s.c.Reset(port, s.c.SPort, m.rng.Uint32(), m.rng.Uint32())
		s.opening = true
		return
	case r < pDNP3Close+pDNP3Unsolicited:
		s.unsolicited(m, ai)
		return
	case r < pDNP3Close+pDNP3Unsolicited+pDNP3Operate:
		s.operate(m, ai)
	case r < pDNP3Close+pDNP3Unsolicited+pDNP3Operate+pDNP3LinkStatus:
		s.linkStatus(m, ai)
	default:
		s.poll(m, ai)
	}
	s.polls++
}

func (s *dnp3Session) serverDelay(m *mix) time.Duration {
	if len(s.addrs) > 1 {
		return m.dur(20*time.Millisecond, 120*time.Millisecond) // a gateway asks its serial RTU
	}
	return m.dur(2*time.Millisecond, 25*time.Millisecond)
}

// poll scripts an event or integrity poll and its response.
func (s *dnp3Session) poll(m *mix, ai int) {
	seq := s.nextSeq()
	s.frag = AppendDNP3Request(s.frag[:0], DNP3Single(seq), DNP3Read)
	integrity := s.polls%benchDNP3Integrity == 0
	if integrity {
		s.frag = AppendDNP3IntegrityPoll(s.frag)
	} else {
		s.frag = AppendDNP3ClassPoll(s.frag, 1, 2, 3)
	}
	s.send(ToServer, ai, s.serverDelay(m))
	s.changes(m)
	var iin uint16
	if m.chance(0.01) {
		iin |= DNP3IINNeedTime
	}
	events := len(s.events) + len(s.bevents)
	ac := DNP3Single(seq)
	ac.CON = events > 0
	s.frag = AppendDNP3Response(s.frag[:0], ac, DNP3Response, iin)
	if len(s.bevents) > 0 {
		s.frag = AppendDNP3BinaryEvents(s.frag, s.bevents)
	}
	if len(s.events) > 0 {
		s.frag = AppendDNP3AnalogEvents(s.frag, s.events)
	}
	if integrity {
		s.frag = AppendDNP3BinaryInputs(s.frag, 0, s.states[:s.nBin])
		s.frag = AppendDNP3AnalogInputs32(s.frag, 0, s.analogs[:s.nAna])
		if s.nCnt > 0 {
			s.frag = AppendDNP3Counters32(s.frag, 0, s.ctrs[:s.nCnt])
		}
	}
	s.respond(m, ai, seq, ac.CON, false)
}

// respond scripts the response in s.frag, maybe its retransmission, and
// the master's confirm (con) or acknowledgement.
func (s *dnp3Session) respond(m *mix, ai int, seq uint8, con, uns bool) {
	retrans := !s.udp && m.chance(pDNP3Retransmit)
	if retrans {
		s.send(ToClient, ai, benchDNP3RTO+m.dur(0, 10*time.Millisecond))
		s.add(dkRetrans, ToClient, m.dur(200*time.Microsecond, 2*time.Millisecond))
	} else {
		s.send(ToClient, ai, m.dur(200*time.Microsecond, 2*time.Millisecond))
	}
	if !con {
		s.ack(m, ToServer)
		return
	}
	s.frag = AppendDNP3Confirm(s.frag[:0], seq, uns)
	s.send(ToServer, ai, m.dur(5*time.Millisecond, 30*time.Millisecond))
	s.ack(m, ToClient)
}

// changes moves the process values and fills the events since the last
// poll.
func (s *dnp3Session) changes(m *mix) {
	s.events, s.bevents = s.events[:0], s.bevents[:0]
	if m.chance(0.55) {
		return
	}
	for n := 1 + m.rng.IntN(4); n > 0; n-- {
		j := m.rng.IntN(s.nAna)
		s.analogs[j] += int32(m.rng.IntN(41)) - 20
		s.events = append(s.events, DNP3AnalogEvent{Index: uint16(j), Value: s.analogs[j]})
	}
	if m.chance(0.15) {
		j := m.rng.IntN(s.nBin)
		s.states[j] = !s.states[j]
		s.bevents = append(s.bevents, DNP3BinaryEvent{Index: uint16(j), State: s.states[j], Time: m.t.Now().Add(-m.dur(0, s.period))})
	}
	for j := 0; j < s.nCnt; j++ {
		s.ctrs[j] += uint32(m.rng.IntN(5))
	}
}

// unsolicited scripts an unsolicited response with events and its
// confirmation.
func (s *dnp3Session) unsolicited(m *mix, ai int) {
	s.changes(m)
	if len(s.events) == 0 {
		s.events = append(s.events, DNP3AnalogEvent{Index: 0, Value: s.analogs[0]})
	}
	seq := s.useq
	s.useq = (s.useq + 1) & 0x0F
	s.frag = AppendDNP3Response(s.frag[:0], DNP3AC{FIR: true, FIN: true, CON: true, UNS: true, Seq: seq}, DNP3UnsolicitedResponse, DNP3IINClass1Events)
	if len(s.bevents) > 0 {
		s.frag = AppendDNP3BinaryEvents(s.frag, s.bevents)
	}
	s.frag = AppendDNP3AnalogEvents(s.frag, s.events)
	s.send(ToClient, ai, m.dur(3*time.Millisecond, 20*time.Millisecond))
	s.frag = AppendDNP3Confirm(s.frag[:0], seq, true)
	s.send(ToServer, ai, m.dur(100*time.Microsecond, 500*time.Microsecond))
	s.ack(m, ToClient)
}

// operate scripts a CROB select and operate, each echoed.
func (s *dnp3Session) operate(m *mix, ai int) {
	c := DNP3CROB{Index: uint16(m.rng.IntN(8)), Code: DNP3OpLatchOn, Count: 1}
	if m.chance(0.5) {
		c.Code, c.OnMs = DNP3OpPulseOn|DNP3TCCTrip, 500
		if m.chance(0.5) {
			c.Code = DNP3OpPulseOn | DNP3TCCClose
		}
	}
	for _, fc := range [...]uint8{DNP3Select, DNP3Operate} {
		seq := s.nextSeq()
		s.frag = AppendDNP3CROB(AppendDNP3Request(s.frag[:0], DNP3Single(seq), fc), c)
		s.send(ToServer, ai, s.serverDelay(m))
		s.frag = AppendDNP3CROB(AppendDNP3Response(s.frag[:0], DNP3Single(seq), DNP3Response, 0), c)
		s.send(ToClient, ai, m.dur(20*time.Millisecond, 80*time.Millisecond))
	}
	s.ack(m, ToServer)
}

// linkStatus scripts a link status request and its answer (header-only
// frames).
func (s *dnp3Session) linkStatus(m *mix, ai int) {
	off := len(s.buf)
	s.buf = DNP3Link{Dir: true, Prm: true, Func: DNP3LinkRequestLinkStatus, Dst: s.addrs[ai], Src: s.master}.AppendFrame(s.buf, nil)
	s.steps = append(s.steps, dnp3Step{kind: dkData, dir: ToServer, off: off, end: len(s.buf), after: s.serverDelay(m)})
	off = len(s.buf)
	s.buf = DNP3Link{Func: DNP3LinkStatus, Dst: s.master, Src: s.addrs[ai]}.AppendFrame(s.buf, nil)
	s.steps = append(s.steps, dnp3Step{kind: dkData, dir: ToClient, off: off, end: len(s.buf), after: m.dur(100*time.Microsecond, time.Millisecond)})
	s.ack(m, ToServer)
}
