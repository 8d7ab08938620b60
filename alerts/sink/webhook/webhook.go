// Package webhook is the sink that POSTs batches of messages as JSON to
// an HTTPS endpoint (https://host/path; http:// only to a loopback host).
//
// One Send is one request: the batch's message bodies as one JSON array,
// Content-Type application/json, User-Agent otsensor, and an
// Idempotency-Key header "<first id>..<last id>" the receiver can use to
// drop a batch it already accepted (a resent batch has the same ids).
// Configured headers may take their value from a secret ("env:NAME",
// "file:/path"); Username/Password add basic authentication; TLS sets a
// custom CA or a client certificate.
//
// The response decides: 2xx is success; 408, 425, 429, 5xx, timeouts and
// network errors are retryable; redirects (never followed) and every
// other 4xx (400, 401, 403, 404, 413, ...) are sink.Permanent, as is a
// refused certificate. Error texts hold the status, Retry-After and a
// short excerpt of the response body, with secrets cut out.
//
// Requests go through the proxy named by HTTPS_PROXY/NO_PROXY, if any
// (never for loopback hosts). Each Send is bounded by cfg.Timeout
// (default 30s) and the caller's ctx; after a network error the next
// Send starts on a new connection.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts/sink"
)

// UserAgent is the User-Agent header sent unless configured otherwise.
const UserAgent = "otsensor"

// Sink posts batches to one webhook URL. It is safe for one Send at a
// time, as the outbox uses it.
type Sink struct {
	name    string
	timeout time.Duration
	set     *settings
	tr      *http.Transport
	client  *http.Client
	log     *zap.Logger

	mu  sync.Mutex
	buf bytes.Buffer // request body, reused between Sends
}

var _ sink.Sink = (*Sink)(nil)

// New validates cfg (URL, headers, credentials, TLS), reads its secrets
// and returns the sink. It does not connect: the first Send does.
func New(cfg sink.Config, log *zap.Logger) (sink.Sink, error) {
	if log == nil {
		log = zap.NewNop()
	}
	set, u, err := parseConfig(cfg)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   2,
	}
	if u.Scheme == "https" {
		tc, err := cfg.TLS.Client(u.Hostname())
		if err != nil {
			return nil, fmt.Errorf("webhook %w", err)
		}
		tr.TLSClientConfig = tc
	}
	if set.insecure {
		log.Warn("webhook: tls insecure_skip_verify is set: the server's certificate is not checked",
			zap.String("sink", cfg.SinkName()))
	}
	s := &Sink{
		name:    cfg.SinkName(),
		timeout: cfg.SendTimeout(),
		set:     set,
		tr:      tr,
		log:     log,
	}
	s.client = &http.Client{
		Transport: tr,
		// Redirects are not followed: a moved endpoint is a configuration
		// to fix, and following one would resend credentials elsewhere.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s, nil
}

// Name returns the configured name or the URL without its query.
func (s *Sink) Name() string { return s.name }

// Send posts batch as one JSON array and classifies the outcome. An
// empty batch sends nothing.
func (s *Sink) Send(ctx context.Context, batch []sink.Message) error {
	if len(batch) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.encode(batch); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.set.target, bytes.NewReader(s.buf.Bytes()))
	if err != nil {
		return sink.Permanent(fmt.Errorf("webhook: POST %s: %v", s.set.safeURL, scrubURLError(err)))
	}
	req.Header.Set("User-Agent", UserAgent)
	for k, v := range s.set.header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	if key := idempotencyKey(batch); key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		// Start the next Send on fresh connections.
		s.tr.CloseIdleConnections()
		return s.transportError(ctx, err)
	}
	return s.responseError(resp)
}

// encode writes the batch's bodies into s.buf as one JSON array. A body
// that is not valid JSON would make the whole request invalid: it is
// refused, naming the message.
func (s *Sink) encode(batch []sink.Message) error {
	s.buf.Reset()
	s.buf.WriteByte('[')
	for i, m := range batch {
		if !json.Valid(m.Body) {
			return sink.Permanent(fmt.Errorf("webhook: message %s (seq %d): body is not valid JSON", m.ID, m.Seq))
		}
		if i > 0 {
			s.buf.WriteByte(',')
		}
		s.buf.Write(m.Body)
	}
	s.buf.WriteByte(']')
	return nil
}

// idempotencyKey is "<first id>..<last id>", or "" when an id would make
// an invalid header value.
func idempotencyKey(batch []sink.Message) string {
	first, last := batch[0].ID, batch[len(batch)-1].ID
	if first == "" || last == "" {
		return ""
	}
	k := first + ".." + last
	if !validHeaderValue(k) || len(k) > 512 {
		return ""
	}
	return k
}

// Close drops the sink's idle connections.
func (s *Sink) Close() error {
	s.tr.CloseIdleConnections()
	return nil
}

// transportError classifies an error from the HTTP client: a refused
// certificate is permanent; everything else (refused, reset, timeout, ctx
// ended) is retryable. The URL the client puts in its errors, which may
// hold a token in its query, is replaced by the URL without query.
func (s *Sink) transportError(ctx context.Context, err error) error {
	inner := scrubURLError(err)
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("webhook: POST %s: no answer before the deadline (timeout %v): %w", s.set.safeURL, s.timeout, inner)
	}
	e := fmt.Errorf("webhook: POST %s: %w", s.set.safeURL, inner)
	if isCertError(inner) {
		return sink.Permanent(e)
	}
	return e
}
