package mqtt

import (
	"maps"
	"slices"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// parseSeeds returns the byte streams of the table tests (each step, and
// each case's steps run together) and real port-1883 payloads from the
// shared MQTT captures (at most 30 per capture).
func parseSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, c := range parseCases {
		var all []byte
		for _, s := range c.steps {
			if !s.gap {
				b := unhex(t, s.hex)
				seeds = append(seeds, b)
				all = append(all, b...)
			}
		}
		seeds = append(seeds, all)
	}
	caps := truthCaptures(t)
	for _, path := range slices.Sorted(maps.Keys(caps)) {
		for i, s := range readSegments(t, path) {
			if i == 30 {
				break
			}
			seeds = append(seeds, s.payload)
		}
	}
	return seeds
}

// fuzzLog renders events as direction + record JSON or anomaly name, and
// fails on malformed events.
type fuzzLog struct {
	t      *testing.T
	events []string
}

func (l *fuzzLog) Emit(ev *dissectors.Event) {
	b := dissectortest.Check(l.t, ev, "mqtt", Anomalies)
	if b == nil {
		l.events = append(l.events, ev.Dir.String()+" !"+ev.Anomaly.Name)
		return
	}
	l.events = append(l.events, ev.Dir.String()+" "+string(b))
}

// fuzzFeed gives data to a new parser as the client's bytes, then as the
// broker's, each time in two pieces cut at cut the way the flow layer
// does, and returns the events.
func fuzzFeed(t *testing.T, d *Dissector, data []byte, cut int) []string {
	p := d.NewParser(&dissectors.Flow{Transport: dissectors.TCP})
	l := &fuzzLog{t: t}
	for _, dir := range []dissectors.Direction{dissectors.ToServer, dissectors.ToClient} {
		var left []byte
		for _, piece := range [][]byte{data[:cut], data[cut:]} {
			in := append(left, piece...)
			n, err := p.Parse(dir, in, sessT0, l)
			if err != nil || n < 0 || n > len(in) {
				t.Fatalf("Parse(%d bytes) = %d, %v", len(in), n, err)
			}
			if len(in)-n >= maxHeaderLen+d.opts.MaxMessage {
				t.Fatalf("left %d bytes unconsumed", len(in)-n)
			}
			left = append([]byte(nil), in[n:]...)
		}
	}
	p.Close(sessT0, l)
	return l.events
}

// FuzzParse feeds random bytes to a parser in two pieces cut at split, in
// each direction. Invariants: no panic, well-formed events (exactly one of
// Record and Anomaly, documented anomaly names, valid record JSON), never
// more than a packet's header plus MaxMessage bytes left unconsumed, and
// the same events as when the bytes come in one piece. The probes must
// not panic either.
func FuzzParse(f *testing.F) {
	for i, s := range parseSeeds(f) {
		f.Add(s, uint16(len(s)/2))
		f.Add(s, uint16(i*37))
	}
	ds := []*Dissector{New(Options{}), New(Options{MaxMessage: 16, MaxOutstanding: 2, PayloadPreview: 8})}
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		for _, onPort := range []bool{false, true} {
			for dir := range dissectors.Direction(2) {
				if r := ds[0].Probe(dir, data, onPort); r > dissectors.ProbeNeedMore {
					t.Fatalf("Probe = %d", r)
				}
			}
		}
		cut := int(split) % (len(data) + 1)
		for _, d := range ds {
			got := fuzzFeed(t, d, data, cut)
			want := fuzzFeed(t, d, data, len(data))
			if !slices.Equal(got, want) {
				t.Fatalf("split at %d:\ngot:  %q\nwant: %q", cut, got, want)
			}
		}
	})
}
