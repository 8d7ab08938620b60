// Package dissectortest holds helpers the dissectors' tests share: test
// input written in hex, and receiving and checking the events a parser
// emits. Only _test.go files import it.
package dissectortest

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

// Func adapts a function to dissectors.Emitter.
type Func func(*dissectors.Event)

// Emit calls f(ev).
func (f Func) Emit(ev *dissectors.Event) { f(ev) }

// Check fails t unless ev is well formed for the protocol proto: exactly
// one of a record and an anomaly, an anomaly of proto named in docs (the
// package's Anomalies), a record of proto whose JSON is valid. It returns
// the record's JSON, or nil for an anomaly.
func Check(t testing.TB, ev *dissectors.Event, proto string, docs []dissectors.AnomalyInfo) []byte {
	t.Helper()
	if (ev.Record == nil) == (ev.Anomaly == nil) {
		t.Fatalf("event with record %v and anomaly %v", ev.Record, ev.Anomaly)
	}
	if an := ev.Anomaly; an != nil {
		if an.AppProto != proto || !slices.ContainsFunc(docs, func(a dissectors.AnomalyInfo) bool { return a.Name == an.Name }) {
			t.Fatalf("undocumented anomaly %q (%q)", an.Name, an.AppProto)
		}
		return nil
	}
	if ev.Record.AppProto() != proto {
		t.Fatalf("record %T of %q", ev.Record, ev.Record.AppProto())
	}
	b, err := json.Marshal(ev.Record)
	if err != nil || !json.Valid(b) {
		t.Fatalf("record JSON %s: %v", b, err)
	}
	return b
}
