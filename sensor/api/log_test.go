package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otsensor/otsensor/inventory"
)

// Every request is one debug line with its method, path and status;
// nothing is logged above debug for requests, failed ones included.
func TestRequestsLoggedAtDebug(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	srv := NewServer(newFake(), zap.New(core))
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/status", 200},
		{"POST", "/v1/alerts/ffff/ack", 404},
		{"GET", "/v1/nope", 404},
	} {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.status {
			t.Fatalf("%s %s = %d", tc.method, tc.path, w.Code)
		}
	}
	entries := logs.All()
	if len(entries) != 3 {
		t.Fatalf("%d log entries, want 3: %v", len(entries), entries)
	}
	for i, e := range entries {
		m := e.ContextMap()
		if e.Level != zapcore.DebugLevel || e.Message != "api request" || m["path"] == nil || m["status"] == nil {
			t.Errorf("entry %d: %s %q %v", i, e.Level, e.Message, m)
		}
	}
	if m := entries[1].ContextMap(); m["method"] != "POST" || m["path"] != "/v1/alerts/ffff/ack" || m["status"] != int64(404) {
		t.Errorf("entry 1: %v", m)
	}
}

type panickingBackend struct{ *fakeBackend }

func (panickingBackend) Snapshot() (*inventory.Snapshot, error) { panic("boom") }

// A backend that panics gets a 500 JSON answer, not a dropped connection.
func TestBackendPanic(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	srv := NewServer(panickingBackend{newFake()}, zap.New(core))
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", "/v1/devices", nil))
	if w.Code != http.StatusInternalServerError || w.Body.String() != `{"error":"internal error","code":"internal"}`+"\n" {
		t.Fatalf("%d %q", w.Code, w.Body)
	}
	if logs.FilterLevelExact(zapcore.ErrorLevel).Len() != 1 {
		t.Errorf("the panic was not logged once at error: %v", logs.All())
	}
}
