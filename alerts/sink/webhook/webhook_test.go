package webhook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

func TestSendBodyAndHeaders(t *testing.T) {
	srv := newServer(t, true, nil)
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("s3cret-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokFile := filepath.Join(dir, "tok")
	if err := os.WriteFile(tokFile, []byte("file-token-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OTSENSOR_TEST_API_KEY", "env-key-456")
	s := newSink(t, sink.Config{
		URL:      srv.URL() + "/ingest/alerts?tenant=7",
		Username: "sensor",
		Password: sink.Secret{File: pwFile},
		TLS:      sink.TLSConfig{CAFile: srv.CAFile()},
		Headers: map[string]string{
			"X-Api-Key": "env:OTSENSOR_TEST_API_KEY",
			"X-Token":   "file:" + tokFile,
			"X-Site":    "plant-a",
		},
	})
	batch := sinktest.Messages(1, 3)
	if err := s.Send(context.Background(), batch); err != nil {
		t.Fatalf("Send: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/ingest/alerts" || r.Query != "tenant=7" {
		t.Errorf("request %s %s?%s, want POST /ingest/alerts?tenant=7", r.Method, r.Path, r.Query)
	}
	want := map[string]string{
		"Content-Type":    "application/json",
		"User-Agent":      "otsensor",
		"Idempotency-Key": "m0001..m0003",
		"X-Api-Key":       "env-key-456",
		"X-Token":         "file-token-123",
		"X-Site":          "plant-a",
		"Authorization":   "Basic " + base64.StdEncoding.EncodeToString([]byte("sensor:s3cret-pw")),
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	// The body is the three bodies, unchanged, as one JSON array.
	var docs []json.RawMessage
	if err := json.Unmarshal(r.Body, &docs); err != nil {
		t.Fatalf("body is not a JSON array: %v\n%s", err, r.Body)
	}
	if len(docs) != len(batch) {
		t.Fatalf("%d documents, want %d", len(docs), len(batch))
	}
	for i, d := range docs {
		if string(d) != string(batch[i].Body) {
			t.Errorf("document %d = %s, want %s", i, d, batch[i].Body)
		}
	}
	if got := srv.IDs(); strings.Join(got, ",") != "m0001,m0002,m0003" {
		t.Errorf("ids %v", got)
	}
}

func TestEmptyBatchSendsNothing(t *testing.T) {
	srv := newServer(t, false, nil)
	s := newSink(t, sink.Config{URL: srv.URL() + "/x"})
	if err := s.Send(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests for an empty batch", n)
	}
}

func TestInvalidBodyIsPermanent(t *testing.T) {
	srv := newServer(t, false, nil)
	s := newSink(t, sink.Config{URL: srv.URL() + "/x"})
	batch := sinktest.Messages(1, 2)
	batch[1].Body = []byte(`{"id":"m0002",`) // truncated JSON
	err := s.Send(context.Background(), batch)
	if !sink.IsPermanent(err) || !strings.Contains(err.Error(), "m0002") {
		t.Fatalf("err = %v, want a permanent error naming m0002", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent with an invalid body", n)
	}
}

func TestStatusClassification(t *testing.T) {
	const (
		ok = iota
		retry
		permanent
	)
	tests := []struct {
		code       int
		retryAfter string
		want       int
	}{
		{200, "", ok},
		{201, "", ok},
		{202, "", ok},
		{204, "", ok},
		{408, "", retry},
		{425, "", retry},
		{429, "17", retry},
		{500, "", retry},
		{502, "", retry},
		{503, "120", retry},
		{504, "", retry},
		{400, "", permanent},
		{401, "", permanent},
		{403, "", permanent},
		{404, "", permanent},
		{405, "", permanent},
		{413, "", permanent},
		{422, "", permanent},
		{301, "", permanent},
		{302, "", permanent},
		{307, "", permanent},
		{308, "", permanent},
	}
	var code atomic.Int64
	var retryAfter atomic.Value
	srv := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			w.WriteHeader(http.StatusOK) // a followed redirect would land here
			return
		}
		code := int(code.Load())
		if retryAfter := retryAfter.Load().(string); retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		if code/100 == 3 {
			w.Header().Set("Location", "/moved?sig=abc")
		}
		w.WriteHeader(code)
		fmt.Fprintf(w, "status %d body", code)
	})
	s := newSink(t, sink.Config{URL: srv.URL() + "/hook"})
	for _, tc := range tests {
		code.Store(int64(tc.code))
		retryAfter.Store(tc.retryAfter)
		err := s.Send(context.Background(), sinktest.Messages(1, 1))
		var got int
		switch {
		case err == nil:
			got = ok
		case sink.IsPermanent(err):
			got = permanent
		default:
			got = retry
		}
		if got != tc.want {
			t.Errorf("status %d: err = %v, class %d, want %d", tc.code, err, got, tc.want)
			continue
		}
		if err == nil {
			continue
		}
		if !strings.Contains(err.Error(), fmt.Sprint(tc.code)) {
			t.Errorf("status %d: error %q does not name the status", tc.code, err)
		}
		if tc.retryAfter != "" && !strings.Contains(err.Error(), "Retry-After "+tc.retryAfter) {
			t.Errorf("status %d: error %q does not report Retry-After", tc.code, err)
		}
		if tc.code/100 != 3 && !strings.Contains(err.Error(), fmt.Sprintf("status %d body", tc.code)) {
			t.Errorf("status %d: error %q does not quote the response", tc.code, err)
		}
	}
	for _, r := range srv.Requests() {
		if r.Path == "/moved" {
			t.Errorf("a redirect was followed")
		}
	}
}

func TestPeerRestartOnSamePort(t *testing.T) {
	srv := newServer(t, true, nil)
	s := newSink(t, sink.Config{URL: srv.URL() + "/hook", TLS: sink.TLSConfig{CAFile: srv.CAFile()}})
	ctx := context.Background()
	if err := s.Send(ctx, sinktest.Messages(1, 2)); err != nil {
		t.Fatalf("first Send: %v", err)
	}
	srv.Stop()
	start := time.Now()
	err := s.Send(ctx, sinktest.Messages(3, 2))
	if err == nil || sink.IsPermanent(err) {
		t.Fatalf("Send to a stopped peer: err = %v, want a retryable error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send to a stopped peer took %v", d)
	}
	srv.Start()
	if err := s.Send(ctx, sinktest.Messages(3, 2)); err != nil {
		t.Fatalf("Send after restart: %v", err)
	}
	if got := strings.Join(srv.IDs(), ","); got != "m0001,m0002,m0003,m0004" {
		t.Errorf("received %s", got)
	}
}

func TestSlowPeerHitsTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	s := newSink(t, sink.Config{URL: srv.URL() + "/slow", Timeout: sink.Duration(300 * time.Millisecond)})

	start := time.Now()
	err := s.Send(context.Background(), sinktest.Messages(1, 1))
	d := time.Since(start)
	if err == nil || sink.IsPermanent(err) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
	}
	if d < 250*time.Millisecond || d > 3*time.Second {
		t.Errorf("Send returned after %v, want about the 300ms timeout", d)
	}

	// The caller's ctx ends first: Send returns its error promptly.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	s2 := newSink(t, sink.Config{URL: srv.URL() + "/slow", Timeout: sink.Duration(time.Minute)})
	err = s2.Send(ctx, sinktest.Messages(1, 1))
	if !errors.Is(err, context.Canceled) || sink.IsPermanent(err) {
		t.Errorf("err = %v, want a retryable error wrapping context.Canceled", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Send returned %v after its ctx was cancelled", d)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	const (
		password = "pw-Very-Secret-1"
		apiKey   = "key-Very-Secret-2"
		bearer   = "tok-Very-Secret-3"
		queryTok = "sig-Very-Secret-4"
	)
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte(password), 0o600); err != nil {
		t.Fatal(err)
	}
	bearerFile := filepath.Join(dir, "bearer")
	if err := os.WriteFile(bearerFile, []byte("Bearer "+bearer+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OTSENSOR_TEST_SECRET", apiKey)
	// The server echoes the whole request back in a 401 and a 500.
	var code atomic.Int64
	srv := newServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", r.URL.String())
		w.WriteHeader(int(code.Load()))
		fmt.Fprintf(w, "url=%s headers=%v", r.URL, r.Header)
	})
	secrets := []string{password, apiKey, bearer, queryTok,
		base64.StdEncoding.EncodeToString([]byte("u:" + password))}
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		for _, sec := range secrets {
			if strings.Contains(err.Error(), sec) {
				t.Errorf("%s: error holds secret %q: %v", what, sec, err)
			}
		}
	}
	basic := newSink(t, sink.Config{
		URL:      srv.URL() + "/hook?sig=" + queryTok,
		Username: "u",
		Password: sink.Secret{File: pwFile},
		Headers:  map[string]string{"X-Api-Key": "env:OTSENSOR_TEST_SECRET"},
	})
	tok := newSink(t, sink.Config{
		URL:     srv.URL() + "/hook?sig=" + queryTok,
		Headers: map[string]string{"Authorization": "file:" + bearerFile},
	})
	for _, c := range []int{401, 500, 302} {
		code.Store(int64(c))
		check(fmt.Sprintf("basic, status %d", c), basic.Send(context.Background(), sinktest.Messages(1, 1)))
		check(fmt.Sprintf("bearer, status %d", c), tok.Send(context.Background(), sinktest.Messages(1, 1)))
	}
	// The server echoed the secrets: the test would be vacuous otherwise.
	if reqs := srv.Requests(); len(reqs) == 0 || reqs[0].Header.Get("X-Api-Key") != apiKey {
		t.Fatalf("the secret header did not reach the server")
	}
	srv.Stop()
	check("peer down", basic.Send(context.Background(), sinktest.Messages(1, 1)))

	// New's errors name the variable or file, not the value.
	t.Setenv("OTSENSOR_TEST_BAD", "a\x01"+apiKey)
	_, err := New(sink.Config{URL: "https://example.com/x", Headers: map[string]string{"X-K": "env:OTSENSOR_TEST_BAD"}}, nil)
	check("bad header value", err)
}

