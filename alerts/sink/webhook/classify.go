package webhook

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/otsensor/otsensor/alerts/sink"
)

const (
	// readLimit bounds how much of a response body is read (then the
	// connection is dropped rather than drained).
	readLimit = 64 << 10
	// excerptLen bounds the response excerpt quoted in an error.
	excerptLen = 200
)

// retryableStatus tells whether a non-2xx status is worth retrying:
// request timeout, too early, throttled, or a server-side error.
func retryableStatus(code int) bool {
	switch {
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly, code == http.StatusTooManyRequests:
		return true
	case code >= 500:
		return true
	}
	return false
}

// responseError reads (a bounded part of) resp's body, closes it and
// classifies the status: nil for 2xx, a plain error for retryable
// statuses, sink.Permanent for redirects and other 4xx.
func (s *Sink) responseError(resp *http.Response) error {
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, readLimit))
	resp.Body.Close()

	code := resp.StatusCode
	if code >= 200 && code <= 299 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "webhook: POST %s: %s", s.set.safeURL, resp.Status)
	if code >= 300 && code <= 399 {
		if loc := resp.Header.Get("Location"); loc != "" {
			fmt.Fprintf(&b, ", redirect to %s not followed", s.redact(stripQuery(loc)))
		}
	}
	if code == http.StatusRequestEntityTooLarge {
		b.WriteString(" (lower the sink's batch_size)")
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		fmt.Fprintf(&b, " (Retry-After %s)", s.redact(printable(ra, 64)))
	}
	if ex := printable(s.redact(string(head)), excerptLen); ex != "" {
		fmt.Fprintf(&b, ": %q", ex)
	}
	err := errors.New(b.String())
	if code < 200 || retryableStatus(code) {
		return err
	}
	return sink.Permanent(err)
}

// redact replaces every secret (password, basic-auth token, secret
// header values, query values) found in text.
func (s *Sink) redact(text string) string {
	for _, sec := range s.set.secrets {
		if len(sec) >= 4 {
			text = strings.ReplaceAll(text, sec, "[redacted]")
		}
	}
	return text
}

// printable trims text to at most n bytes of whole runes, with control
// characters and invalid UTF-8 replaced by spaces and runs of spaces
// collapsed.
func printable(text string, n int) string {
	var b strings.Builder
	space := false
	for _, r := range text {
		if b.Len()+utf8.RuneLen(r) > n {
			break
		}
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || r == ' ' {
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), " ")
}

// stripQuery drops a URL's query and fragment.
func stripQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

// isCertError tells whether err is a certificate the client refused, or
// a TLS alert by which the server refused ours. crypto/tls reports a
// received alert as a *net.OpError "remote error" around an unexported
// type, so the alert is recognised by its text.
func isCertError(err error) bool {
	var (
		verify  *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		invalid x509.CertificateInvalidError
		host    x509.HostnameError
		alert   tls.AlertError
		op      *net.OpError
	)
	switch {
	case errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &host):
		return true
	case errors.As(err, &alert):
		return certAlert(alert.Error())
	case errors.As(err, &op) && op.Op == "remote error" && op.Err != nil:
		return certAlert(op.Err.Error())
	}
	return false
}

// certAlert tells whether a TLS alert's text says a certificate was
// refused, missing or unknown.
func certAlert(text string) bool {
	switch strings.TrimPrefix(text, "tls: ") {
	case "bad certificate", "unsupported certificate", "revoked certificate",
		"expired certificate", "unknown certificate", "unknown certificate authority",
		"access denied", "certificate required":
		return true
	}
	return false
}
