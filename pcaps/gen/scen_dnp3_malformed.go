package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// dnp3Malformed writes dnp3_malformed.pcap: one TCP connection per defect
// (3 + defect + 2 for a valid integrity poll + 3 = 8 + defect packets),
// and one UDP flow. Defect packets: 1 + 1 + 1 + 2 + 2 + 2 + 2 + 2 + 2 +
// 2 + 2 + 14 = 33; 12 connections: 96 + 33 = 129; UDP: 2 + 2; 133 in all.
func dnp3Malformed(t *synth.Trace) {
	port := uint16(50300)
	isn := uint32(0x2f000001)
	// Both stations keep counting transport and application sequence
	// numbers across connections, as devices that stay up do; it also
	// keeps a reassembler keyed by link addresses and sequence (tshark's)
	// from mixing a defect's leftovers into the next connection.
	var mseq, oseq, aseq uint8
	conn := func(body func(s *dnpSess, c *synth.Conn)) {
		c := t.NewConn(synth.L2{}, dnpMaster, port, dnpRTU, 20000, isn, isn^0x5a5a5a5a)
		port++
		isn += 0x01000000
		s := dnpTCP(c, dnpMasterAddr, dnpRTUAddr)
		s.m.tseq, s.o.tseq, s.seq = mseq, oseq, aseq
		c.Handshake()
		t.Advance(2 * ms)
		body(s, c)
		t.Advance(20 * ms)
		s.integrity(0)
		c.Close(synth.ToServer)
		t.Advance(20 * ms)
		mseq, oseq, aseq = s.m.tseq&0x3F, s.o.tseq&0x3F, s.seq
	}
	to, from := synth.ToServer, synth.ToClient
	classPoll := func(s *dnpSess) []byte { return synth.AppendDNP3ClassPoll(s.req(synth.DNP3Read), 1, 2, 3) }

	// Header CRC wrong (low octet inverted): the RTU drops the frame.
	conn(func(s *dnpSess, c *synth.Conn) {
		b := s.m.frames(classPoll(s))
		b[8] ^= 0xFF
		c.Send(to, b)
	})
	// The CRC of the last data block wrong.
	conn(func(s *dnpSess, c *synth.Conn) {
		b := s.m.frames(classPoll(s))
		b[len(b)-1] ^= 0x5A
		c.Send(to, b)
	})
	// Length 3: less than control and addresses (5); the header CRC is
	// right.
	conn(func(s *dnpSess, c *synth.Conn) {
		c.Send(to, s.m.link.AppendFrameLength(nil, 3))
	})
	// Nine garbage octets (one of them 0x05 without 0x64) before a valid
	// request, which the RTU answers.
	conn(func(s *dnpSess, c *synth.Conn) {
		b := append([]byte{0xde, 0xad, 0x05, 0x00, 0x64, 0x13, 0x37, 0x00, 0xff}, s.m.frames(classPoll(s))...)
		c.Send(to, b)
		t.Advance(4 * ms)
		s.toMaster(s.resp(0))
	})
	// A read answered by a segment with FIN but no FIR: the first segment
	// of the response never left the RTU.
	conn(func(s *dnpSess, c *synth.Conn) {
		s.toOut(classPoll(s))
		t.Advance(4 * ms)
		tail := synth.AppendDNP3AnalogInputs32(nil, 0, analogs(0, 6))[5:]
		c.Send(from, s.o.link.AppendSegment(nil, synth.DNP3Transport(false, true, s.o.tseq), tail))
		s.o.tseq++
	})
	// A two-segment response whose second segment skips a transport
	// sequence number (n, then n+2).
	conn(func(s *dnpSess, c *synth.Conn) {
		s.toOut(synth.AppendDNP3ClassPoll(s.req(synth.DNP3Read), 0))
		t.Advance(4 * ms)
		r := synth.AppendDNP3AnalogInputs32(s.resp(0), 0, analogs(0, 70)) // 361 octets
		n := s.o.tseq
		b := s.o.link.AppendSegment(nil, synth.DNP3Transport(true, false, n), r[:synth.DNP3MaxSegmentData])
		b = s.o.link.AppendSegment(b, synth.DNP3Transport(false, true, n+2), r[synth.DNP3MaxSegmentData:])
		s.o.tseq = n + 3
		c.Send(from, b)
	})
	// An unknown object (g99v1, all points: its size is known, nothing
	// follows it) before class 0: the RTU sets OBJECT_UNKNOWN and answers
	// the rest.
	conn(func(s *dnpSess, c *synth.Conn) {
		q := synth.AppendDNP3All(s.req(synth.DNP3Read), 99, 1)
		q = synth.AppendDNP3ClassPoll(q, 0)
		s.x(q, synth.AppendDNP3BinaryInputs(s.resp(synth.DNP3IINObjectUnknown), 0, bitsDNP(8)))
	})
	// Function code 70, unassigned: NO_FUNC_CODE_SUPPORT.
	conn(func(s *dnpSess, c *synth.Conn) {
		s.x(s.req(70), s.resp(synth.DNP3IINNoFuncCodeSupport))
	})
	// A response of three octets: control, function, IIN1 only.
	conn(func(s *dnpSess, c *synth.Conn) {
		s.x(classPoll(s), s.resp(0)[:3])
	})

	// A response whose header announces 10 analog inputs (50 octets) but
	// carries 4 of them: the objects run past the end of the fragment.
	conn(func(s *dnpSess, c *synth.Conn) {
		r := synth.AppendDNP3AnalogInputs32(s.resp(0), 0, analogs(0, 10))
		s.x(synth.AppendDNP3ClassPoll(s.req(synth.DNP3Read), 0), r[:len(r)-30])
	})
	// A write of 1100 internal indication bits (g80v1, indexes 0-1099,
	// 138 octets): more points than a sensor decodes per fragment (1024);
	// the RTU refuses it with PARAMETER_ERROR.
	conn(func(s *dnpSess, c *synth.Conn) {
		q := synth.DNP3Header{Group: 80, Variation: 1, Qualifier: synth.DNP3QStartStop16, Start: 0, Stop: 1099}.Append(s.req(synth.DNP3Write))
		q = append(q, make([]byte, (1100+7)/8)...)
		s.x(q, s.resp(synth.DNP3IINParameterError))
	})

	// A response fragment of 16011 octets (over the 15936 that 64 full
	// segments hold): 3200 analog inputs in 65 segments, five link frames
	// (1460 octets) per TCP segment: 13 segments.
	conn(func(s *dnpSess, c *synth.Conn) {
		s.toOut(synth.AppendDNP3ClassPoll(s.req(synth.DNP3Read), 0))
		t.Advance(30 * ms)
		r := synth.AppendDNP3AnalogInputs32(s.resp(0), 0, analogs(0, 3200))
		b := s.o.frames(r)
		const per = 5 * 292 // five full frames: 10 + 250 + 16*2 octets each
		for off := 0; off < len(b); off += per {
			c.Send(from, b[off:min(off+per, len(b))])
		}
	})
	// UDP: a datagram holding a response frame and the first 14 octets of
	// another, then a valid exchange.
	u := dnpUDP(t, dnpMaster, 20000, dnpRTU, 20000, dnpMasterAddr, dnpRTUAddr)
	u.m.tseq, u.o.tseq, u.seq = mseq, oseq, aseq
	u.toOut(classPoll(u))
	t.Advance(4 * ms)
	b := u.o.frames(u.resp(0))
	next := u.o.frames(synth.AppendDNP3AnalogInputs32(u.resp(0), 0, analogs(0, 4)))
	t.UDP(nil, dnpRTU, dnpMaster, 20000, 20000, append(b, next[:14]...))
	t.Advance(50 * ms)
	u.integrity(0)
}
