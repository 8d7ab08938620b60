package alerts_test

import (
	"encoding/json"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/inventory"
)

// openStoreDB opens a fresh sensor database in a temp dir, as the CLI does.
func openStoreDB(t *testing.T, dir string, readOnly bool) *badger.DB {
	t.Helper()
	db, err := inventory.OpenDB(dir, readOnly, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	return db
}

var storeT0 = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)

// storeAlert builds an alert by hand, as the engine would.
func storeAlert(id string, count uint64, first, last time.Time) *alerts.Alert {
	return &alerts.Alert{
		V: alerts.SchemaVersion, ID: id, Rule: "tls.weak_version", Title: "TLS version below 1.2",
		Severity: alerts.Medium, Engine: alerts.EngineAnomaly, Category: "weak security",
		Source:      alerts.Endpoint{IP: netip.MustParseAddr("10.0.0.10"), MAC: "00:80:f4:00:00:10"},
		Destination: alerts.Endpoint{IP: netip.MustParseAddr("10.0.0.21"), Port: 443},
		AppProto:    "tls", FlowID: 7, First: first, Last: last, Count: count,
		Evidence: json.RawMessage(`{"version":"TLS 1.0"}`),
		MITRE:    &alerts.Technique{ID: "T0830", Name: "Adversary-in-the-Middle"},
		State:    alerts.StateNew,
	}
}

func TestStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db := openStoreDB(t, dir, false)
	s := alerts.NewStore(db)
	if got, err := s.Load(); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v %v", got, err)
	}
	b := storeAlert("bbbb000000000002", 1, storeT0, storeT0)
	b.MITRE, b.Evidence, b.Destination.Port = nil, nil, 0
	a := storeAlert("aaaa000000000001", 4, storeT0, storeT0.Add(time.Minute))
	if err := s.Merge([]*alerts.Alert{b, a}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Read back through a read-only handle, as the CLI's list does.
	db = openStoreDB(t, dir, true)
	defer db.Close()
	s = alerts.NewStore(db)
	got, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	want := []*alerts.Alert{storeAlert("aaaa000000000001", 4, storeT0, storeT0.Add(time.Minute)), b}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load:\n%s\nwant (sorted by id):\n%s", storeJSON(got), storeJSON(want))
	}
	one, err := s.Get("bbbb000000000002")
	if err != nil || !reflect.DeepEqual(one, b) {
		t.Errorf("Get = %s, %v", storeJSON(one), err)
	}
	for _, id := range []string{"cccc000000000003", "bbbb", "", "schema"} {
		if _, err := s.Get(id); !errors.Is(err, alerts.ErrNotFound) {
			t.Errorf("Get(%q) err %v, want ErrNotFound", id, err)
		}
	}
}

