package webhook

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/otsensor/otsensor/alerts/sink"
)

// reserved tells whether the sink sets header key itself, so that
// cfg.Headers may not override it.
func reserved(key string) bool {
	switch key {
	case "Content-Type", "Content-Length", "Content-Encoding", "Transfer-Encoding",
		"Connection", "Host", "Idempotency-Key":
		return true
	}
	return false
}

// settings is a validated configuration: the target URL (without user
// information), the headers to send and the secret strings to keep out
// of error messages.
type settings struct {
	target   string // URL requests go to, without user info
	safeURL  string // target for error messages: no query, no fragment
	header   http.Header
	secrets  []string
	insecure bool
}

// parseConfig validates cfg and reads its secrets.
func parseConfig(cfg sink.Config) (*settings, *url.URL, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("webhook url: cannot parse it (%v)", scrubURLError(err))
	}
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, nil, fmt.Errorf("webhook url: http:// sends alerts in clear text and is allowed only to a loopback host (127.0.0.0/8, ::1, localhost); use https://%s%s", u.Host, u.EscapedPath())
		}
		if cfg.TLS != (sink.TLSConfig{}) {
			return nil, nil, fmt.Errorf("webhook tls: settings given for an http:// url; use https://")
		}
	default:
		return nil, nil, fmt.Errorf("webhook url: scheme %q is not https (or http to a loopback host)", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, nil, fmt.Errorf("webhook url: no host in it")
	}
	if _, has := u.User.Password(); has {
		return nil, nil, fmt.Errorf("webhook url: holds a password; give it as password (env or file) instead")
	}
	user := cfg.Username
	if user == "" && u.User != nil {
		user = u.User.Username()
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""

	s := &settings{target: u.String(), header: make(http.Header), insecure: cfg.TLS.InsecureSkipVerify}
	safe := *u
	safe.RawQuery = ""
	s.safeURL = safe.String()
	if u.RawQuery != "" {
		// A query often carries a token (?code=..., ?sig=...).
		s.secrets = append(s.secrets, u.RawQuery)
		for _, vs := range u.Query() {
			s.secrets = append(s.secrets, vs...)
		}
	}

	if cfg.Password.IsSet() {
		if user == "" {
			return nil, nil, fmt.Errorf("webhook password: given without username")
		}
		pw, err := cfg.Password.Read()
		if err != nil {
			return nil, nil, fmt.Errorf("webhook password: %w", err)
		}
		s.secrets = append(s.secrets, pw)
		s.header.Set("Authorization", basicAuth(user, pw))
	} else if user != "" {
		s.header.Set("Authorization", basicAuth(user, ""))
	}
	if a := s.header.Get("Authorization"); a != "" {
		s.secrets = append(s.secrets, strings.TrimPrefix(a, "Basic "))
	}

	for name, raw := range cfg.Headers {
		key := http.CanonicalHeaderKey(name)
		if !validHeaderName(name) {
			return nil, nil, fmt.Errorf("webhook headers: %q is not a valid header name", name)
		}
		if reserved(key) {
			return nil, nil, fmt.Errorf("webhook headers: %s is set by the sink and cannot be configured", key)
		}
		if key == "Authorization" && s.header.Get("Authorization") != "" {
			return nil, nil, fmt.Errorf("webhook headers: Authorization given together with username/password: choose one")
		}
		v, secret, err := headerValue(raw)
		if err != nil {
			return nil, nil, fmt.Errorf("webhook headers: %s: %w", key, err)
		}
		if !validHeaderValue(v) {
			// Never print v: it may be a secret.
			return nil, nil, fmt.Errorf("webhook headers: %s: value holds a control character (a newline?)", key)
		}
		if secret || key == "Authorization" {
			s.secrets = append(s.secrets, v)
			if i := strings.IndexByte(v, ' '); i > 0 {
				s.secrets = append(s.secrets, v[i+1:]) // the token after "Bearer "
			}
		}
		s.header.Set(key, v)
	}
	return s, u, nil
}

// headerValue resolves a configured header value: "env:NAME" and
// "file:/path" name a secret; anything else is the value itself.
func headerValue(raw string) (v string, secret bool, err error) {
	switch {
	case strings.HasPrefix(raw, "env:"):
		v, err = sink.Secret{Env: strings.TrimPrefix(raw, "env:")}.Read()
		return v, true, err
	case strings.HasPrefix(raw, "file:"):
		v, err = sink.Secret{File: strings.TrimPrefix(raw, "file:")}.Read()
		return v, true, err
	}
	return raw, false, nil
}

func basicAuth(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

// isLoopback tells whether host (no port, no brackets) is a loopback
// address or the name localhost.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validHeaderName reports whether name is an RFC 9110 token.
func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validHeaderValue reports whether v holds no control character other
// than tab.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// scrubURLError drops the URL (which may hold a token) from a url.Parse
// error.
func scrubURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
