package alerts

import (
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/otsensor/otsensor/sensor/flow"
)

// poll is one short Modbus/TCP poll (a connection per poll) from client
// to server at d after t0: its only update, new and ended, with packets
// both ways.
func poll(id uint64, client, server string, d time.Duration) input {
	f := newFlow(id, "modbus", client, server)
	f.Start = at(d)
	return input{u: &flow.Update{Flow: f, First: at(d), Last: at(d + 100*time.Millisecond), Packets: [2]uint64{3, 2}, New: true, Ended: true}}
}

// oneWay is poll with packets to the server only: the server answers
// nothing.
func oneWay(id uint64, client, server string, d time.Duration) input {
	in := poll(id, client, server, d)
	in.u.Packets = [2]uint64{3, 0}
	return in
}

// polls returns n polls every period from start, ids from id0; the
// HMI .10 polls the PLC .21.
func polls(id0 uint64, start, period time.Duration, n int) []input {
	return repeat(n, func(i int) input {
		return poll(id0+uint64(i), fmt.Sprintf("10.0.0.10:%d", 40000+i%20000), "10.0.0.21:502", start+time.Duration(i)*period)
	})
}

// tick is unrelated traffic between two other hosts at d: it only moves
// packet time forward.
func tick(id uint64, d time.Duration) input {
	return poll(id, "10.0.0.30:50000", "10.0.0.31:80", d)
}

func ticks(id0 uint64, start, step time.Duration, n int) []input {
	return repeat(n, func(i int) input { return tick(id0+uint64(i), start+time.Duration(i)*step) })
}

// silenceCase learns learn, locks at lock and feeds in, with cfg.
type silenceCase struct {
	name  string
	cfg   Config
	learn []input
	lock  time.Duration
	in    []input
	want  []want
}

// The plant learnt: .10 polls .21 every 5 s for 10 minutes, .30 talks to
// .31 irregularly (gaps of 1 to 40 s).
var (
	silencePlant = concat(polls(1000, 0, 5*time.Second, 120), irregular(5000, 0))
	irregularGap = []time.Duration{1, 40, 2, 30, 3, 25, 1, 35, 2, 20, 1, 40, 3, 30, 2, 25}
)

func irregular(id0 uint64, start time.Duration) []input {
	var out []input
	d := start
	for i := 0; d < start+10*time.Minute; i++ {
		out = append(out, tick(id0+uint64(i), d))
		d += irregularGap[i%len(irregularGap)] * time.Second
	}
	return out
}

var silenceCases = []silenceCase{
	{name: "polling link silent 30 s beyond a 10 s floor: one alert", cfg: Config{ChannelInactiveMin: 10 * time.Second},
		learn: silencePlant, lock: 10 * time.Minute,
		in: concat(polls(2000, 10*time.Minute, 5*time.Second, 12), // polls until 10m55s
			ticks(3000, 11*time.Minute+25*time.Second, 5*time.Second, 4)), // 30 s silent at 11m25s, then 15 s more
		want: []want{{rule: "policy.channel_inactive", title: "Communication channel inactive: TCP/502", count: 1, severity: Medium, src: "10.0.0.10", dst: "10.0.0.21:502"}}},
	{name: "default floor: 90 s silent raises nothing", cfg: Config{},
		learn: silencePlant, lock: 10 * time.Minute,
		in: concat(polls(2000, 10*time.Minute, 5*time.Second, 12),
			ticks(3000, 11*time.Minute, 5*time.Second, 19)), // to 12m30s: silent 95 s
		want: nil},
	{name: "default floor: 2 min 10 s silent raises", cfg: Config{},
		learn: silencePlant, lock: 10 * time.Minute,
		in: concat(polls(2000, 10*time.Minute, 5*time.Second, 12),
			ticks(3000, 11*time.Minute, 5*time.Second, 28)), // to 13m15s
		want: []want{{rule: "policy.channel_inactive", count: 1, src: "10.0.0.10", dst: "10.0.0.21:502"}}},
	{name: "talking again re-arms: two silences aggregate", cfg: Config{ChannelInactiveMin: 10 * time.Second},
		learn: silencePlant, lock: 10 * time.Minute,
		in: concat(polls(2000, 10*time.Minute, 5*time.Second, 4), // to 10m15s
			ticks(3000, 10*time.Minute+50*time.Second, 5*time.Second, 6),  // silent: alert
			polls(4000, 11*time.Minute+20*time.Second, 5*time.Second, 4),  // talks again to 11m35s
			ticks(5000, 12*time.Minute+10*time.Second, 5*time.Second, 6)), // silent again
		want: []want{{rule: "policy.channel_inactive", count: 2, src: "10.0.0.10", dst: "10.0.0.21:502"}}},
	{name: "an irregular link raises nothing", cfg: Config{ChannelInactiveMin: 10 * time.Second},
		learn: silencePlant, lock: 10 * time.Minute,
		in: concat(polls(2000, 10*time.Minute, 5*time.Second, 60), // .10 -> .21 keeps polling; .30 -> .31 stops
			polls(2100, 15*time.Minute, 5*time.Second, 1)),
		want: nil},
	{name: "device silent after the threshold", cfg: Config{ChannelInactiveMin: time.Hour},
		learn: silencePlant, lock: 10 * time.Minute,
		// the PLC stops answering at 10m: the HMI keeps polling
		in: repeat(12*10+1, func(i int) input {
			return oneWay(uint64(2000+i), fmt.Sprintf("10.0.0.10:%d", 41000+i), "10.0.0.21:502", 10*time.Minute+time.Duration(i)*5*time.Second)
		}),
		want: []want{{rule: "policy.device_silent", title: "Device is silent", count: 1, severity: Medium, src: "10.0.0.21"}}},
	{name: "device silent: not before the threshold", cfg: Config{ChannelInactiveMin: time.Hour},
		learn: silencePlant, lock: 10 * time.Minute,
		in: repeat(12*9+6, func(i int) input { // to 19m55s: .21 silent 9m55s
			return oneWay(uint64(2000+i), fmt.Sprintf("10.0.0.10:%d", 41000+i), "10.0.0.21:502", 10*time.Minute+time.Duration(i)*5*time.Second)
		}),
		want: nil},
}