// TestStoreMerge: counts add, first/last widen, the stored state and
// evidence stay, the description follows the newer replay.
func TestStoreMerge(t *testing.T) {
	db := openStoreDB(t, t.TempDir(), false)
	defer db.Close()
	s := alerts.NewStore(db)
	id := "aaaa000000000001"
	stored := storeAlert(id, 3, storeT0.Add(10*time.Second), storeT0.Add(20*time.Second))
	if err := s.Merge([]*alerts.Alert{stored}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetState(id, alerts.StateAcknowledged); err != nil {
		t.Fatal(err)
	}

	next := storeAlert(id, 2, storeT0, storeT0.Add(30*time.Second))
	next.Evidence = json.RawMessage(`{"version":"SSL 3.0"}`)
	next.FlowID = 99
	next.Title = "TLS below 1.2 negotiated"
	next.Severity = alerts.High
	other := storeAlert("bbbb000000000002", 1, storeT0, storeT0)
	other.State = "" // the store makes it "new"
	nextCopy := *next
	if err := s.Merge([]*alerts.Alert{next, other}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*next, nextCopy) {
		t.Error("Merge modified its input")
	}
	got, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Count != 5 || !got.First.Equal(storeT0) || !got.Last.Equal(storeT0.Add(30*time.Second)) {
		t.Errorf("merged count %d first %v last %v, want 5, %v, %v", got.Count, got.First, got.Last, storeT0, storeT0.Add(30*time.Second))
	}
	if got.State != alerts.StateAcknowledged || string(got.Evidence) != `{"version":"TLS 1.0"}` || got.FlowID != 7 {
		t.Errorf("merged state %q evidence %s flow %d, want the stored acknowledged, TLS 1.0, 7", got.State, got.Evidence, got.FlowID)
	}
	if got.Title != next.Title || got.Severity != alerts.High {
		t.Errorf("merged title %q severity %v, want the newer %q high", got.Title, got.Severity, next.Title)
	}
	if o, err := s.Get("bbbb000000000002"); err != nil || o.State != alerts.StateNew || o.Count != 1 {
		t.Errorf("new alert stored as %s, %v", storeJSON(o), err)
	}

	// A range inside the stored one leaves the times alone; the same id
	// twice in one call is merged first.
	in1 := storeAlert(id, 1, storeT0.Add(15*time.Second), storeT0.Add(16*time.Second))
	in2 := storeAlert(id, 4, storeT0.Add(17*time.Second), storeT0.Add(18*time.Second))
	if err := s.Merge([]*alerts.Alert{in1, in2}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(id)
	if got.Count != 10 || !got.First.Equal(storeT0) || !got.Last.Equal(storeT0.Add(30*time.Second)) || got.State != alerts.StateAcknowledged {
		t.Errorf("after a second merge: %s", storeJSON(got))
	}
	all, _ := s.Load()
	if len(all) != 2 {
		t.Errorf("%d alerts stored, want 2", len(all))
	}
}

func TestStoreMergeInvalid(t *testing.T) {
	db := openStoreDB(t, t.TempDir(), false)
	defer db.Close()
	s := alerts.NewStore(db)
	for _, a := range []*alerts.Alert{nil, storeAlert("", 1, storeT0, storeT0), storeAlert("schema", 1, storeT0, storeT0), storeAlert("a/b", 1, storeT0, storeT0)} {
		if err := s.Merge([]*alerts.Alert{storeAlert("aaaa000000000001", 1, storeT0, storeT0), a}); err == nil {
			t.Errorf("Merge accepted id %v", a)
		}
	}
	if all, _ := s.Load(); len(all) != 0 {
		t.Errorf("a refused merge stored %d alerts", len(all))
	}
	if err := s.Merge(nil); err != nil {
		t.Errorf("Merge(nil) = %v", err)
	}
}

func TestStoreSetState(t *testing.T) {
	dir := t.TempDir()
	db := openStoreDB(t, dir, false)
	s := alerts.NewStore(db)
	id := "aaaa000000000001"
	if _, err := s.SetState(id, alerts.StateMuted); !errors.Is(err, alerts.ErrNotFound) {
		t.Errorf("SetState on an empty store: %v, want ErrNotFound", err)
	}
	if err := s.Merge([]*alerts.Alert{storeAlert(id, 1, storeT0, storeT0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetState(id, "closed"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("SetState closed: %v", err)
	}
	if _, err := s.SetState(id[:4], alerts.StateMuted); !errors.Is(err, alerts.ErrNotFound) {
		t.Errorf("SetState by prefix: %v, want ErrNotFound (whole ids only)", err)
	}
	a, err := s.SetState(id, alerts.StateMuted)
	if err != nil || a.State != alerts.StateMuted || a.Count != 1 {
		t.Fatalf("SetState = %s, %v", storeJSON(a), err)
	}
	db.Close()
	db = openStoreDB(t, dir, false)
	defer db.Close()
	s = alerts.NewStore(db)
	if a, err := s.Get(id); err != nil || a.State != alerts.StateMuted {
		t.Errorf("after reopening: %s, %v", storeJSON(a), err)
	}
	if a, err := s.SetState(id, alerts.StateNew); err != nil || a.State != alerts.StateNew {
		t.Errorf("back to new: %s, %v", storeJSON(a), err)
	}
}

// TestStoreNewerSchema: alerts written by a newer otsensor are refused,
// never misread or overwritten.
func TestStoreNewerSchema(t *testing.T) {
	db := openStoreDB(t, t.TempDir(), false)
	defer db.Close()
	s := alerts.NewStore(db)
	id := "aaaa000000000001"
	if err := s.Merge([]*alerts.Alert{storeAlert(id, 1, storeT0, storeT0)}); err != nil {
		t.Fatal(err)
	}
	err := db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte("al/schema"), []byte(`{"v":2}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, err error) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), "newer otsensor") {
			t.Errorf("%s on schema 2: %v, want a newer-otsensor error", what, err)
		}
	}
	_, err = s.Load()
	check("Load", err)
	_, err = s.Get(id)
	check("Get", err)
	check("Merge", s.Merge([]*alerts.Alert{storeAlert(id, 1, storeT0, storeT0)}))
	_, err = s.SetState(id, alerts.StateMuted)
	check("SetState", err)
}

// TestStoreBesideInventory: alerts and inventory share the database
// without reading each other's records.
func TestStoreBesideInventory(t *testing.T) {
	db := openStoreDB(t, t.TempDir(), false)
	defer db.Close()
	inv := inventory.New()
	if err := inventory.NewStore(db).Save(inv); err != nil {
		t.Fatal(err)
	}
	s := alerts.NewStore(db)
	if err := s.Merge([]*alerts.Alert{storeAlert("aaaa000000000001", 1, storeT0, storeT0)}); err != nil {
		t.Fatal(err)
	}
	err := db.Update(func(txn *badger.Txn) error { return txn.Set([]byte("alx"), []byte("not an alert")) })
	if err != nil {
		t.Fatal(err)
	}
	if all, err := s.Load(); err != nil || len(all) != 1 {
		t.Errorf("alerts Load beside the inventory: %d, %v", len(all), err)
	}
	if err := inventory.NewStore(db).Load(inventory.New()); err != nil {
		t.Errorf("inventory Load beside alerts: %v", err)
	}
}

func storeJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func TestStorePut(t *testing.T) {
	db := openStoreDB(t, t.TempDir(), false)
	defer db.Close()
	s := alerts.NewStore(db)
	a := storeAlert("a1", 5, storeT0, storeT0)
	if err := s.Put([]*alerts.Alert{a}); err != nil {
		t.Fatal(err)
	}
	a.Count, a.State = 7, alerts.StateAcknowledged
	if err := s.Put([]*alerts.Alert{a}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get("a1")
	if err != nil || got.Count != 7 || got.State != alerts.StateAcknowledged {
		t.Errorf("stored %+v, %v: want count 7 (replaced, not added)", got, err)
	}
	if err := s.Put([]*alerts.Alert{{ID: "x/y"}}); err == nil {
		t.Error("an id with a slash was stored")
	}
}
