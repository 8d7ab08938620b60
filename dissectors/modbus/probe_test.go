package modbus

import (
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

func TestProbe(t *testing.T) {
	const (
		no   = dissectors.ProbeNo
		yes  = dissectors.ProbeYes
		more = dissectors.ProbeNeedMore
		up   = dissectors.ToServer
		down = dissectors.ToClient
	)
	http := "474554202f20485454502f312e310d0a" // "GET / HTTP/1.1\r\n"
	// TLS 1.2 record header + start of a ClientHello
	tls := "160301 00a5 01 0000a1 0303 5b2f2e0b0c0d0e0f"
	cases := []struct {
		name   string
		dir    dissectors.Direction
		hex    string
		onPort bool
		want   dissectors.ProbeResult
	}{
		{"502: FC3 request", up, "0001 0000 0006 01 03 006B 0003", true, yes},
		{"502: header and function code only", up, "0001 0000 0006 01 03", true, yes},
		{"502: exception response", down, "0001 0000 0003 01 83 02", true, yes},
		{"502: unassigned function code still plausible", up, "0001 0000 0002 01 41", true, yes},
		{"502: 7 bytes, no function code yet", up, "0001 0000 0006 01", true, more},
		{"502: 3 bytes", up, "000100", true, more},
		{"502: empty", up, "", true, more},
		{"502: protocol id 1", up, "0001 0001 0006 01 03 006B 0003", true, no},
		{"502: length 0", up, "0001 0000 0000 01 03", true, no},
		{"502: length 255", up, "0001 0000 00FF 01 03", true, no},
		{"502: function code 0 (invalid, but Modbus framing)", up, "0001 0000 0006 01 00 006B 0003", true, yes},
		{"502: function code 0x80", down, "0001 0000 0003 01 80 01", true, yes},
		{"other port: function code 0", up, "0001 0000 0006 01 00 006B 0003", false, no},
		{"502: HTTP request", up, http, true, no},
		{"502: HTTP request, first 4 bytes", up, "47455420", true, no},
		{"502: TLS ClientHello", up, tls, true, no},

		{"other port: FC3 request", up, "0001 0000 0006 01 03 006B 0003", false, yes},
		{"other port: FC3 response", down, "0001 0000 0009 11 03 06 022B 0000 0064", false, yes},
		{"other port: two complete ADUs", up, "0001 0000 0006 01 03 006B 0003 0002 0000 0006 01 06 0001 0003", false, yes},
		{"other port: 43/14 request", up, "0019 0000 0005 01 2B 0E 01 00", false, yes},
		{"other port: exception response", down, "0001 0000 0003 01 83 02", false, yes},
		{"other port: incomplete ADU", up, "0001 0000 0006 01 03 006B", false, more},
		{"other port: complete ADU then a partial one", up, "0001 0000 0006 01 03 006B 0003 0002 00", false, more},
		{"other port: 5 bytes", up, "0001000000", false, more},
		{"other port: trailing garbage", up, "0001 0000 0006 01 03 006B 0003 ffff ffff", false, no},
		{"other port: trailing 2 bytes (could start a header)", up, "0001 0000 0006 01 03 006B 0003 ffff", false, more},
		{"other port: response function code in a request", up, "0001 0000 0003 01 83 02", false, no},
		{"other port: quantity 0", up, "0001 0000 0006 01 03 006B 0000", false, no},
		{"other port: byte count inconsistent", down, "0001 0000 0005 01 03 04 0000", false, no},
		{"other port: exception code 9", down, "0001 0000 0003 01 83 09", false, no},
		{"other port: user-defined function", up, "0001 0000 0002 01 41", false, no},
		{"other port: UMAS", up, "0001 0000 0004 00 5A 00 02", false, no},
		{"other port: HTTP", up, http, false, no},
		{"other port: TLS", up, tls, false, no},
	}
	d := New(Options{})
	for _, tc := range cases {
		if got := d.Probe(tc.dir, unhex(t, tc.hex), tc.onPort); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDissectorIdentity(t *testing.T) {
	d := New(Options{})
	if d.Name() != "modbus" {
		t.Errorf("name %q", d.Name())
	}
	want := []dissectors.Port{{Transport: dissectors.TCP, Port: 502}, {Transport: dissectors.UDP, Port: 502}}
	got := d.Ports()
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ports %v", got)
	}
	if d.opts.MaxOutstanding != DefaultMaxOutstanding || d.opts.RequestTimeout != DefaultRequestTimeout {
		t.Errorf("defaults not applied: %+v", d.opts)
	}
}
