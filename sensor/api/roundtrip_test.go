package api

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts"
)

// Every Backend method goes client -> socket -> server -> backend and
// back: what the client returns has the JSON of what the backend
// returned.
func TestRoundTrip(t *testing.T) {
	f := newFake()
	s := serve(t, f)
	c := s.client(t)

	check := func(name string, got, want any) {
		t.Helper()
		if g, w := jsonOf(got), jsonOf(want); g != w {
			t.Errorf("%s: %s", name, diff(g, w))
		}
	}

	snap, err := c.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	check("Snapshot devices", snap.Devices, f.snap.Devices)
	check("Snapshot links", snap.Links, f.snap.Links)
	// The rebuilt snapshot is usable: found by IP, with its links.
	if d, ok := snap.Find("192.168.10.21"); !ok || d.ID != "a1b2c3d4e5f60718" {
		t.Errorf("Find(plc IP) on the client's snapshot = %v, %v", d, ok)
	} else if l := snap.LinksOf(d); len(l) != 1 || l[0].Port != 502 {
		t.Errorf("LinksOf(plc) = %s", jsonOf(l))
	}

	list, err := c.Alerts()
	if err != nil {
		t.Fatal(err)
	}
	check("Alerts", list, f.alerts)

	a, err := c.SetAlertState("3F2A", alerts.StateAcknowledged) // a prefix, in capitals
	if err != nil {
		t.Fatal(err)
	}
	want, _ := f.SetAlertState("3F2A", alerts.StateAcknowledged)
	check("SetAlertState ack", a, want)
	if a.ID != policyID || a.State != alerts.StateAcknowledged {
		t.Errorf("ack: got alert %s in state %s", a.ID, a.State)
	}
	a, err = c.SetAlertState(protoID, alerts.StateMuted)
	if err != nil {
		t.Fatal(err)
	}
	if f.lastCall() != "state "+protoID+" muted" || a.State != alerts.StateMuted {
		t.Errorf("mute: backend called with %q, returned state %s", f.lastCall(), a.State)
	}

	a, err = c.LearnAlert(policyID[:6])
	if err != nil {
		t.Fatal(err)
	}
	want, _ = f.LearnAlert(policyID[:6])
	check("LearnAlert", a, want)
	if a.State != alerts.StateLearned {
		t.Errorf("learn: state %s", a.State)
	}

	bl, err := c.Baseline()
	if err != nil {
		t.Fatal(err)
	}
	check("Baseline", bl, f.baseline)

	for _, tc := range []struct {
		verb     string
		learnFor time.Duration
		call     string
	}{
		{"lock", 0, "baseline lock 0"},
		{"learn", 0, "baseline learn 0"},
		{"learn", 7 * 24 * time.Hour, "baseline learn 604800000000000"},
		{"learn", 90*time.Minute + 1, "baseline learn 5400000000001"}, // survives the query exactly
		{"reset", 0, "baseline reset 0"},
	} {
		got, err := c.SwitchBaseline(tc.verb, tc.learnFor)
		if err != nil {
			t.Fatalf("%s: %v", tc.verb, err)
		}
		if f.lastCall() != tc.call {
			t.Errorf("SwitchBaseline(%s, %s): backend got %q, want %q", tc.verb, tc.learnFor, f.lastCall(), tc.call)
		}
		want, _ := f.SwitchBaseline(tc.verb, tc.learnFor)
		check("SwitchBaseline "+tc.verb, got, want)
	}

	ob, err := c.Outbox()
	if err != nil {
		t.Fatal(err)
	}
	check("Outbox", ob, f.outbox) // outbox.Status's own JSON: every field

	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	check("Status", st, f.status)
	check("Status.Outbox", st.Outbox, f.status.Outbox)
	check("Status.Interfaces", st.Interfaces, f.status.Interfaces)
	if st.Uptime != f.status.Uptime || !st.Started.Equal(f.status.Started) {
		t.Errorf("Status uptime %s started %s, want %s %s", st.Uptime, st.Started, f.status.Uptime, f.status.Started)
	}
}

