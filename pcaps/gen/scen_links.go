package main

import (
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// cooked writes modbus_sll.pcap and modbus_sll2.pcap: a basic session as
// captured with "any" on the HMI (its frames are outgoing).
func cooked(t *synth.Trace) {
	t.B.Local = hmi.MAC
	basicSession(t.NewConn(synth.L2{}, hmi, 50900, plc1, 502, isnClient, isnServer), 1)
}

// rawIP writes modbus_rawip.pcap: a basic session on a raw IP link (a
// VPN tunnel to a remote site).
func rawIP(t *synth.Trace) {
	basicSession(t.NewConn(synth.L2{}, hmi, 51000, plc1, 502, isnClient, isnServer), 1)
}

// loopback writes modbus_null.pcap: a simulator and its client on a BSD
// loopback interface.
func loopback(t *synth.Trace) {
	lo := synth.Host{IP: ip4(127, 0, 0, 1)}
	basicSession(t.NewConn(synth.L2{}, lo, 51100, lo, 502, isnClient, isnServer), 1)
}

// multiIf writes modbus_multi_if.pcapng: interface 0 (Ethernet) and
// interface 1 (raw IP) each carry a session, interleaved in time.
func multiIf(ts ...*synth.Trace) {
	eth, tun := ts[0], ts[1]
	// The two traces share one timeline: each picks up where the other
	// stopped.
	on := func(t *synth.Trace, f func()) {
		other := eth
		if t == eth {
			other = tun
		}
		t.SetNow(other.Now())
		f()
		other.SetNow(t.Now())
	}
	a := eth.NewConn(synth.L2{}, hmi, 51200, plc1, 502, isnClient, isnServer)
	remote := synth.Host{IP: ip4(172, 16, 9, 21)}
	b := tun.NewConn(synth.L2{}, hmi, 51201, remote, 502, isnClient+0x500, isnServer+0x500)
	sa, sb := newMB(a, 1), newMB(b, 2)
	on(eth, a.Handshake)
	on(tun, b.Handshake)
	for i := 0; i < 3; i++ {
		on(eth, func() {
			h := sa.h()
			sa.x(h.ReadRequest(nil, synth.FCReadHoldingRegisters, 0, 5), h.ReadRegistersResponse(nil, synth.FCReadHoldingRegisters, regs(uint16(i), 5)))
		})
		on(tun, func() {
			h := sb.h()
			sb.x(h.ReadRequest(nil, synth.FCReadCoils, 0, 12), h.ReadBitsResponse(nil, synth.FCReadCoils, bits(12)))
		})
	}
	on(eth, func() { a.Close(synth.ToServer) })
	on(tun, func() { b.Close(synth.ToServer) })
}

// bigEndianNanos writes modbus_bigendian_ns.pcap: a basic session in a
// big-endian file with nanosecond timestamps that use all nine digits.
func bigEndianNanos(t *synth.Trace) {
	t.SetNow(t.Now().Add(123456789))
	t.SetStep(100*time.Microsecond + 7)
	basicSession(t.NewConn(synth.L2{}, hmi, 51300, plc1, 502, isnClient, isnServer), 1)
}
