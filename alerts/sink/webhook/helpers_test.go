package webhook

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// request is what a test server saw of one request.
type request struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// server is a webhook receiver on a fixed loopback address that a test
// can stop and start again on the same address.
type server struct {
	t       testing.TB
	addr    string
	useTLS  bool
	ca      *sinktest.CA // issued the TLS server's certificate
	tlsCfg  *tls.Config
	handler http.HandlerFunc // answers after recording; nil: 200

	mu   sync.Mutex
	srv  *httptest.Server
	reqs []request
	ids  []string // message ids of accepted (2xx) requests, in order
}

// newServer starts a receiver on a free loopback port; it is stopped in
// t.Cleanup.
func newServer(t testing.TB, useTLS bool, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{t: t, useTLS: useTLS, handler: h}
	if useTLS {
		s.ca = sinktest.NewCA(t, "webhook")
		s.tlsCfg = s.ca.ServerConfig(false)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.startOn(ln)
	s.addr = ln.Addr().String()
	t.Cleanup(s.Stop)
	return s
}

// startOn serves on ln.
func (s *server) startOn(ln net.Listener) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Listener.Close()
	srv.Listener = ln
	if s.useTLS {
		srv.TLS = s.tlsCfg
		srv.StartTLS()
	} else {
		srv.Start()
	}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
}

// Start brings the receiver back on its address.
func (s *server) Start() {
	s.t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		ln, err = net.Listen("tcp", s.addr)
		if !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("restart on %s: %v", s.addr, err)
	}
	s.startOn(ln)
}

// Stop closes the listener and every connection.
func (s *server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.reqs = append(s.reqs, request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()
	rec := httptest.NewRecorder()
	if s.handler != nil {
		s.handler(rec, r)
	}
	if rec.Code/100 == 2 {
		var docs []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(body, &docs); err != nil {
			http.Error(w, "bad json: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		for _, d := range docs {
			s.ids = append(s.ids, d.ID)
		}
		s.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// Requests returns a copy of the requests seen so far.
func (s *server) Requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.reqs...)
}

// IDs returns the ids of accepted messages, in arrival order.
func (s *server) IDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...)
}

// URL is the receiver's base URL.
func (s *server) URL() string {
	if s.useTLS {
		return "https://" + s.addr
	}
	return "http://" + s.addr
}

// CAFile is the PEM file of the CA that issued the TLS server's
// certificate (for 127.0.0.1, ::1 and localhost).
func (s *server) CAFile() string {
	s.t.Helper()
	if s.ca == nil {
		s.t.Fatal("CAFile of a server without TLS")
	}
	return s.ca.File
}

// newSink builds a webhook sink or fails the test.
func newSink(t testing.TB, cfg sink.Config) sink.Sink {
	t.Helper()
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
