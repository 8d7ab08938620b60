package main

import (
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// Hosts and link addresses of the DNP3 captures: a SCADA front end and
// substation RTUs on 192.168.20.0/24.
var (
	dnpMaster = synth.Host{MAC: synth.MAC(synth.OUIDell, 0x140010), IP: ip4(192, 168, 20, 10), TTL: 128}
	dnpRTU    = synth.Host{MAC: synth.MAC(synth.OUISEL, 0x140021), IP: ip4(192, 168, 20, 21)}
	dnpRTU2   = synth.Host{MAC: synth.MAC(synth.OUINovaTech, 0x140022), IP: ip4(192, 168, 20, 22)}
)

const (
	dnpMasterAddr = 1
	dnpRTUAddr    = 10
	dnpRTU2Addr   = 11
)

// dnpPeer is one end of a DNP3 association: the link header of the frames
// it sends and its transport sequence number.
type dnpPeer struct {
	link synth.DNP3Link
	tseq uint8
}

// frames returns frag as link frames (one per transport segment).
func (p *dnpPeer) frames(frag []byte) []byte {
	b, next := p.link.AppendFragment(nil, frag, p.tseq)
	p.tseq = next
	return b
}

// dnpSess is a master and an outstation talking over one carrier (a TCP
// connection or a UDP flow): it numbers application requests and
// unsolicited responses and writes exchanges.
type dnpSess struct {
	t    *synth.Trace
	send func(d synth.Dir, b []byte)
	m, o dnpPeer
	seq  uint8 // sequence number of the last request
	useq uint8 // next unsolicited response sequence number
}

func newDNP(t *synth.Trace, send func(synth.Dir, []byte), master, outstation uint16) *dnpSess {
	return &dnpSess{t: t, send: send,
		m:   dnpPeer{link: synth.DNP3UserData(true, outstation, master)},
		o:   dnpPeer{link: synth.DNP3UserData(false, master, outstation)},
		seq: 15}
}

// dnpTCP returns a session on c (client = master).
func dnpTCP(c *synth.Conn, master, outstation uint16) *dnpSess {
	return newDNP(c.Trace(), func(d synth.Dir, b []byte) { c.Send(d, b) }, master, outstation)
}

// dnpUDP returns a session on a UDP flow between master m:mp and
// outstation o:op.
func dnpUDP(t *synth.Trace, m synth.Host, mp uint16, o synth.Host, op uint16, master, outstation uint16) *dnpSess {
	return newDNP(t, func(d synth.Dir, b []byte) {
		if d == synth.ToServer {
			t.UDP(nil, m, o, mp, op, b)
		} else {
			t.UDP(nil, o, m, op, mp, b)
		}
	}, master, outstation)
}

// req returns the header of the next single-fragment request.
func (s *dnpSess) req(fc uint8) []byte {
	s.seq = (s.seq + 1) & 0x0F
	return synth.AppendDNP3Request(nil, synth.DNP3Single(s.seq), fc)
}

// resp returns the header of a single-fragment response to the last
// request.
func (s *dnpSess) resp(iin uint16) []byte {
	return synth.AppendDNP3Response(nil, synth.DNP3Single(s.seq), synth.DNP3Response, iin)
}

// uns returns the header of the next unsolicited response (confirm
// requested).
func (s *dnpSess) uns(iin uint16) ([]byte, uint8) {
	q := s.useq
	s.useq = (s.useq + 1) & 0x0F
	ac := synth.DNP3AC{FIR: true, FIN: true, CON: true, UNS: true, Seq: q}
	return synth.AppendDNP3Response(nil, ac, synth.DNP3UnsolicitedResponse, iin), q
}

// toOut and toMaster send one application fragment.
func (s *dnpSess) toOut(frag []byte)    { s.send(synth.ToServer, s.m.frames(frag)) }
func (s *dnpSess) toMaster(frag []byte) { s.send(synth.ToClient, s.o.frames(frag)) }

// x writes a request and, 4 ms later, its response; the next packet
// comes 50 ms later.
func (s *dnpSess) x(req, resp []byte) {
	s.toOut(req)
	s.t.Advance(4 * ms)
	s.toMaster(resp)
	s.t.Advance(50 * ms)
}

// confirm writes the master's application confirm of seq.
func (s *dnpSess) confirm(seq uint8, uns bool) {
	s.t.Advance(2 * ms)
	s.toOut(synth.AppendDNP3Confirm(nil, seq, uns))
	s.t.Advance(20 * ms)
}

// linkStatus writes a link status request and the outstation's answer:
// header-only frames.
func (s *dnpSess) linkStatus() {
	req := s.m.link
	req.Func = synth.DNP3LinkRequestLinkStatus
	ans := s.o.link
	ans.Prm, ans.Func = false, synth.DNP3LinkStatus
	s.send(synth.ToServer, req.AppendFrame(nil, nil))
	s.t.Advance(3 * ms)
	s.send(synth.ToClient, ans.AppendFrame(nil, nil))
	s.t.Advance(20 * ms)
}

// integrity writes an integrity poll (classes 1, 2, 3, 0) answered in one
// fragment: 8 binary inputs, 6 analog inputs, 4 counters.
func (s *dnpSess) integrity(iin uint16) {
	r := s.resp(iin)
	r = synth.AppendDNP3BinaryInputs(r, 0, []bool{true, false, true, true, false, false, true, false})
	r = synth.AppendDNP3AnalogInputs32(r, 0, []int32{2301, 2298, 2305, 412, -15, 6000})
	r = synth.AppendDNP3Counters32(r, 0, []uint32{128450, 77, 0, 9})
	s.x(synth.AppendDNP3IntegrityPoll(s.req(synth.DNP3Read)), r)
}

// identity reads the device attributes the dissector turns into an
// identity, and answers them.
func (s *dnpSess) identity(vendor, model, sw, hw, serial string) {
	vars := []uint8{synth.DNP3AttrManufacturer, synth.DNP3AttrProductModel, synth.DNP3AttrSoftwareVersion,
		synth.DNP3AttrHardwareVersion, synth.DNP3AttrSerialNumber}
	vals := []string{vendor, model, sw, hw, serial}
	q := s.req(synth.DNP3Read)
	for _, v := range vars {
		q = synth.AppendDNP3AttributeRead(q, v)
	}
	r := s.resp(0)
	for i, v := range vars {
		r = synth.AppendDNP3AttributeString(r, v, vals[i])
	}
	s.x(q, r)
}

// crobPair writes select then operate of one CROB, each echoed with
// status success.
func (s *dnpSess) crobPair(c synth.DNP3CROB) {
	for _, fc := range []uint8{synth.DNP3Select, synth.DNP3Operate} {
		s.x(synth.AppendDNP3CROB(s.req(fc), c), synth.AppendDNP3CROB(s.resp(0), c))
	}
}

// eventPoll reads class 1-3 events and answers with one binary and one
// analog event.
func (s *dnpSess) eventPoll(iin uint16, at time.Time) {
	r := s.resp(iin)
	r = synth.AppendDNP3BinaryEvents(r, []synth.DNP3BinaryEvent{{Index: 3, State: false, Time: at}})
	r = synth.AppendDNP3AnalogEvents(r, []synth.DNP3AnalogEvent{{Index: 1, Value: 2310}})
	s.x(synth.AppendDNP3ClassPoll(s.req(synth.DNP3Read), 1, 2, 3), r)
}
