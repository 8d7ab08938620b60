package alerts

import (
	"fmt"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

func umas(f *dissectors.Flow, d time.Duration) input {
	return rec(f, at(d), dissectors.ToServer, mbReq(90, "umas", 1))
}

func TestOnNewAndChanged(t *testing.T) {
	var news []string
	e := NewEngine(Config{OnNew: func(a *Alert) { news = append(news, a.Rule+" "+a.Title) }})
	feed(e, []input{umas(fMB, 0), umas(fMB, time.Second)})
	if len(news) != 1 {
		t.Fatalf("OnNew called %d times for one alert: %v", len(news), news)
	}
	ch := e.Changed()
	if len(ch) != 1 || ch[0].Count != 2 {
		t.Fatalf("Changed: %+v", ch)
	}
	if ch := e.Changed(); len(ch) != 0 {
		t.Fatalf("Changed again without events: %d alerts", len(ch))
	}
	feed(e, []input{umas(fMB, 2*time.Second), rec(fDN, at(3*time.Second), dissectors.ToServer, dnReq(13, "cold_restart"))})
	if ch := e.Changed(); len(ch) != 2 {
		t.Fatalf("Changed after an aggregation and a new alert: %d alerts", len(ch))
	}
	if len(news) != 2 {
		t.Fatalf("OnNew called %d times for two alerts", len(news))
	}
}

func TestFirstLastWiden(t *testing.T) {
	e := NewEngine(Config{})
	feed(e, []input{umas(fMB, time.Minute), umas(fMB, 0), umas(fMB, 2*time.Minute)})
	a := e.Alerts()[0]
	if !a.First.Equal(t0) || !a.Last.Equal(at(2*time.Minute)) || a.Count != 3 {
		t.Fatalf("first %v last %v count %d", a.First, a.Last, a.Count)
	}
	if a.FlowID != fMB.ID {
		t.Fatalf("flow id %d, want the first flow's %d", a.FlowID, fMB.ID)
	}
}

func TestRestore(t *testing.T) {
	e1 := NewEngine(Config{})
	feed(e1, []input{umas(fMB, 0)})
	stored := *e1.Alerts()[0]
	stored.State = StateAcknowledged

	called := 0
	e2 := NewEngine(Config{OnNew: func(*Alert) { called++ }})
	e2.Restore(&stored)
	feed(e2, []input{umas(fMB2, time.Hour)})
	got := e2.Alerts()
	if len(got) != 1 || got[0].ID != stored.ID || got[0].Count != 2 || got[0].State != StateAcknowledged || called != 0 {
		t.Fatalf("restored alert: %+v (OnNew called %d times)", got, called)
	}
	if !got[0].Last.Equal(at(time.Hour)) {
		t.Fatalf("last %v", got[0].Last)
	}
}

func TestMaxAlerts(t *testing.T) {
	e := NewEngine(Config{MaxAlerts: 2})
	feed(e, []input{
		anomaly(fMB, at(0), "modbus", "modbus.invalid_length"),
		anomaly(fMB, at(1), "modbus", "modbus.invalid_value"),
		anomaly(fMB, at(2), "modbus", "modbus.unknown_function"), // dropped
		anomaly(fMB, at(3), "modbus", "modbus.invalid_length"),   // aggregated
	})
	s := e.Stats()
	if s.Alerts != 2 || s.DroppedAlerts != 1 || s.Raised != 2 || s.Hits != 4 {
		t.Fatalf("stats %+v", s)
	}
}

func TestMaxTracked(t *testing.T) {
	e := NewEngine(Config{MaxTracked: 4})
	// 6 sources each open one flow: 2 are not tracked.
	for i := range 6 {
		feed(e, []input{newFlowUpdate(newFlow(uint64(i+1), "", fmt.Sprintf("10.2.0.%d:5000", i+1), server+":80"), at(time.Duration(i)*time.Second), 1)})
	}
	if s := e.Stats(); s.DroppedState == 0 {
		t.Fatalf("stats %+v: nothing dropped", s)
	}
	// once they are idle for a window, new sources are tracked again
	before := e.Stats().DroppedState
	feed(e, []input{newFlowUpdate(newFlow(99, "", "10.3.0.1:5000", server+":80"), at(10*time.Minute), 1)})
	if s := e.Stats(); s.DroppedState != before {
		t.Fatalf("idle state was not forgotten: %+v", s)
	}
	if n := len(e.scans.addrs.m); n > 4 {
		t.Fatalf("%d sources tracked, cap 4", n)
	}
}

func TestKeyString(t *testing.T) {
	k := alertKey{rule: ruleModbusProgramming, src: hostOf(fMB.Client), dst: serviceOf(fMB.Server), n: 90}
	if got, want := k.String(), "src=10.0.0.10|dst=10.0.0.21:502|n=90"; got != want {
		t.Fatalf("key %q, want %q", got, want)
	}
	// the id is the documented function of rule and key
	if got, want := makeID("modbus.programming", k.String()), makeID("modbus.programming", "src=10.0.0.10|dst=10.0.0.21:502|n=90"); got != want {
		t.Fatal("id")
	}
}

// TestSetBaseline: after a reset, the engine learns into the new baseline
// and keeps nothing of the old one's entries.
func TestSetBaseline(t *testing.T) {
	old := NewBaseline(BaselineConfig{})
	e := NewEngine(Config{Baseline: old})
	feed(e, polls(1, 0, 5*time.Second, 20))
	if len(old.Status().Links) != 1 {
		t.Fatalf("old baseline: %+v", old.Status())
	}
	fresh := NewBaseline(BaselineConfig{})
	e.SetBaseline(fresh)
	feed(e, polls(100, 200*time.Second, 5*time.Second, 3))
	st := fresh.Status()
	if len(st.Links) != 1 || st.Links[0].Flows != 3 || old.Status().Links[0].Flows != 20 {
		t.Errorf("fresh %+v, old %+v", st.Links, old.Status().Links)
	}
}
