package forward

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/message"
	"github.com/otsensor/otsensor/alerts/outbox"
	"github.com/otsensor/otsensor/alerts/sink"
	sinkall "github.com/otsensor/otsensor/alerts/sink/all"
	"github.com/otsensor/otsensor/inventory"
)

// memSink is a test double of a peer: it keeps what it got, or refuses
// with err.
type memSink struct {
	name string
	mu   sync.Mutex
	err  error
	got  []sink.Message
}

func (m *memSink) Name() string { return m.name }
func (m *memSink) Close() error { return nil }
func (m *memSink) Send(_ context.Context, batch []sink.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	for _, msg := range batch {
		msg.Body = append([]byte(nil), msg.Body...)
		m.got = append(m.got, msg)
	}
	return nil
}

func (m *memSink) messages() []sink.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]sink.Message(nil), m.got...)
}

func openDB(t *testing.T) *badger.DB {
	t.Helper()
	db, err := inventory.OpenDB(t.TempDir(), false, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// open returns a Forwarding on db whose sinks are the given doubles, by
// URL; sensor alerts go to the returned slice.
func open(t *testing.T, db *badger.DB, cfg Config, sinks map[string]*memSink) (*Forwarding, *[]*alerts.Alert) {
	t.Helper()
	var mu sync.Mutex
	raised := &[]*alerts.Alert{}
	cfg.SensorID, cfg.Version = "plant-a", "1.0.0"
	cfg.NewSink = func(c sink.Config, _ *zap.Logger) (sink.Sink, error) {
		s, ok := sinks[c.URL]
		if !ok {
			return nil, errors.New("no such test sink " + c.URL)
		}
		return s, nil
	}
	cfg.Forward.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	cfg.OnAlert = func(a *alerts.Alert) { mu.Lock(); *raised = append(*raised, a); mu.Unlock() }
	f, err := Open(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, raised
}

func testAlert(id string) *alerts.Alert {
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	return &alerts.Alert{V: 1, ID: id, Rule: "modbus.programming", Title: "t", Severity: alerts.High, Engine: alerts.EngineOperational,
		Source: alerts.Endpoint{IP: netip.MustParseAddr("10.0.0.1")}, First: t0, Last: t0, Count: 1, State: alerts.StateNew}
}

func TestAlertsDevicesHeartbeat(t *testing.T) {
	db := openDB(t)
	plain, defender := &memSink{name: "mem://plain"}, &memSink{name: "mem://defender"}
	f, _ := open(t, db, Config{Sinks: []sink.Config{{URL: "mem://plain"}, {URL: "mem://defender", Envelope: "defender"}}},
		map[string]*memSink{"mem://plain": plain, "mem://defender": defender})
	for _, id := range []string{"a1", "a2"} {
		if err := f.Alert(testAlert(id)); err != nil {
			t.Fatal(err)
		}
	}
	devs := []*inventory.Device{
		{ID: "d1", IPs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}, Roles: []string{"modbus_client"}},
		{ID: "d2", IPs: []netip.Addr{netip.MustParseAddr("10.0.0.2")}, Roles: []string{"modbus_server"}},
	}
	if n, err := f.Devices(devs); n != 2 || err != nil {
		t.Fatalf("first Devices: %d, %v", n, err)
	}
	devs[0].LastSeen = time.Unix(1e9, 0) // times do not count as a change
	if n, err := f.Devices(devs); n != 0 || err != nil {
		t.Fatalf("unchanged Devices: %d, %v", n, err)
	}
	devs[1].Roles = append(devs[1].Roles, "dnp3_outstation")
	if n, err := f.Devices(devs); n != 1 || err != nil {
		t.Fatalf("changed Devices: %d, %v", n, err)
	}
	if err := f.Heartbeat(message.Heartbeat{Time: time.Unix(1e9, 0), Packets: 42}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := plain.messages()
	var types []string
	for _, m := range got {
		types = append(types, m.Type+":"+strings.SplitN(m.ID, "-", 3)[0])
	}
	if want := "alert:a1 alert:a2 device:dev device:dev device:dev heartbeat:hb"; strings.Join(types, " ") != want {
		t.Errorf("plain sink got %v, want %s", types, want)
	}
	hb, err := message.Decode(got[len(got)-1].Body)
	if err != nil || hb.Heartbeat == nil || hb.Heartbeat.Packets != 42 || hb.Heartbeat.SensorID != "plant-a" || hb.Heartbeat.Version != "1.0.0" ||
		hb.Heartbeat.Outbox.Depth != 5 /* before the heartbeat */ || len(hb.Heartbeat.Sinks) != 2 {
		t.Errorf("heartbeat %+v: %v", hb.Heartbeat, err)
	}
	d := defender.messages()
	if len(d) != len(got) {
		t.Fatalf("defender sink got %d messages, plain %d", len(d), len(got))
	}
	var env struct {
		AgentVersion string
		Events       []struct{ Payload []json.RawMessage }
	}
	if err := json.Unmarshal(d[0].Body, &env); err != nil || env.AgentVersion != "1.0.0" || len(env.Events) != 1 {
		t.Fatalf("defender body %s: %v", d[0].Body, err)
	}
	if doc, err := message.Decode(env.Events[0].Payload[0]); err != nil || doc.Alert == nil || doc.Alert.ID != "a1" {
		t.Errorf("defender payload: %+v %v", doc, err)
	}
	st, _ := f.Outbox().Status()
	if st.Depth != 0 {
		t.Errorf("outbox depth %d after both sinks confirmed", st.Depth)
	}
}

func TestSinkFailingAlert(t *testing.T) {
	db := openDB(t)
	good, bad := &memSink{name: "mem://good"}, &memSink{name: "mem://bad", err: sink.Permanent(errors.New("401 unauthorized"))}
	f, raised := open(t, db, Config{Sinks: []sink.Config{{URL: "mem://good"}, {URL: "mem://bad"}}},
		map[string]*memSink{"mem://good": good, "mem://bad": bad})
	if err := f.Alert(testAlert("a1")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := f.Flush(ctx)
	var pe *outbox.PendingError
	if !errors.As(err, &pe) || pe.Sink != "mem://bad" {
		t.Fatalf("Flush: %v, want what is pending for mem://bad", err)
	}
	if len(*raised) != 1 || (*raised)[0].Rule != "sensor.sink_failing" || !strings.Contains((*raised)[0].Title, "mem://bad") {
		t.Fatalf("raised %+v", *raised)
	}
	// The failing alert itself went to the outbox: the good sink gets it.
	if err := f.Flush(ctx); err == nil {
		t.Fatal("the bad sink stopped failing")
	}
	var rules []string
	for _, m := range good.messages() {
		doc, _ := message.Decode(m.Body)
		rules = append(rules, doc.Alert.Rule)
	}
	if strings.Join(rules, " ") != "modbus.programming sensor.sink_failing" {
		t.Errorf("good sink got %v", rules)
	}
}

func TestOutboxDroppedAlert(t *testing.T) {
	db := openDB(t)
	down := &memSink{name: "mem://down", err: errors.New("connection refused")}
	f, raised := open(t, db, Config{Outbox: outbox.Config{MaxBytes: 4096}, Sinks: []sink.Config{{URL: "mem://down"}}},
		map[string]*memSink{"mem://down": down})
	for i := range 40 {
		if err := f.Alert(testAlert("a" + string(rune('a'+i%26)) + string(rune('a'+i/26)))); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := f.Outbox().Status()
	if len(st.Sinks) != 1 || st.Sinks[0].Dropped == 0 {
		t.Fatalf("status %+v: nothing dropped", st)
	}
	var drops uint64
	for _, a := range *raised {
		if a.Rule != "sensor.outbox_dropped" {
			t.Errorf("raised %s", a.Rule)
		}
		var ev struct{ Dropped uint64 }
		json.Unmarshal(a.Evidence, &ev)
		drops += ev.Dropped
	}
	if len(*raised) == 0 || drops != st.Sinks[0].Dropped {
		t.Errorf("%d alerts counting %d drops, the outbox counted %d", len(*raised), drops, st.Sinks[0].Dropped)
	}
}

// TestFileSinkEndToEnd forwards through the real file sink, built from a
// --sink URL by the factory the CLI uses.
func TestFileSinkEndToEnd(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	sc, err := sink.ParseURL("file://" + filepath.Join(dir, "out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open(db, Config{SensorID: "s1", Version: "v", Sinks: []sink.Config{sc}, NewSink: sinkall.Factory("s1", "v")})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Alert(testAlert("x1")); err != nil {
		t.Fatal(err)
	}
	if err := f.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := message.Decode([]byte(strings.TrimSpace(string(b))))
	if err != nil || doc.ID != "x1" || doc.SensorID != "s1" {
		t.Errorf("file holds %s: %v", b, err)
	}
}

func TestOpenRejects(t *testing.T) {
	db := openDB(t)
	for _, tc := range []struct {
		sinks []sink.Config
		want  string
	}{
		{[]sink.Config{{URL: "mem://a"}, {URL: "mem://a"}}, "configured twice"},
		{[]sink.Config{{URL: "mem://a", Envelope: "xml"}}, "envelope"},
		{[]sink.Config{{URL: "gopher://x"}}, "unknown scheme"},
	} {
		_, err := Open(db, Config{Sinks: tc.sinks, NewSink: func(c sink.Config, l *zap.Logger) (sink.Sink, error) {
			if c.URL == "mem://a" {
				return &memSink{name: c.URL}, nil
			}
			return sinkall.Factory("s", "v")(c, l)
		}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.sinks, err, tc.want)
		}
	}
}
