package finding

import (
	"slices"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

var docs = []dissectors.AnomalyInfo{{Name: "x.a"}, {Name: "x.b"}, {Name: "x.c"}}

type log []string

func (l *log) Emit(ev *dissectors.Event) {
	if ev.Record != nil || ev.Anomaly == nil {
		panic("not an anomaly event")
	}
	*l = append(*l, ev.Anomaly.Name+":"+ev.Anomaly.Detail)
}

func TestSet(t *testing.T) {
	var s Set
	if !s.Empty() {
		t.Fatal("zero Set not empty")
	}
	s.Add(2, "first c")
	s.Add(0, "first a")
	s.Add(2, "second c")
	if s.Empty() || !s.Has(0) || s.Has(1) || !s.Has(2) || s.Kinds() != 0b101 {
		t.Fatalf("kinds %b", s.Kinds())
	}
	var o Set
	o.Add(1, "from o")
	o.Add(2, "not kept")
	s.Merge(&o)
	if got := s.Names(docs); !slices.Equal(got, []string{"x.a", "x.b", "x.c"}) {
		t.Errorf("names %v", got)
	}
	var l log
	var ev dissectors.Event
	var an dissectors.Anomaly
	s.Emit(&l, &ev, &an, docs)
	if want := (log{"x.a:first a", "x.b:from o", "x.c:first c"}); !slices.Equal(l, want) {
		t.Errorf("emitted %v, want %v", l, want)
	}
	s.Reset()
	if !s.Empty() {
		t.Error("Reset left kinds")
	}
	s.Add(0, "after reset")
	l = nil
	s.Emit(&l, &ev, &an, docs)
	if want := (log{"x.a:after reset"}); !slices.Equal(l, want) {
		t.Errorf("after Reset emitted %v, want %v", l, want)
	}
}

func TestEmitAllocs(t *testing.T) {
	var s Set
	s.Add(0, "a")
	s.Add(31, "last")
	docs := make([]dissectors.AnomalyInfo, MaxKinds)
	var ev dissectors.Event
	var an dissectors.Anomaly
	var n int
	out := counter{&n}
	if a := testing.AllocsPerRun(100, func() { s.Emit(out, &ev, &an, docs) }); a != 0 {
		t.Errorf("Emit allocates %v times", a)
	}
	if n != 2*101 {
		t.Errorf("%d events", n)
	}
}

type counter struct{ n *int }

func (c counter) Emit(*dissectors.Event) { *c.n++ }