func runSilenceCase(tc silenceCase) (*Engine, *Baseline) {
	b := NewBaseline(BaselineConfig{})
	tc.cfg.Baseline = b
	e := NewEngine(tc.cfg)
	feed(e, tc.learn)
	b.Lock(at(tc.lock))
	feed(e, tc.in)
	return e, b
}

func TestSilenceDetections(t *testing.T) {
	for _, tc := range silenceCases {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := runSilenceCase(tc)
			got := e.Alerts()
			checkWants(t, got, tc.want)
			for _, a := range got {
				checkAlert(t, a)
			}
		})
	}
}

// TestSilenceLearnt checks what the plant teaches: the polling link's
// period, regular; the irregular link not regular.
func TestSilenceLearnt(t *testing.T) {
	b := NewBaseline(BaselineConfig{})
	feed(NewEngine(Config{Baseline: b}), silencePlant)
	var poll, irr *BaselineLink
	st := b.Status()
	for i := range st.Links {
		switch st.Links[i].Port {
		case 502:
			poll = &st.Links[i]
		case 80:
			irr = &st.Links[i]
		}
	}
	if poll == nil || irr == nil {
		t.Fatalf("links %+v", st.Links)
	}
	if poll.Period != 5*time.Second || poll.PeriodDev != 0 || poll.Gaps != 119 || !poll.regular() {
		t.Errorf("polling link: period %v dev %v gaps %d regular %v", poll.Period, poll.PeriodDev, poll.Gaps, poll.regular())
	}
	if irr.Gaps < periodMinGaps || irr.regular() {
		t.Errorf("irregular link: period %v dev %v gaps %d regular %v", irr.Period, irr.PeriodDev, irr.Gaps, irr.regular())
	}
}

// TestSilenceLearningMode: the same silences while learning raise
// nothing, and are remembered so that the link is not watched once
// locked.
func TestSilenceLearningMode(t *testing.T) {
	in := concat(silencePlant, ticks(9000, 10*time.Minute, 5*time.Second, 60)) // .10 -> .21 silent for 5 min
	b := NewBaseline(BaselineConfig{})
	e := NewEngine(Config{Baseline: b})
	feed(e, in)
	if a := e.Alerts(); len(a) != 0 {
		t.Fatalf("learning raised %d alerts: %s", len(a), a[0].Rule)
	}
	// replayed into the locked baseline: the silence was learnt
	b.Lock(at(time.Hour))
	e2 := NewEngine(Config{Baseline: b})
	feed(e2, in)
	if a := e2.Alerts(); len(a) != 0 {
		t.Errorf("replay of the learnt input raised %d alerts: %s", len(a), a[0].Rule)
	}
	// the Learn flag on an operational baseline learns too
	e3 := NewEngine(Config{Baseline: b, Learn: true})
	feed(e3, concat(ticks(9100, 2*time.Hour, 10*time.Second, 200)))
	if a := e3.Alerts(); len(a) != 0 {
		t.Errorf("Learn raised %d alerts: %s", len(a), a[0].Rule)
	}
}

