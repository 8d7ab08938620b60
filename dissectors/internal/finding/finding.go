// Package finding collects the anomalies a dissector finds while decoding
// one unit (a PDU, fragment, packet or handshake) and emits them as
// anomaly events, without allocating.
package finding

import (
	"math/bits"

	"github.com/otsensor/otsensor/dissectors"
)

// MaxKinds is how many anomaly kinds a Set can hold.
const MaxKinds = 32

// Kind indexes a dissector's documented anomalies: kind k is named
// Anomalies[k].Name in the dissector's package.
type Kind uint8

// Set holds the anomalies found: at most one of each kind, with the first
// detail given for it. The zero Set is empty; Reset empties a Set without
// clearing all of it.
type Set struct {
	bits   uint32
	detail [MaxKinds]string
}

// Add records kind k with detail, unless k is already in s.
func (s *Set) Add(k Kind, detail string) {
	if s.bits&(1<<k) == 0 {
		s.bits |= 1 << k
		s.detail[k] = detail
	}
}

// Reset empties s.
func (s *Set) Reset() { s.bits = 0 }

// Has reports whether kind k is in s.
func (s *Set) Has(k Kind) bool { return s.bits&(1<<k) != 0 }

// Empty reports whether s holds no kind.
func (s *Set) Empty() bool { return s.bits == 0 }

// Kinds is the set of kinds in s, bit k for kind k.
func (s *Set) Kinds() uint32 { return s.bits }

// Names lists the names of the kinds in s, in kind order, from docs (the
// dissector's Anomalies). It allocates: it is meant for tests.
func (s *Set) Names(docs []dissectors.AnomalyInfo) []string {
	var out []string
	for b := s.bits; b != 0; b &= b - 1 {
		out = append(out, docs[bits.TrailingZeros32(b)].Name)
	}
	return out
}

// Merge adds the kinds of o to s, keeping the details s already has.
func (s *Set) Merge(o *Set) {
	for b := o.bits; b != 0; b &= b - 1 {
		k := Kind(bits.TrailingZeros32(b))
		s.Add(k, o.detail[k])
	}
}

// Emit sends one anomaly event per kind in s, in kind order, named after
// docs[kind] (the dissector's Anomalies). ev and an are reused, as in
// Emit.
func (s *Set) Emit(out dissectors.Emitter, ev *dissectors.Event, an *dissectors.Anomaly, docs []dissectors.AnomalyInfo) {
	for b := s.bits; b != 0; b &= b - 1 {
		k := Kind(bits.TrailingZeros32(b))
		Emit(out, ev, an, docs[k].Name, s.detail[k])
	}
}

// Emit sends the anomaly name with detail through out, filling an and
// pointing ev (which keeps its flow, time and direction) at it.
func Emit(out dissectors.Emitter, ev *dissectors.Event, an *dissectors.Anomaly, name, detail string) {
	an.Name, an.Detail = name, detail
	ev.Record, ev.Anomaly = nil, an
	out.Emit(ev)
}
