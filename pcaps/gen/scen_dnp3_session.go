package main

import (
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// dnp3Session writes dnp3_session.pcap: a SCADA master (link address 1)
// and an RTU (link address 10) on TCP 20000, from the handshake to a FIN
// close. Packets: 3 (handshake) + 2 (link status) + 8 (integrity poll
// with a three-fragment response, the second split over two TCP
// segments, each fragment confirmed) + 2 (attributes) + 2 (time write) +
// 8 (two select/operate pairs) + 2 (analog outputs) + 2 (enable
// unsolicited) + 2 (unsolicited response, confirm) + 2 (event poll) + 2
// (cold restart) + 8 (restart indication, IIN write, time write, event
// poll) + 3 (close) = 46.
func dnp3Session(t *synth.Trace) {
	c := t.NewConn(synth.L2{}, dnpMaster, 50200, dnpRTU, 20000, 0x2d000001, 0x6d000001)
	s := dnpTCP(c, dnpMasterAddr, dnpRTUAddr)
	c.Handshake()
	t.Advance(2 * ms)
	s.linkStatus()

	// Integrity poll answered in three fragments (FIR+CON, CON, FIN+CON),
	// each confirmed before the next is sent (IEEE 1815-2012, 4.4.7).
	s.toOut(synth.AppendDNP3IntegrityPoll(s.req(synth.DNP3Read)))
	t.Advance(8 * ms)
	seq := s.seq
	ac := func(k uint8, fir, fin bool) synth.DNP3AC {
		return synth.DNP3AC{FIR: fir, FIN: fin, CON: true, Seq: (seq + k) & 0x0F}
	}
	// Fragment 1: 40 binary inputs and 50 analog inputs, 306 octets: two
	// link frames in one TCP segment.
	f := synth.AppendDNP3Response(nil, ac(0, true, false), synth.DNP3Response, 0)
	f = synth.AppendDNP3BinaryInputs(f, 0, bitsDNP(40))
	f = synth.AppendDNP3AnalogInputs32(f, 0, analogs(0, 50))
	s.toMaster(f)
	s.confirm(seq, false)
	// Fragment 2: 50 more analog inputs, 260 octets, two link frames whose
	// first is cut by TCP after 100 octets.
	f = synth.AppendDNP3Response(nil, ac(1, false, false), synth.DNP3Response, 0)
	f = synth.AppendDNP3AnalogInputs32(f, 50, analogs(50, 50))
	c.SendSplit(synth.ToClient, s.o.frames(f), 100)
	s.confirm(seq+1, false)
	// Fragment 3: 20 counters, one link frame.
	f = synth.AppendDNP3Response(nil, ac(2, false, true), synth.DNP3Response, 0)
	f = synth.AppendDNP3Counters32(f, 0, counters(20))
	s.toMaster(f)
	s.confirm(seq+2, false)

	s.identity("Acme Controls", "RTU-5000", "4.2.1", "B", "SN12345")
	s.x(synth.AppendDNP3Time(s.req(synth.DNP3Write), t.Now()), s.resp(0))

	s.crobPair(synth.DNP3CROB{Index: 0, Code: synth.DNP3OpLatchOn, Count: 1})
	s.crobPair(synth.DNP3CROB{Index: 1, Code: synth.DNP3OpPulseOn | synth.DNP3TCCClose, Count: 1, OnMs: 1000, OffMs: 500})

	// Direct operate of four analog outputs, one per g41 variation.
	q := s.req(synth.DNP3DirectOperate)
	r := s.resp(0)
	for _, ao := range []synth.DNP3AnalogOutput{
		{Variation: 1, Index: 0, Value: 1500},
		{Variation: 2, Index: 1, Value: -250},
		{Variation: 3, Index: 2, Value: 59.95},
		{Variation: 4, Index: 3, Value: 138.25},
	} {
		q = synth.AppendDNP3AnalogOutput(q, ao)
		r = synth.AppendDNP3AnalogOutput(r, ao) // echoed, status success
	}
	s.x(q, r)

	s.x(synth.AppendDNP3ClassPoll(s.req(synth.DNP3EnableUnsolicited), 1, 2, 3), s.resp(0))

	// A breaker opens: the RTU reports it unsolicited, class 1 events
	// still pending, and the master confirms.
	t.Advance(1500 * ms)
	u, useq := s.uns(synth.DNP3IINClass1Events)
	u = synth.AppendDNP3BinaryEvents(u, []synth.DNP3BinaryEvent{{Index: 3, State: false, Time: t.Now().Add(-40 * ms)}})
	u = synth.AppendDNP3AnalogEvents(u, []synth.DNP3AnalogEvent{{Index: 0, Value: 0}, {Index: 1, Value: 3}})
	s.toMaster(u)
	s.confirm(useq, true)
	s.eventPoll(0, t.Now().Add(-10*ms))

	// Cold restart: the RTU answers with the time it needs, then reports
	// DEVICE_RESTART and NEED_TIME until the master clears the first by
	// writing IIN1.7 = 0 and sets its clock.
	s.x(s.req(synth.DNP3ColdRestart), synth.AppendDNP3TimeDelayFine(s.resp(0), 2000))
	t.Advance(5 * time.Second)
	s.x(synth.AppendDNP3ClassPoll(s.req(synth.DNP3Read), 1), s.resp(synth.DNP3IINDeviceRestart|synth.DNP3IINNeedTime))
	s.x(synth.AppendDNP3IINWrite(s.req(synth.DNP3Write), 7, false), s.resp(synth.DNP3IINNeedTime|synth.DNP3IINClass1Events))
	s.x(synth.AppendDNP3Time(s.req(synth.DNP3Write), t.Now()), s.resp(synth.DNP3IINClass1Events))
	s.eventPoll(0, t.Now().Add(-4*time.Second))
	c.Close(synth.ToServer)
}

// bitsDNP returns n binary input states in a fixed pattern.
func bitsDNP(n int) []bool {
	b := make([]bool, n)
	for i := range b {
		b[i] = i%4 == 0 || i%7 == 3
	}
	return b
}

// analogs returns n analog values from point first: feeder currents and
// voltages.
func analogs(first, n int) []int32 {
	v := make([]int32, n)
	for i := range v {
		v[i] = int32(1000 + 37*(first+i)%900 - 120*((first+i)%3))
	}
	return v
}

// counters returns n accumulator values.
func counters(n int) []uint32 {
	v := make([]uint32, n)
	for i := range v {
		v[i] = uint32(100000 + 4021*i)
	}
	return v
}