func TestNewValidation(t *testing.T) {
	dir := t.TempDir()
	nl := filepath.Join(dir, "nl")
	if err := os.WriteFile(nl, []byte("line1\nline2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OTSENSOR_TEST_SET", "v")
	tests := []struct {
		name    string
		cfg     sink.Config
		wantErr string // "" = accepted
	}{
		{"https", sink.Config{URL: "https://example.com/hook"}, ""},
		{"http loopback v4", sink.Config{URL: "http://127.0.0.1:8080/hook"}, ""},
		{"http loopback v4 other", sink.Config{URL: "http://127.3.2.1/hook"}, ""},
		{"http loopback v6", sink.Config{URL: "http://[::1]:8080/hook"}, ""},
		{"http localhost", sink.Config{URL: "http://localhost/hook"}, ""},
		{"http remote", sink.Config{URL: "http://example.com/hook"}, "loopback"},
		{"http private ip", sink.Config{URL: "http://10.0.0.1/hook"}, "loopback"},
		{"http with tls", sink.Config{URL: "http://127.0.0.1/hook", TLS: sink.TLSConfig{CAFile: "/x"}}, "http://"},
		{"other scheme", sink.Config{URL: "ftp://example.com/x"}, "scheme"},
		{"no host", sink.Config{URL: "https:///x"}, "no host"},
		{"password without user", sink.Config{URL: "https://example.com/x", Password: sink.Secret{Env: "OTSENSOR_TEST_SET"}}, "username"},
		{"missing password env", sink.Config{URL: "https://example.com/x", Username: "u", Password: sink.Secret{Env: "OTSENSOR_TEST_UNSET"}}, "OTSENSOR_TEST_UNSET"},
		{"missing header env", sink.Config{URL: "https://example.com/x", Headers: map[string]string{"X-K": "env:OTSENSOR_TEST_UNSET"}}, "OTSENSOR_TEST_UNSET"},
		{"missing header file", sink.Config{URL: "https://example.com/x", Headers: map[string]string{"X-K": "file:" + dir + "/none"}}, "X-K"},
		{"header value with newline", sink.Config{URL: "https://example.com/x", Headers: map[string]string{"X-K": "file:" + nl}}, "control character"},
		{"reserved header", sink.Config{URL: "https://example.com/x", Headers: map[string]string{"content-type": "text/plain"}}, "Content-Type"},
		{"bad header name", sink.Config{URL: "https://example.com/x", Headers: map[string]string{"X K": "v"}}, "header name"},
		{"authorization twice", sink.Config{URL: "https://example.com/x", Username: "u", Headers: map[string]string{"Authorization": "Bearer x"}}, "Authorization"},
		{"missing ca file", sink.Config{URL: "https://example.com/x", TLS: sink.TLSConfig{CAFile: dir + "/none.pem"}}, "ca_file"},
	}
	for _, tc := range tests {
		_, err := New(tc.cfg, nil)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.wantErr != "" && err == nil:
			t.Errorf("%s: accepted, want an error about %q", tc.name, tc.wantErr)
		case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestNameHasNoQuery(t *testing.T) {
	s := newSink(t, sink.Config{URL: "https://example.com/hook?code=abc"})
	if got := s.Name(); got != "https://example.com/hook" {
		t.Errorf("Name() = %q", got)
	}
}
