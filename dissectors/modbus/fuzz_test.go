package modbus

import (
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// fuzzSeeds returns every ADU stream of the table tests and real port-502
// payloads from the shared Modbus captures (at most 30 per capture).
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	var steps []step
	for _, c := range functionCodeCases {
		steps = append(steps, c.steps...)
	}
	for _, c := range anomalyCases {
		steps = append(steps, c.steps...)
	}
	steps = append(steps, req(streamRequests), resp(streamResponses))
	for _, s := range steps {
		if !s.gap {
			seeds = append(seeds, unhex(t, s.hex))
		}
	}
	for path := range modbusCaptures(t) {
		for i, s := range readSegments(t, path) {
			if i == 30 {
				break
			}
			seeds = append(seeds, s.payload)
		}
	}
	return seeds
}

// checkingEmitter fails on malformed events and on records whose JSON is
// not valid.
type checkingEmitter struct{ t *testing.T }

func (c checkingEmitter) Emit(ev *dissectors.Event) {
	if dissectortest.Check(c.t, ev, "modbus", Anomalies) == nil {
		return
	}
	if r := ev.Record.(*Record); len(r.Values) > 8*maxADU {
		c.t.Fatalf("%d values", len(r.Values))
	}
}

// FuzzParse feeds random bytes cut at random points into a parser, the
// way the flow layer does (unconsumed bytes come back with the next
// piece), with random directions, gaps and transport. Invariants: no
// panic, 0 <= consumed <= len(data), progress on 260+ bytes, well-formed
// events.
//
// flags: bit 0 UDP; bits 1-3 direction of pieces 1-3; bits 4-5 gap before
// pieces 2-3; bits 6-7 MaxOutstanding 1-4.
func FuzzParse(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		f.Add(s, uint16(len(s)/2), uint8(i*37))
		f.Add(s, uint16(0), uint8(0))
	}
	d := [4]*Dissector{}
	for i := range d {
		d[i] = New(Options{MaxOutstanding: i + 1})
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint16, flags uint8) {
		for _, onPort := range []bool{false, true} {
			for dir := range dissectors.Direction(2) {
				if r := d[0].Probe(dir, data, onPort); r > dissectors.ProbeNeedMore {
					t.Fatalf("Probe = %d", r)
				}
			}
		}
		udp := flags&1 != 0
		tr := dissectors.TCP
		if udp {
			tr = dissectors.UDP
		}
		p := d[flags>>6].NewParser(&dissectors.Flow{Transport: tr})
		em := checkingEmitter{t}
		n := len(data)
		c1 := int(split&0xFF) % (n + 1)
		c2 := c1 + int(split>>8)%(n-c1+1)
		var left [2][]byte
		for i, piece := range [][]byte{data[:c1], data[c1:c2], data[c2:]} {
			dir := dissectors.Direction(flags >> (1 + i) & 1)
			if i > 0 && flags&(1<<(3+i)) != 0 {
				p.Gap(dir)
				left[dir] = nil
			}
			in := append(left[dir], piece...)
			got, err := p.Parse(dir, in, t0, em)
			if err != nil || got < 0 || got > len(in) {
				t.Fatalf("Parse(%d bytes) = %d, %v", len(in), got, err)
			}
			if got == 0 && len(in) >= maxADU {
				t.Fatalf("no progress on %d bytes", len(in))
			}
			left[dir] = append([]byte(nil), in[got:]...)
			if udp {
				left[dir] = nil
			}
		}
		p.Close(t0, em)
	})
}

// FuzzPDU wraps a random request PDU and a random response PDU in valid
// MBAP headers with the same ids, so that the fuzzer spends its time in the
// function decoders and in request/response completion.
func FuzzPDU(f *testing.F) {
	for _, c := range functionCodeCases {
		var pdus [2][]byte
		for _, s := range c.steps {
			if b := unhex(f, s.hex); len(b) > mbapLen {
				pdus[s.dir] = b[mbapLen:]
			}
		}
		f.Add(pdus[0], pdus[1])
	}
	d := New(Options{})
	f.Fuzz(func(t *testing.T, reqPDU, respPDU []byte) {
		p := d.NewParser(nil)
		em := checkingEmitter{t}
		for dir, pdu := range [][]byte{reqPDU, respPDU} {
			if len(pdu) == 0 || len(pdu) > 253 {
				return
			}
			adu := append([]byte{0x12, 0x34, 0, 0, 0, byte(len(pdu) + 1), 0x01}, pdu...)
			if n, err := p.Parse(dissectors.Direction(dir), adu, t0, em); n != len(adu) || err != nil {
				t.Fatalf("Parse = %d, %v on a whole ADU of %d bytes", n, err, len(adu))
			}
			d.Probe(dissectors.Direction(dir), adu, false)
		}
	})
}