// The fixture sets every field of the types the API converts by hand, so
// that a field the conversion forgets fails TestRoundTrip.
func TestFixtureFillsConvertedTypes(t *testing.T) {
	f := newFake()
	assertAllSet(t, "outbox.Status", f.outbox)
	assertAllSet(t, "outbox.SinkStatus", f.outbox.Sinks[0])
	assertAllSet(t, "Status", *f.status)
	assertAllSet(t, "Interface", f.status.Interfaces[1])
}

func assertAllSet(t *testing.T, name string, v any) {
	t.Helper()
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		if rv.Field(i).IsZero() {
			t.Errorf("%s.%s is zero in the fixture", name, rv.Type().Field(i).Name)
		}
	}
}

// What the routes write, read as a plain HTTP client (curl) would.
func TestWireFormat(t *testing.T) {
	s := serve(t, newFake())
	for _, tc := range []struct {
		path string
		has  []string
	}{
		{"/v1/ping", []string{`{"api":"v1"}`}},
		{"/v1/status", []string{`"sensor_id":"plant-a"`, `"uptime_ns":86400000000005`, `"started":"2024-02-29T08:00:00.123456789+01:00"`,
			`"outbox":{"depth":12,"bytes":3400,"max_bytes":67108864,`, `"bytes_per_day_estimate":2400`,
			`"interfaces":[{"name":"eth1","packets":1000,"bytes":64000,"kernel_drops":3,"queue_freezes":1,"quiet":false,"last_packet":"2024-03-01T08:00:00.123456789+01:00"}`,
			`"alerts":{"total":2,"by_state":{"acknowledged":1,"new":1},"by_severity":{"high":1,"medium":1}}`}},
		{"/v1/inventory", []string{`{"devices":[{"id":"0718a1b2c3d4e5f6"`, `"links":[{"client_id":"0718a1b2c3d4e5f6"`}},
		{"/v1/devices", []string{`[{"id":"0718a1b2c3d4e5f6"`, `"unit_ids":[1,255]`}},
		{"/v1/links", []string{`[{"client_id":"0718a1b2c3d4e5f6"`, `"function_codes":{"16":1,"3":3}`}},
		{"/v1/alerts", []string{`[{"v":1,"id":"3f2a9c0d17e4b6a8"`, `"severity":"medium"`}},
		{"/v1/baseline", []string{`{"mode":"operational"`}},
		{"/v1/outbox", []string{`"sinks":[{"name":"file","pending":1,`, `"last_error_permanent":true`}},
	} {
		code, h, body := s.raw(t, "GET", tc.path)
		if code != 200 || h.Get("Content-Type") != "application/json" {
			t.Errorf("GET %s: %d %s: %s", tc.path, code, h.Get("Content-Type"), body)
			continue
		}
		if !json.Valid([]byte(body)) {
			t.Errorf("GET %s: invalid JSON %s", tc.path, body)
		}
		for _, want := range tc.has {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: no %s in %s", tc.path, want, clipTo(body, 600))
			}
		}
	}
}

// An empty inventory and alert list are [] on the wire, and the client
// gets an empty snapshot that finds nothing.
func TestEmptyLists(t *testing.T) {
	f := &fakeBackend{}
	s := serve(t, f)
	for path, want := range map[string]string{
		"/v1/inventory": `{"devices":[],"links":[]}`,
		"/v1/devices":   `[]`,
		"/v1/links":     `[]`,
		"/v1/alerts":    `[]`,
	} {
		if code, _, body := s.raw(t, "GET", path); code != 200 || body != want {
			t.Errorf("GET %s = %d %s, want %s", path, code, body, want)
		}
	}
	snap, err := s.client(t).Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snap.Find("192.168.10.21"); ok || len(snap.Devices) != 0 {
		t.Errorf("empty snapshot: %s", jsonOf(snap))
	}
}
