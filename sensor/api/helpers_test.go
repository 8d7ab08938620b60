package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

// served is a real server on a real socket in a test's temp dir.
type served struct {
	path   string
	cancel context.CancelFunc
	done   chan error // Serve's result
}

// serve runs a server of b on a socket under a missing directory of
// t.TempDir(), waits until it answers, and stops it when the test ends.
func serve(t *testing.T, b Backend) *served {
	t.Helper()
	return serveAt(t, b, filepath.Join(t.TempDir(), "run", "otsensor.sock"), 0o660, "")
}

func serveAt(t *testing.T, b Backend, path string, mode uint32, group string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &served{path: path, cancel: cancel, done: make(chan error, 1)}
	srv := NewServer(b, zaptest.NewLogger(t))
	go func() { s.done <- srv.Serve(ctx, path, fsMode(mode), group) }()
	deadline := time.Now().Add(5 * time.Second)
	for !Running(path) {
		select {
		case err := <-s.done:
			cancel()
			t.Fatalf("Serve returned before answering: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatal("the server did not answer within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop ends the server and checks that Serve returned nil.
func (s *served) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	if s.done == nil {
		return
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Serve did not return within 10s of its context ending")
	}
	s.done = nil
}

func (s *served) client(t *testing.T) *Client {
	t.Helper()
	c, err := Dial(s.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// raw sends a request as it is written, for what the Client never sends.
func (s *served) raw(t *testing.T, method, target string) (int, http.Header, string) {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", s.path)
		},
	}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequest(method, "http://otsensor"+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, strings.TrimSpace(string(body))
}

func fsMode(m uint32) os.FileMode { return os.FileMode(m) }
