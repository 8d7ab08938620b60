package dnp3

import (
	"bytes"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

func TestProbe(t *testing.T) {
	h := func(s string) []byte { return unhex(t, s) }
	const (
		no   = dissectors.ProbeNo
		yes  = dissectors.ProbeYes
		more = dissectors.ProbeNeedMore
	)
	req := h(readReqHex)
	badData := h(readReqHex)
	badData[len(badData)-1] ^= 1
	garbage := bytes.Repeat([]byte{0xAA}, 200)
	cases := []struct {
		name           string
		data           []byte
		onPort, strict dissectors.ProbeResult
	}{
		{"empty", nil, more, more},
		{"lone 05", h("05"), more, more},
		{"start only", h("05 64"), more, more},
		{"header minus CRC", h(readReqHex)[:9], more, more},
		{"header, frame incomplete", req[:12], yes, more},
		{"whole frame", req, yes, yes},
		{"link-only frame", h(linkStatusReqHex), yes, yes},
		{"bad header CRC", h("05 64 05 c9 01 00 00 04 e9 21"), no, no},
		{"length 4 with valid CRC", withCRC(h("05 64 04 c9 01 00 00 04")), no, no},
		{"bad data CRC", badData, yes, no},
		{"HTTP", []byte("GET / HTTP/1.1\r\n"), no, no},
		{"garbage then frame", append(append([]byte(nil), garbage...), req...), yes, no},
		{"garbage then partial header", append(append([]byte(nil), garbage...), req[:6]...), more, no},
		{"garbage ending in 05", append(append([]byte(nil), garbage...), 0x05), more, no},
		{"frame beyond the window", append(bytes.Repeat([]byte{0xAA}, probeWindow), req...), no, no},
	}
	d := New(Options{})
	for _, c := range cases {
		if got := d.Probe(dissectors.ToServer, c.data, true); got != c.onPort {
			t.Errorf("%s: on port = %d, want %d", c.name, got, c.onPort)
		}
		if got := d.Probe(dissectors.ToServer, c.data, false); got != c.strict {
			t.Errorf("%s: off port = %d, want %d", c.name, got, c.strict)
		}
	}
}

func TestDissector(t *testing.T) {
	d := New(Options{})
	if d.Name() != "dnp3" || d.opts.MaxFragment != 15936 {
		t.Errorf("Name %q MaxFragment %d", d.Name(), d.opts.MaxFragment)
	}
	want := []dissectors.Port{{Transport: dissectors.TCP, Port: 20000}, {Transport: dissectors.UDP, Port: 20000}}
	if got := d.Ports(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Ports = %v", got)
	}
	if p := d.NewParser(nil).(*Parser); p.udp {
		t.Error("nil flow: UDP parser")
	}
	if p := d.NewParser(&dissectors.Flow{Transport: dissectors.UDP}).(*Parser); !p.udp {
		t.Error("UDP flow: TCP parser")
	}
	if maxFrame != 292 || frameSize(255) != 292 || frameSize(5) != 10 || frameSize(21) != 28 || frameSize(22) != 31 {
		t.Errorf("frame sizes: max %d, 255: %d, 5: %d, 21: %d, 22: %d", maxFrame, frameSize(255), frameSize(5), frameSize(21), frameSize(22))
	}
}

func TestLinkFunctionNames(t *testing.T) {
	cases := []struct {
		primary bool
		fc      uint8
		want    string
	}{
		{true, 0, "reset_link_states"}, {true, 2, "test_link_states"}, {true, 3, "confirmed_user_data"},
		{true, 4, "unconfirmed_user_data"}, {true, 9, "request_link_status"}, {true, 5, "reserved_5"},
		{false, 0, "ack"}, {false, 1, "nack"}, {false, 11, "link_status"}, {false, 15, "not_supported"},
		{false, 2, "reserved_2"},
	}
	for _, c := range cases {
		if got := linkFunctionName(c.primary, c.fc); got != c.want {
			t.Errorf("linkFunctionName(%v, %d) = %q, want %q", c.primary, c.fc, got, c.want)
		}
	}
}
