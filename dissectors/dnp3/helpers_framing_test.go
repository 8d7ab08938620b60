package dnp3

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// Test helpers of the framing tests. Names carry a "link" prefix so that
// they do not collide with the application tests' helpers.

// unhex decodes test input written in hex (see dissectortest.Hex).
var unhex = dissectortest.Hex

// withCRC appends the DNP3 CRC of b (crc16 is checked against real frames
// in TestCRC16).
func withCRC(b []byte) []byte {
	c := crc16(b)
	return append(b, byte(c), byte(c>>8))
}

// linkFrame builds a frame: header (start, length, ctl, dst, src) and user
// data split in 16-octet blocks, each with its CRC.
func linkFrame(ctl byte, dst, src uint16, user []byte) []byte {
	f := withCRC([]byte{0x05, 0x64, byte(minLength + len(user)), ctl, byte(dst), byte(dst >> 8), byte(src), byte(src >> 8)})
	for len(user) > 0 {
		n := min(blockLen, len(user))
		f = append(f, withCRC(append([]byte(nil), user[:n]...))...)
		user = user[n:]
	}
	return f
}

// userFrame builds an unconfirmed user data frame (ctl 0xC4 from a master,
// 0x44 from an outstation) carrying transport header th and app octets.
func userFrame(fromMaster bool, dst, src uint16, th byte, app []byte) []byte {
	ctl := byte(0x44)
	if fromMaster {
		ctl = 0xC4
	}
	return linkFrame(ctl, dst, src, append([]byte{th}, app...))
}

var linkT0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// eventLog renders each borrowed event at Emit time: a record as a short
// summary of the fields framing sets (plus the fragment octets, hex, when
// the parser's fragHook is wired to it), an anomaly as "!" + name.
type eventLog struct {
	events []string
	recs   []Record // shallow copies (Objects not kept)
	frag   string
	json   bool // also check that every record marshals to valid JSON
}

func (l *eventLog) Emit(ev *dissectors.Event) {
	if (ev.Record == nil) == (ev.Anomaly == nil) {
		panic("event must have exactly one of Record and Anomaly")
	}
	if ev.Anomaly != nil {
		if ev.Anomaly.AppProto != "dnp3" || !strings.HasPrefix(ev.Anomaly.Name, "dnp3.") {
			panic("malformed anomaly event " + ev.Anomaly.Name)
		}
		l.events = append(l.events, "!"+strings.TrimPrefix(ev.Anomaly.Name, "dnp3."))
		return
	}
	r := ev.Record.(*Record)
	if l.json {
		if b, err := json.Marshal(r); err != nil || !json.Valid(b) {
			panic(fmt.Sprintf("record JSON %s: %v", b, err))
		}
	}
	s := fmt.Sprintf("%d->%d %s frames=%d", r.Src, r.Dst, r.LinkFunction, r.Frames)
	if r.LinkOnly {
		s += " link_only"
	} else {
		s += fmt.Sprintf(" fc=%d", r.FunctionCode)
		if l.frag != "" {
			s += " frag=" + l.frag
		}
	}
	l.frag = ""
	l.events = append(l.events, s)
	c := *r
	c.Objects = nil
	l.recs = append(l.recs, c)
}

// linkStep is one Parse call (data), or with gap set one Gap call.
type linkStep struct {
	dir  dissectors.Direction
	data []byte
	gap  bool
}

func master(b ...[]byte) linkStep     { return linkStep{dir: dissectors.ToServer, data: cat(b...)} }
func outstation(b ...[]byte) linkStep { return linkStep{dir: dissectors.ToClient, data: cat(b...)} }

func gapStep(d dissectors.Direction) linkStep { return linkStep{dir: d, gap: true} }

func cat(b ...[]byte) []byte {
	var out []byte
	for _, x := range b {
		out = append(out, x...)
	}
	return out
}

// runLink feeds steps to a fresh parser the way the flow layer does (on
// TCP, what a call leaves unconsumed comes back with the next call for the
// same direction; a gap drops it), closes it and returns the events.
func runLink(t testing.TB, opts Options, udp bool, steps ...linkStep) *eventLog {
	t.Helper()
	p := newParser(opts, udp)
	l := &eventLog{json: true}
	p.fragHook = func(b []byte) { l.frag = hex.EncodeToString(b) }
	var left [2][]byte
	for i, s := range steps {
		d := s.dir
		if s.gap {
			p.Gap(d)
			left[d] = nil
			continue
		}
		data := append(append([]byte(nil), left[d]...), s.data...)
		n, err := p.Parse(d, data, linkT0.Add(time.Duration(i)*time.Millisecond), l)
		if err != nil || n < 0 || n > len(data) {
			t.Fatalf("step %d: Parse = %d, %v", i, n, err)
		}
		if udp && n != len(data) {
			t.Fatalf("step %d: UDP Parse consumed %d of %d", i, n, len(data))
		}
		left[d] = append([]byte(nil), data[n:]...)
	}
	p.Close(linkT0.Add(time.Hour), l)
	return l
}

func sameLinkEvents(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\ngot:  %s\nwant: %s", strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
}
