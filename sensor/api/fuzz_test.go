package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts"
)

// FuzzRequest sends any method, path and query to the handler (the
// request line is what the server parses by hand). Invariants: no panic,
// no hang; every answer is 200 or a JSON error with a known code and its
// status; the backend only sees valid ids, verbs and periods.
func FuzzRequest(f *testing.F) {
	for _, seed := range [][3]string{
		{"GET", "/v1/status", ""},
		{"GET", "/v1/inventory", ""},
		{"GET", "/v1/devices", ""},
		{"GET", "/v1/alerts", "state=new"},
		{"POST", "/v1/alerts/3f2a9c0d17e4b6a8/ack", ""},
		{"POST", "/v1/alerts/3f2a/mute", ""},
		{"POST", "/v1/alerts/3F2A9C/learn", ""},
		{"POST", "/v1/alerts/3f%2F2a/ack", ""},
		{"POST", "/v1/alerts/%zz/ack", ""},
		{"POST", "/v1/alerts//ack", ""},
		{"POST", "/v1/baseline/learn", "for=7d"},
		{"POST", "/v1/baseline/learn", "for=168h0m0s"},
		{"POST", "/v1/baseline/learn", "for=99999999999999999999d"},
		{"POST", "/v1/baseline/lock", "for=1h"},
		{"POST", "/v1/baseline/reset", "for=%zz;x"},
		{"GET", "/v1/changes", ""},
		{"GET", "/v1/outbox", ""},
		{"DELETE", "/v1/baseline", ""},
		{"GET", "/v1//", ""},
		{"GET", "/", ""},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	cb := &checkingBackend{fakeBackend: newFake()}
	srv := NewServer(cb, nil)
	canceled, cancel := context.WithCancel(context.Background())
	cancel() // streams end at once
	f.Fuzz(func(t *testing.T, method, rawPath, rawQuery string) {
		if method == "" || strings.ContainsAny(method, " \r\n") {
			return
		}
		u := &url.URL{Path: rawPath, RawQuery: rawQuery}
		if p, err := url.PathUnescape(rawPath); err == nil {
			u = &url.URL{Path: p, RawPath: rawPath, RawQuery: rawQuery}
		}
		req := (&http.Request{Method: method, URL: u, Header: http.Header{}}).WithContext(canceled)
		w := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			srv.ServeHTTP(w, req)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s %s?%s hangs", method, rawPath, rawQuery)
		}
		if bad := cb.take(); bad != "" {
			t.Fatalf("%s %s?%s reached the backend as %s", method, rawPath, rawQuery, bad)
		}
		if w.Code == http.StatusOK {
			return
		}
		var e errorJSON
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
			t.Fatalf("%s %s?%s: %d answer %q is not a JSON error", method, rawPath, rawQuery, w.Code, w.Body)
		}
		if st, ok := statusOf(e.Code); !ok || st != w.Code {
			t.Fatalf("%s %s?%s: status %d with code %q", method, rawPath, rawQuery, w.Code, e.Code)
		}
	})
}

// checkingBackend notes input the server should have refused before
// handing it to the backend.
type checkingBackend struct {
	*fakeBackend
	mu  sync.Mutex
	bad string
}

func (c *checkingBackend) note(format string, args ...any) {
	c.mu.Lock()
	c.bad = fmt.Sprintf(format, args...)
	c.mu.Unlock()
}

func (c *checkingBackend) take() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.bad
	c.bad = ""
	return b
}

func (c *checkingBackend) SetAlertState(id, state string) (*alerts.Alert, error) {
	if !validID(id) || (state != alerts.StateAcknowledged && state != alerts.StateMuted) {
		c.note("SetAlertState(%q, %q)", id, state)
	}
	return c.fakeBackend.SetAlertState(id, state)
}

func (c *checkingBackend) LearnAlert(id string) (*alerts.Alert, error) {
	if !validID(id) {
		c.note("LearnAlert(%q)", id)
	}
	return c.fakeBackend.LearnAlert(id)
}

func (c *checkingBackend) SwitchBaseline(verb string, d time.Duration) (alerts.BaselineStatus, error) {
	if (verb != "lock" && verb != "learn" && verb != "reset") || d < 0 || (d > 0 && verb != "learn") {
		c.note("SwitchBaseline(%q, %s)", verb, d)
	}
	return c.fakeBackend.SwitchBaseline(verb, d)
}

// FuzzParseLearningPeriod: any string parses to a non-negative period or
// an error, and a period the client sends (Duration.String) reads back
// exactly.
func FuzzParseLearningPeriod(f *testing.F) {
	for _, s := range []string{"7d", "36h", "0", "168h0m0s", "1h30m0.5s", "-1d", "106752d", "9223372036854775807ns", ".d", "+1d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseLearningPeriod(s)
		if err != nil {
			return
		}
		if d < 0 {
			t.Fatalf("%q -> negative %s", s, d)
		}
		if back, err := ParseLearningPeriod(d.String()); err != nil || back != d {
			t.Fatalf("%q -> %s -> %s, %v", s, d, back, err)
		}
	})
}
