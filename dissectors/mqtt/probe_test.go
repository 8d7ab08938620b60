package mqtt

import (
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

func TestProbe(t *testing.T) {
	const (
		no   = dissectors.ProbeNo
		yes  = dissectors.ProbeYes
		more = dissectors.ProbeNeedMore
	)
	cases := []struct {
		name           string
		hex            string
		onPort, strict dissectors.ProbeResult
	}{
		{"empty", "", more, more},
		{"CONNECT 3.1.1", connect311, yes, yes},
		{"CONNECT 3.1", connect31, yes, yes},
		{"CONNECT 5.0", connect5, yes, yes},
		{"CONNECT 3.1.1 then PUBLISH", connect311 + pub0, yes, yes},
		// CONNECT 3.1.1 (flags 0xEE: username, password, will retain, will QoS 1,
		// will, clean session): client id P1, will topic w, will payload
		// x, username u, password p.
		{"CONNECT with will and credentials", "10 1A 0004 4D515454 04 EE 003C 0002 5031 0001 77 0001 78 0001 75 0001 70", yes, yes},
		// CONNECT 5.0 with a session expiry property and a will with an
		// empty will property block.
		{"CONNECT 5.0 with properties and will", "10 1B 0004 4D515454 05 06 003C 05 11 0000003C 0002 5031 00 0001 77 0001 78", yes, yes},
		{"CONNECT cut in the name", "10 0E 0004 4D51", yes, more},
		{"CONNECT cut after the level", "10 0E 0004 4D515454 04", yes, more},
		{"CONNECT remaining length cut", "10", more, more},
		{"CONNECT with level 6", "10 0E 0004 4D515454 06 02 003C 0002 5031", yes, no},
		{"CONNECT MQIsdp level 4", "10 10 0006 4D5149736470 04 02 003C 0002 5031", yes, no},
		{"CONNECT with name MQTX", "10 0E 0004 4D515458 04 02 003C 0002 5031", yes, no},
		{"CONNECT whose client id overruns", "10 0E 0004 4D515454 04 02 003C 0003 5031", yes, no},
		{"CONNECT with a trailing byte", "10 0F 0004 4D515454 04 02 003C 0002 5031 00", yes, no},
		{"CONNECT with the reserved flag", "10 0E 0004 4D515454 04 03 003C 0002 5031", yes, no},
		{"CONNECT remaining length too small", "10 02 0004", no, no},
		{"CONNACK", connack3, yes, more},
		{"CONNACK cut", "20 02", yes, more},
		{"CONNACK with bad code", "20 02 00 07", yes, no},
		{"CONNACK 5.0", connack5, yes, no},
		{"PINGREQ (mid-session)", pingreq, yes, no},
		{"PUBLISH QoS 1", pub1, yes, no},
		{"PUBLISH QoS 3", "36 09 0003 612F62 0001 6869", no, no},
		{"PINGREQ with length 1", "C0 01 00", no, no},
		{"PUBREL with flags 0", "60 02 0002", no, no},
		{"type 0", "00 02 0001", no, no},
		{"malformed remaining length", "30 FF FF FF FF 01", no, no},
		{"HTTP", "474554202F20485454502F312E310D0A", no, no},
		{"TLS ClientHello", "16 03 01 00 F1 01 00 00 ED 03 03", no, no},
		{"TLS application data", "17 03 03 00 5A", no, no},
		{"SSH", "5353482D322E302D", no, no},
		{"DNS over TCP", "00 1C 12 34 01 00 00 01", no, no},
	}
	d := New(Options{})
	for _, c := range cases {
		data := unhex(t, c.hex)
		if got := d.Probe(dissectors.ToServer, data, true); got != c.onPort {
			t.Errorf("%s: on port %d, want %d", c.name, got, c.onPort)
		}
		if got := d.Probe(dissectors.ToServer, data, false); got != c.strict {
			t.Errorf("%s: elsewhere %d, want %d", c.name, got, c.strict)
		}
	}
}

func TestNewDefaults(t *testing.T) {
	d := New(Options{MaxMessage: 1 << 20, MaxOutstanding: -1, PayloadPreview: -3})
	if d.opts.MaxMessage != MaxMaxMessage || d.opts.MaxOutstanding != DefaultMaxOutstanding || d.opts.PayloadPreview != 0 {
		t.Errorf("options %+v", d.opts)
	}
	if d := New(Options{}); d.opts.MaxMessage != DefaultMaxMessage {
		t.Errorf("default MaxMessage %d", d.opts.MaxMessage)
	}
	if MaxMaxMessage+maxHeaderLen != 64<<10 {
		t.Errorf("MaxMaxMessage %d", MaxMaxMessage)
	}
	if d.Name() != "mqtt" || len(d.Ports()) != 1 || d.Ports()[0] != (dissectors.Port{Transport: dissectors.TCP, Port: 1883}) {
		t.Errorf("name %q ports %v", d.Name(), d.Ports())
	}
}
