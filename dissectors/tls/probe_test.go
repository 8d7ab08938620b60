package tls

import (
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

func TestProbe(t *testing.T) {
	x := newRLFixture(t)
	h := func(s string) []byte { return unhex(t, s) }
	ch := hs(x.ch12)
	const (
		no   = dissectors.ProbeNo
		yes  = dissectors.ProbeYes
		more = dissectors.ProbeNeedMore
		cli  = dissectors.ToServer
		srv  = dissectors.ToClient
	)
	cases := []struct {
		name   string
		dir    dissectors.Direction
		data   []byte
		onPort bool
		want   dissectors.ProbeResult
	}{
		{"ClientHello record", cli, ch, false, yes},
		{"ClientHello record on port", cli, ch, true, yes},
		{"ClientHello, record header only, on port", cli, ch[:5], true, more},
		{"ClientHello, first octet of the message on port", cli, ch[:6], true, yes},
		{"ClientHello cut short off port", cli, ch[:40], false, more},
		{"ClientHello record with version 0x0301 (TLS 1.3 style)", cli, rlRecord(ctHandshake, 0x0301, x.ch13), false, yes},
		{"TLS 1.0 ClientHello without extensions", cli, rlRecord(ctHandshake, 0x0301, rlMsg(hsClientHello, h("0301 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 00 0002 0035 0100"))), false, yes},
		{"ClientHello whose extension lengths do not add up", cli, rlRecord(ctHandshake, 0x0303, rlMsg(hsClientHello, h(chBody12+"00"))), false, no},
		{"ClientHello with an empty cipher suite list", cli, rlRecord(ctHandshake, 0x0301, rlMsg(hsClientHello, h("0301 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f 00 0000 0100"))), false, no},
		{"ClientHello from the server side", srv, ch, true, no},
		{"ServerHello from the server on port", srv, hs(x.sh12), true, yes},
		{"ServerHello from the server off port: wait for the client", srv, hs(x.sh12)[:20], false, more},
		{"complete ServerHello record off port", srv, hs(x.sh12), false, no},
		{"application data on port (joined mid-connection)", srv, x.appS, true, yes},
		{"application data off port", srv, x.appS, false, no},
		{"alert on port", srv, h("15 0303 0002 0228"), true, yes},
		{"ChangeCipherSpec on port", cli, x.ccs, true, yes},
		{"record version 0x0305", cli, h("16 0305 0040 01"), true, no},
		{"record longer than 2^14+2048", cli, h("17 0303 4801 00"), true, no},
		{"SSLv2 ClientHello", cli, h(sslv2Hello), false, yes},
		{"SSLv2 ClientHello on port, incomplete", cli, h(sslv2Hello)[:12], true, more},
		{"SSLv2 header with a wrong total", cli, h("8023 01 0301 0009 0000 0010"), false, no},
		{"empty", cli, nil, false, more},
		// Other protocols must never be TLS, on port or off.
		{"HTTP request", cli, []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), true, no},
		{"HTTP response", srv, []byte("HTTP/1.1 200 OK\r\n\r\n"), true, no},
		{"SSH banner", cli, []byte("SSH-2.0-OpenSSH_9.6\r\n"), true, no},
		{"MQTT CONNECT", cli, h("101000044d5154540402003c0004746573"), true, no},
		{"MQTT CONNACK", srv, h("20020000"), true, no},
		{"Modbus read holding registers, transaction 0x1603", cli, h("1603 0000 0006 01 03 0000 000a"), true, no},
		{"Modbus, transaction 0x1703", cli, h("1703 0000 0006 01 03 0000 000a"), true, no},
		{"Modbus, transaction 0x8001", cli, h("8001 0000 0006 01 03 0000 000a"), true, no},
		{"DNP3 link frame", cli, h("0564 05c0 0100 0300 fb7a"), true, no},
	}
	d := New(Options{})
	for _, tc := range cases {
		for _, onPort := range []bool{tc.onPort, false} {
			want := tc.want
			if onPort != tc.onPort && want == yes {
				continue // a yes on port need not hold off port
			}
			if onPort != tc.onPort && tc.onPort {
				want = d.Probe(tc.dir, tc.data, false)
			}
			if got := d.Probe(tc.dir, tc.data, onPort); got != want {
				t.Errorf("%s (onPort %v): got %d, want %d", tc.name, onPort, got, want)
			}
		}
	}
	// Every other protocol's bytes stay "no" off port too.
	for _, tc := range cases[len(cases)-8:] {
		if got := d.Probe(tc.dir, tc.data, false); got != no {
			t.Errorf("%s off port: got %d, want no", tc.name, got)
		}
	}
}

// TestProbeNames checks the name, ports and option limits.
func TestProbeNames(t *testing.T) {
	d := New(Options{})
	if d.Name() != "tls" || len(d.Ports()) != 4 {
		t.Fatalf("Name %q, Ports %v", d.Name(), d.Ports())
	}
	if New(Options{MaxHandshake: 1 << 30}).opts.MaxHandshake != MaxMaxHandshake || New(Options{}).opts.MaxHandshake != DefaultMaxHandshake {
		t.Error("MaxHandshake defaults or cap")
	}
}
