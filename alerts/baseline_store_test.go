package alerts

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/inventory"
)

func openBaselineDB(t *testing.T, dir string) *badger.DB {
	t.Helper()
	db, err := inventory.OpenDB(dir, false, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func loadBaseline(t *testing.T, s *Store) *Baseline {
	t.Helper()
	b, err := s.LoadBaseline(BaselineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func saveBaseline(t *testing.T, s *Store, b *Baseline) {
	t.Helper()
	if err := s.SaveBaseline(b); err != nil {
		t.Fatal(err)
	}
}

// learnInto feeds in to an engine on b.
func learnInto(b *Baseline, in []input) *Engine {
	e := NewEngine(Config{Baseline: b})
	feed(e, in)
	return e
}

func linkOf(t *testing.T, b *Baseline, client, server string, port uint16) BaselineLink {
	t.Helper()
	for _, l := range b.Status().Links {
		if l.Client.String() == client && l.Server.String() == server && l.Port == port && l.Transport == "TCP" {
			return l
		}
	}
	t.Fatalf("no link %s -> %s:%d in %+v", client, server, port, b.Status().Links)
	return BaselineLink{}
}

func TestBaselineStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db := openBaselineDB(t, dir)
	s := NewStore(db)
	b := loadBaseline(t, s)
	if b.Mode() != ModeLearning || b.Status().HostCount != 0 {
		t.Fatalf("a new data dir: %+v", b.Status())
	}
	learnInto(b, policyPlant)
	b.Lock(at(time.Hour))
	learnInto(b, []input{fl(1, "10.0.0.99:41000", "10.0.0.21:502", 2*time.Hour)}) // a new device, with its window
	saveBaseline(t, s, b)
	want := b.Status()
	db.Close()

	db = openBaselineDB(t, dir)
	defer db.Close()
	got := loadBaseline(t, NewStore(db)).Status()
	if got.Mode != ModeOperational || !got.LockedAt.Equal(at(time.Hour)) {
		t.Fatalf("mode %s locked at %v", got.Mode, got.LockedAt)
	}
	if got.HostCount != 4 || got.LinkCount != 3 || len(got.Hosts) != 4 || len(got.Links) != 3 {
		t.Fatalf("read back %d hosts %d links", got.HostCount, got.LinkCount)
	}
	for i := range want.Hosts {
		w, g := want.Hosts[i], got.Hosts[i]
		if w.IP != g.IP || !w.First.Equal(g.First) || !w.Last.Equal(g.Last) || !w.LearnUntil.Equal(g.LearnUntil) {
			t.Errorf("host %d: %+v, saved %+v", i, g, w)
		}
	}
	if h := got.Hosts[3]; h.IP.String() != "10.0.0.99" || !h.LearnUntil.Equal(at(2*time.Hour+7*day)) {
		t.Errorf("new device read back as %+v", h)
	}
	for i := range want.Links {
		w, g := want.Links[i], got.Links[i]
		if w.Client != g.Client || w.Server != g.Server || w.Transport != g.Transport || w.Port != g.Port ||
			w.Flows != g.Flows || !w.First.Equal(g.First) || !w.Last.Equal(g.Last) {
			t.Errorf("link %d: %+v, saved %+v", i, g, w)
		}
	}
}

// TestBaselineStoreMerge: two baselines loaded from the same store and
// saved one after the other add up; saving twice adds nothing twice.
func TestBaselineStoreMerge(t *testing.T) {
	db := openBaselineDB(t, t.TempDir())
	defer db.Close()
	s := NewStore(db)
	b0 := loadBaseline(t, s)
	learnInto(b0, policyPlant) // 10->21:502 two flows at t0 and t0+1m
	saveBaseline(t, s, b0)

	b1, b2 := loadBaseline(t, s), loadBaseline(t, s)
	learnInto(b1, []input{
		fl(1, "10.0.0.10:41000", "10.0.0.21:502", 2*time.Hour),
		fl(2, "10.0.0.10:41001", "10.0.0.21:502", 3*time.Hour),
	})
	learnInto(b2, []input{
		fl(3, "10.0.0.10:41002", "10.0.0.21:502", -time.Hour),
		fl(4, "10.0.0.30:41003", "10.0.0.21:502", time.Hour),
	})
	saveBaseline(t, s, b1)
	saveBaseline(t, s, b1) // nothing new: no flow counted twice
	saveBaseline(t, s, b2)
	got := loadBaseline(t, s)
	l := linkOf(t, got, "10.0.0.10", "10.0.0.21", 502)
	if l.Flows != 5 || !l.First.Equal(at(-time.Hour)) || !l.Last.Equal(at(3*time.Hour)) {
		t.Fatalf("merged link: %d flows, %v to %v; want 5 flows, t0-1h to t0+3h", l.Flows, l.First, l.Last)
	}
	if s := got.Status(); s.HostCount != 4 || s.LinkCount != 3 {
		t.Fatalf("merged: %d hosts, %d links", s.HostCount, s.LinkCount)
	}
	// b2 holds the merged records after its save
	if l2 := linkOf(t, b2, "10.0.0.10", "10.0.0.21", 502); l2.Flows != 5 {
		t.Fatalf("b2 after save: %d flows", l2.Flows)
	}
	h := got.host(netip.MustParseAddr("10.0.0.10"))
	if h == nil || !h.First.Equal(at(-time.Hour)) || !h.Last.Equal(at(3*time.Hour)) {
		t.Fatalf("merged host %+v", h)
	}
}

// TestBaselineStoreMode: the stored mode wins unless the saver changed it.
func TestBaselineStoreMode(t *testing.T) {
	db := openBaselineDB(t, t.TempDir())
	defer db.Close()
	s := NewStore(db)
	replay := loadBaseline(t, s) // a replay starts, learning
	cli := loadBaseline(t, s)    // "baseline lock" meanwhile
	cli.Lock(at(time.Hour))
	saveBaseline(t, s, cli)
	learnInto(replay, policyPlant)
	saveBaseline(t, s, replay) // did not change the mode: the lock stays
	if replay.Mode() != ModeOperational || !replay.LockedAt().Equal(at(time.Hour)) {
		t.Fatalf("after save the replay's baseline is %s (locked %v)", replay.Mode(), replay.LockedAt())
	}
	if b := loadBaseline(t, s); b.Mode() != ModeOperational || b.Status().HostCount != 3 {
		t.Fatalf("stored: %s with %d hosts", b.Mode(), b.Status().HostCount)
	}
	replay.Learn() // changed by the caller: it wins
	saveBaseline(t, s, replay)
	if b := loadBaseline(t, s); b.Mode() != ModeLearning || !b.LockedAt().IsZero() {
		t.Fatalf("after Learn: %s locked %v", b.Mode(), b.LockedAt())
	}
	// and a caller that changed nothing does not flip it back
	saveBaseline(t, s, cli)
	if b := loadBaseline(t, s); b.Mode() != ModeLearning {
		t.Fatalf("an unchanged mode overwrote the stored one: %s", b.Mode())
	}
}

// TestBaselineStoreLearnUntil: a host keeps the earlier end of its
// learning window, none (learnt in learning mode) being the earliest.
func TestBaselineStoreLearnUntil(t *testing.T) {
	db := openBaselineDB(t, t.TempDir())
	defer db.Close()
	s := NewStore(db)
	dev := []input{fl(1, "10.0.0.99:41000", "10.0.0.21:502", 2*time.Hour)}
	op := loadBaseline(t, s)
	learnInto(op, policyPlant)
	op.Lock(at(time.Hour))
	learnInto(op, dev) // .99 learnt with a window
	lrn := NewBaseline(BaselineConfig{})
	learnInto(lrn, dev) // .99 learnt while learning: no window
	saveBaseline(t, s, op)
	lrn.modeSet = true // as if Learn() was called: it must not matter for hosts
	saveBaseline(t, s, lrn)
	if h := loadBaseline(t, s).host(netip.MustParseAddr("10.0.0.99")); h == nil || !h.LearnUntil.IsZero() {
		t.Fatalf("merged host %+v: want no window", h)
	}
}

func TestBaselineStoreReset(t *testing.T) {
	db := openBaselineDB(t, t.TempDir())
	defer db.Close()
	s := NewStore(db)
	b := loadBaseline(t, s)
	learnInto(b, policyPlant)
	b.Lock(at(time.Hour))
	saveBaseline(t, s, b)
	// an alert stored beside it survives the reset
	e := NewEngine(Config{})
	feed(e, []input{umas(fMB, 0)})
	if err := s.Merge(e.Alerts()); err != nil {
		t.Fatal(err)
	}
	if err := s.ResetBaseline(); err != nil {
		t.Fatal(err)
	}
	got := loadBaseline(t, s).Status()
	if got.Mode != ModeLearning || got.HostCount != 0 || got.LinkCount != 0 {
		t.Fatalf("after reset: %+v", got)
	}
	err := db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixBaseline)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			t.Errorf("key %q left after reset", it.Item().Key())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if al, err := s.Load(); err != nil || len(al) != 1 {
		t.Fatalf("alerts after a baseline reset: %d, %v", len(al), err)
	}
}

func TestBaselineStoreSchema(t *testing.T) {
	db := openBaselineDB(t, t.TempDir())
	defer db.Close()
	s := NewStore(db)
	put := func(k, v string) {
		t.Helper()
		if err := db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(k), []byte(v)) }); err != nil {
			t.Fatal(err)
		}
	}
	put(keyBaselineSchema, `{"v":99}`)
	if _, err := s.LoadBaseline(BaselineConfig{}); err == nil || !strings.Contains(err.Error(), "newer otsensor") {
		t.Fatalf("newer schema: %v", err)
	}
	if err := s.SaveBaseline(NewBaseline(BaselineConfig{})); err == nil {
		t.Fatal("saved over a newer schema")
	}
	put(keyBaselineSchema, `{"v":1}`)
	put(keyBaselineMode, `{"v":1,"mode":"sleeping"}`)
	if _, err := s.LoadBaseline(BaselineConfig{}); err == nil || !strings.Contains(err.Error(), "sleeping") {
		t.Fatalf("bad mode: %v", err)
	}
	put(keyBaselineMode, `{"v":1,"mode":"learning"}`)
	put(prefixBaselineLink+"x", `{"v":1,"client":"10.0.0.1","server":"10.0.0.2","transport":"SCTP","port":1}`)
	if _, err := s.LoadBaseline(BaselineConfig{}); err == nil || !strings.Contains(err.Error(), "SCTP") {
		t.Fatalf("bad transport: %v", err)
	}
}

// TestBaselineLoadCaps: a stored baseline larger than the caps loads
// bounded, counting what it left out.
func TestBaselineLoadCaps(t *testing.T) {
	db := openBaselineDB(t, t.TempDir())
	defer db.Close()
	s := NewStore(db)
	b := loadBaseline(t, s)
	learnInto(b, policyPlant)
	saveBaseline(t, s, b)
	small, err := s.LoadBaseline(BaselineConfig{MaxHosts: 2, MaxLinks: 1})
	if err != nil {
		t.Fatal(err)
	}
	if st := small.Status(); st.HostCount != 2 || st.LinkCount != 1 || st.DroppedHosts != 1 || st.DroppedLinks != 1 {
		t.Fatalf("bounded load: %+v", st)
	}
}
