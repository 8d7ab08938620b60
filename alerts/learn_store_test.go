package alerts_test

import (
	"encoding/json"
	"net/netip"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts"
)

// TestStoreLearnedState: the learned state is stored, read back, and kept
// when later replays merge the same alert; the cause learnt into the
// baseline survives a save and a load.
func TestStoreLearnedState(t *testing.T) {
	if !alerts.ValidState(alerts.StateLearned) || alerts.StateLearned != "learned" {
		t.Fatalf("StateLearned %q not a valid state", alerts.StateLearned)
	}
	dir := t.TempDir()
	db := openStoreDB(t, dir, false)
	s := alerts.NewStore(db)
	// A new port 5020 between a known HMI and PLC, as the engine raises it.
	a := &alerts.Alert{
		V: alerts.SchemaVersion, ID: "c0ffee0000000001", Rule: "policy.new_link", Title: "New port TCP/5020 between a known client and server",
		Severity: alerts.Medium, Engine: alerts.EnginePolicy, Category: "new_activity",
		Source:      alerts.Endpoint{IP: netip.MustParseAddr("10.0.0.10")},
		Destination: alerts.Endpoint{IP: netip.MustParseAddr("10.0.0.21"), Port: 5020},
		AppProto:    "modbus", First: storeT0, Last: storeT0, Count: 2, State: alerts.StateNew,
		Evidence: json.RawMessage(`{"known_pair":true,"flow":{"flow_id":3,"transport":"TCP","client":"10.0.0.10","server":"10.0.0.21","port":5020,"app_proto":"modbus"}}`),
	}
	if err := s.Merge([]*alerts.Alert{a}); err != nil {
		t.Fatal(err)
	}
	b, err := s.LoadBaseline(alerts.BaselineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := s.Get(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.LearnAlert(stored); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveBaseline(b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetState(a.ID, alerts.StateLearned); err != nil {
		t.Fatal(err)
	}
	// A later replay raises it again.
	again := *a
	again.Count, again.Last = 1, storeT0.Add(time.Hour)
	if err := s.Merge([]*alerts.Alert{&again}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openStoreDB(t, dir, true)
	defer db.Close()
	s = alerts.NewStore(db)
	got, err := s.Get(a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != alerts.StateLearned || got.Count != 3 {
		t.Errorf("read back: state %q count %d, want learned 3", got.State, got.Count)
	}
	b, err = s.LoadBaseline(alerts.BaselineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	st := b.Status()
	want := alerts.BaselineLink{Client: a.Source.IP, Server: a.Destination.IP, Transport: "TCP", Port: 5020, AppProto: "modbus", First: storeT0, Last: storeT0, Flows: 1}
	if len(st.Links) != 1 || st.Links[0] != want {
		t.Errorf("baseline links %+v, want [%+v]", st.Links, want)
	}
	if st.HostCount != 2 {
		t.Errorf("baseline hosts %d, want both ends", st.HostCount)
	}
}