func TestSilencePersistence(t *testing.T) {
	db := openBaselineDB(t, t.TempDir())
	defer db.Close()
	s := NewStore(db)
	b := NewBaseline(BaselineConfig{})
	feed(NewEngine(Config{Baseline: b}), silencePlant)
	if err := s.SaveBaseline(b); err != nil {
		t.Fatal(err)
	}
	b2, err := s.LoadBaseline(BaselineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want, got := b.Status().Links, b2.Status().Links
	if len(got) != len(want) {
		t.Fatalf("%d links loaded, %d saved", len(got), len(want))
	}
	for i := range want {
		if got[i].Period != want[i].Period || got[i].PeriodDev != want[i].PeriodDev || got[i].Gaps != want[i].Gaps || got[i].MaxSilence != want[i].MaxSilence {
			t.Errorf("link %d: loaded %+v, saved %+v", i, got[i], want[i])
		}
		if want[i].Gaps == 0 {
			t.Errorf("link %d learnt no gap", i)
		}
	}
	// the loaded baseline detects as the learnt one
	b2.Lock(at(10 * time.Minute))
	e := NewEngine(Config{Baseline: b2, ChannelInactiveMin: 10 * time.Second})
	feed(e, silenceCases[0].in)
	checkWants(t, e.Alerts(), silenceCases[0].want)

	// a second learner merges: gaps add, periods stay
	b3, err := s.LoadBaseline(BaselineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	feed(NewEngine(Config{Baseline: b3}), polls(7000, time.Hour, 5*time.Second, 11))
	if err := s.SaveBaseline(b3); err != nil {
		t.Fatal(err)
	}
	b4, _ := s.LoadBaseline(BaselineConfig{})
	for _, l := range b4.Status().Links {
		if l.Port == 502 && (l.Gaps != 129 || l.Period != 5*time.Second) {
			t.Errorf("merged polling link: gaps %d period %v, want 129 and 5s", l.Gaps, l.Period)
		}
	}
}

// TestSilenceOldRecord: records without the period and silence fields
// (written before them) load, without period, and merge on save.
func TestSilenceOldRecord(t *testing.T) {
	db := openBaselineDB(t, t.TempDir())
	defer db.Close()
	err := db.Update(func(txn *badger.Txn) error {
		if err := txn.Set([]byte("bl/l/10.0.0.10/10.0.0.21/TCP/502"), []byte(`{"v":1,"client":"10.0.0.10","server":"10.0.0.21","transport":"TCP","port":502,"first_seen":"2024-03-01T08:00:00Z","last_seen":"2024-03-01T09:00:00Z","flows":7}`)); err != nil {
			return err
		}
		return txn.Set([]byte("bl/h/10.0.0.21"), []byte(`{"v":1,"ip":"10.0.0.21","first_seen":"2024-03-01T08:00:00Z","last_seen":"2024-03-01T09:00:00Z"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	s := NewStore(db)
	b := loadBaseline(t, s)
	l := linkOf(t, b, "10.0.0.10", "10.0.0.21", 502)
	if l.Flows != 7 || l.Period != 0 || l.Gaps != 0 || l.regular() {
		t.Fatalf("old record: %+v", l)
	}
	feed(NewEngine(Config{Baseline: b}), polls(1, 2*time.Hour, 5*time.Second, 10))
	saveBaseline(t, s, b)
	l = linkOf(t, loadBaseline(t, s), "10.0.0.10", "10.0.0.21", 502)
	if l.Flows != 17 || l.Gaps != 9 || l.Period != 5*time.Second {
		t.Errorf("old record merged: flows %d gaps %d period %v", l.Flows, l.Gaps, l.Period)
	}
}

// TestSilencePeriodOfConnections: a link polled with one connection per
// poll, reported as a new flow then its end 536 µs later (as the flow
// layer does for a short TLS session), learns the poll interval, not the
// connections' length.
func TestSilencePeriodOfConnections(t *testing.T) {
	b := NewBaseline(BaselineConfig{})
	e := NewEngine(Config{Baseline: b})
	for i := range 20 {
		f := newFlow(uint64(100+i), "tls", fmt.Sprintf("10.0.0.10:%d", 40000+i), "10.0.0.40:443")
		start := at(time.Duration(i) * time.Minute)
		f.Start = start
		feed(e, []input{
			{u: &flow.Update{Flow: f, First: start, Last: start, Packets: [2]uint64{1, 0}, New: true}},
			{u: &flow.Update{Flow: f, First: start, Last: start.Add(536 * time.Microsecond), Packets: [2]uint64{6, 5}, Ended: true}},
		})
	}
	st := b.Status()
	if len(st.Links) != 1 {
		t.Fatalf("links %+v", st.Links)
	}
	l := st.Links[0]
	if d := l.Period - time.Minute; d < -time.Millisecond || d > time.Millisecond || !l.regular() || l.Gaps != 19 {
		t.Errorf("period %v (dev %v, %d gaps, regular %v), want 1m", l.Period, l.PeriodDev, l.Gaps, l.regular())
	}
}
