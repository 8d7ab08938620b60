package tls

import (
	"maps"
	"slices"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// rlMaxLeft is the most a Parse call may leave unconsumed: a record it
// must see whole (header and MaxRecordLength octets), or an SSLv2
// ClientHello (2-octet header, up to 0x7fff octets).
const rlMaxLeft = sslv2HeaderLen + 0x7fff

// parseSeeds returns the byte streams of the table tests (each chunk, and
// each case's chunks of one direction run together) and real TLS payloads
// from the shared captures (at most 30 per capture).
func parseSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, c := range rlCases(t) {
		var all [2][]byte
		for _, ch := range c.chunks {
			if !ch.gap {
				seeds = append(seeds, ch.data)
				all[ch.dir] = append(all[ch.dir], ch.data...)
			}
		}
		seeds = append(seeds, all[0], all[1])
	}
	caps := rlTruthCaptures(t)
	for _, path := range slices.Sorted(maps.Keys(caps)) {
		n := 0
		for _, s := range rlSegments(t, path) {
			if !rlPorts[s.serverPort()] {
				continue
			}
			if n == 30 {
				break
			}
			seeds = append(seeds, s.payload)
			n++
		}
	}
	return seeds
}

// rlFuzzLog renders events as direction + record JSON or anomaly name,
// and fails on malformed events.
type rlFuzzLog struct {
	t      *testing.T
	events []string
}

func (l *rlFuzzLog) Emit(ev *dissectors.Event) {
	b := dissectortest.Check(l.t, ev, "tls", Anomalies)
	if b == nil {
		l.events = append(l.events, ev.Dir.String()+" !"+ev.Anomaly.Name)
		return
	}
	l.events = append(l.events, ev.Dir.String()+" "+string(b))
}

// rlFuzzFeed gives data to a new parser as first's bytes, then as the
// other direction's, each time in two pieces cut at cut the way the flow
// layer does, and returns the events.
func rlFuzzFeed(t *testing.T, opts Options, syn bool, first dissectors.Direction, data []byte, cut int) []string {
	p := newParser(opts, syn)
	l := &rlFuzzLog{t: t}
	for _, dir := range []dissectors.Direction{first, first.Reverse()} {
		var left []byte
		for _, piece := range [][]byte{data[:cut], data[cut:]} {
			in := append(left, piece...)
			n, err := p.Parse(dir, in, rlT0, l)
			if err != nil || n < 0 || n > len(in) {
				t.Fatalf("Parse(%d bytes) = %d, %v", len(in), n, err)
			}
			if len(in)-n > rlMaxLeft {
				t.Fatalf("left %d bytes unconsumed", len(in)-n)
			}
			left = append([]byte(nil), in[n:]...)
		}
	}
	p.Close(rlT0, l)
	return l.events
}

// FuzzParse feeds random bytes to a parser in two pieces cut at split, as
// the server's bytes (server) or the client's, then as the other
// direction's. Invariants: no panic, well-formed events (exactly one of
// Record and Anomaly, documented anomaly names, valid record JSON), never
// more than rlMaxLeft octets left unconsumed, and the same events as when
// the bytes come in one piece. The probes must not panic either.
func FuzzParse(f *testing.F) {
	for i, s := range parseSeeds(f) {
		f.Add(s, uint16(len(s)/2), i%2 == 1)
		f.Add(s, uint16(i*37), i%2 == 0)
	}
	d := New(Options{})
	opts := []Options{{}, {MaxHandshake: 40}}
	f.Fuzz(func(t *testing.T, data []byte, split uint16, server bool) {
		for _, onPort := range []bool{false, true} {
			for dir := range dissectors.Direction(2) {
				if r := d.Probe(dir, data, onPort); r > dissectors.ProbeNeedMore {
					t.Fatalf("Probe = %d", r)
				}
			}
		}
		first := dissectors.ToServer
		if server {
			first = dissectors.ToClient
		}
		cut := int(split) % (len(data) + 1)
		for i, o := range opts {
			syn := i == 0
			got := rlFuzzFeed(t, o, syn, first, data, cut)
			want := rlFuzzFeed(t, o, syn, first, data, len(data))
			if !slices.Equal(got, want) {
				t.Fatalf("split at %d:\ngot:  %q\nwant: %q", cut, got, want)
			}
		}
	})
}
