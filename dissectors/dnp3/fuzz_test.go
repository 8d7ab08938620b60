package dnp3

import (
	"maps"
	"slices"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// framingSeeds returns the streams of the framing table tests and real
// DNP3 payloads from the shared captures (at most 30 per capture).
func framingSeeds(t testing.TB) [][]byte {
	h := func(s string) []byte { return unhex(t, s) }
	frag := binaryInputs(1, 81)
	s := segments(3, 4, 5, frag, 40, 80)
	seeds := [][]byte{
		h(readReqHex), h(readRespHex), h(linkStatusReqHex), h(linkStatusHex),
		cat(s...), cat(s[1], s[2]), cat(s[0], s[2]),
		cat(h("00 01 02 05 05 64"), h(readReqHex), h("05 64 05 c9 01 00 00 04 e9 22"), h(linkStatusHex)),
		withCRC(h("05 64 04 c9 01 00 00 04")),
		linkFrame(0xF3, 10, 1, h("c3 c3 01 3c 01 06")),
		cat(h(readReqHex)[:20]),
	}
	caps := linkCaptures(t)
	for _, path := range slices.Sorted(maps.Keys(caps)) {
		for i, sg := range linkSegments(t, path) {
			if i == 30 {
				break
			}
			seeds = append(seeds, sg.payload)
		}
	}
	return seeds
}

// fuzzLog renders events as JSON (records) or names (anomalies) and fails
// on malformed events.
type fuzzLog struct {
	t      *testing.T
	events []string
}

func (l *fuzzLog) Emit(ev *dissectors.Event) {
	b := dissectortest.Check(l.t, ev, "dnp3", Anomalies)
	if b == nil {
		l.events = append(l.events, "!"+ev.Anomaly.Name)
		return
	}
	r := ev.Record.(*Record)
	if r.Frames < 1 || r.Frames > 64*1024 {
		l.t.Fatalf("record with %d frames", r.Frames)
	}
	l.events = append(l.events, string(b))
}

// feed parses data in two calls cut at cut, the way the flow layer does
// (on TCP what the first call leaves comes back with the second piece),
// checks the results of Parse and closes the parser.
func feed(t *testing.T, d *Dissector, udp bool, data []byte, cut int) []string {
	tr := dissectors.TCP
	if udp {
		tr = dissectors.UDP
	}
	p := d.NewParser(&dissectors.Flow{Transport: tr})
	l := &fuzzLog{t: t}
	var left []byte
	for _, piece := range [][]byte{data[:cut], data[cut:]} {
		in := append(left, piece...)
		n, err := p.Parse(dissectors.ToClient, in, linkT0, l)
		if err != nil || n < 0 || n > len(in) {
			t.Fatalf("Parse(%d octets) = %d, %v", len(in), n, err)
		}
		if udp && n != len(in) {
			t.Fatalf("UDP Parse consumed %d of %d", n, len(in))
		}
		if len(in)-n >= maxFrame {
			t.Fatalf("left %d octets unconsumed", len(in)-n)
		}
		left = append([]byte(nil), in[n:]...)
		if udp {
			left = nil
		}
	}
	p.Close(linkT0, l)
	return l.events
}

// FuzzParse feeds random bytes to a parser in two pieces cut at split.
// Invariants: no panic, well-formed events (exactly one of Record and
// Anomaly, documented anomaly names, valid record JSON), fewer than
// maxFrame octets left unconsumed, and on TCP the same events as when the
// bytes come in one piece. The probe must not panic either.
func FuzzParse(f *testing.F) {
	for i, s := range framingSeeds(f) {
		f.Add(s, uint16(i*37), i%3 == 0)
	}
	d := New(Options{})
	small := New(Options{MaxFragment: 300})
	f.Fuzz(func(t *testing.T, data []byte, split uint16, udp bool) {
		for _, onPort := range []bool{false, true} {
			if r := d.Probe(dissectors.ToServer, data, onPort); r > dissectors.ProbeNeedMore {
				t.Fatalf("Probe = %d", r)
			}
		}
		cut := int(split) % (len(data) + 1)
		for _, dd := range []*Dissector{d, small} {
			got := feed(t, dd, udp, data, cut)
			if udp {
				continue
			}
			want := feed(t, dd, false, data, len(data))
			if !slices.Equal(got, want) {
				t.Fatalf("split at %d:\ngot:  %q\nwant: %q", cut, got, want)
			}
		}
	})
}
