package api

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// endpoint is what a request asks for.
type endpoint uint8

const (
	epPing endpoint = iota + 1
	epStatus
	epInventory
	epDevices
	epLinks
	epAlerts
	epAlertAction    // POST /v1/alerts/{id}/{verb}
	epBaseline       // GET /v1/baseline
	epBaselineSwitch // POST /v1/baseline/{verb}
	epOutbox
	epChanges
)

// route is a parsed request path.
type route struct {
	ep     endpoint
	method string // the one it takes
	id     string // epAlertAction: the alert id or prefix
	verb   string // epAlertAction: ack|mute|learn; epBaselineSwitch: lock|learn|reset
}

// maxIDLen bounds an alert id in a path (ids are 16 hex digits).
const maxIDLen = 64

// simpleRoute returns the GET endpoint /v1/name.
func simpleRoute(name string) (endpoint, bool) {
	switch name {
	case "ping":
		return epPing, true
	case "status":
		return epStatus, true
	case "inventory":
		return epInventory, true
	case "devices":
		return epDevices, true
	case "links":
		return epLinks, true
	case "alerts":
		return epAlerts, true
	case "baseline":
		return epBaseline, true
	case "outbox":
		return epOutbox, true
	case "changes":
		return epChanges, true
	}
	return 0, false
}

// parseRoute reads an escaped request path (URL.EscapedPath). An unknown
// path is an *Error of CodeUnknownEndpoint, a malformed alert id one of
// CodeInvalid.
func parseRoute(escaped string) (route, error) {
	rest, ok := strings.CutPrefix(escaped, "/v1/")
	if !ok {
		return route{}, Errorf(CodeUnknownEndpoint, "no such endpoint %q: the API is under /v1/", clip(escaped))
	}
	parts := strings.Split(rest, "/")
	switch {
	case len(parts) == 1:
		if ep, ok := simpleRoute(parts[0]); ok {
			return route{ep: ep, method: http.MethodGet}, nil
		}
	case len(parts) == 2 && parts[0] == "baseline":
		switch parts[1] {
		case "lock", "learn", "reset":
			return route{ep: epBaselineSwitch, method: http.MethodPost, verb: parts[1]}, nil
		}
	case len(parts) == 3 && parts[0] == "alerts":
		switch parts[2] {
		case "ack", "mute", "learn":
			id, err := url.PathUnescape(parts[1])
			if err != nil || !validID(id) {
				return route{}, Errorf(CodeInvalid, "alert id %q: want an ID or ID prefix (hex digits)", clip(parts[1]))
			}
			return route{ep: epAlertAction, method: http.MethodPost, id: id, verb: parts[2]}, nil
		}
	}
	return route{}, Errorf(CodeUnknownEndpoint, "no such endpoint %q", clip(escaped))
}

// validID reports whether id can name an alert: 1 to maxIDLen printable
// characters without a slash (alert ids are hex; others match nothing).
func validID(id string) bool {
	if id == "" || len(id) > maxIDLen || !utf8.ValidString(id) {
		return false
	}
	for _, c := range id {
		if c <= ' ' || c == '/' || c == 0x7f {
			return false
		}
	}
	return true
}

// clip shortens s for an error message.
func clip(s string) string {
	const n = 80
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// switchPeriod reads the query of POST /v1/baseline/{verb}: "for" (learn
// only) is the learning period. Anything else is an error.
func switchPeriod(verb, rawQuery string) (time.Duration, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return 0, Errorf(CodeInvalid, "query %q: %v", clip(rawQuery), err)
	}
	var d time.Duration
	for k, v := range q {
		if k != "for" || verb != "learn" {
			return 0, Errorf(CodeInvalid, "unexpected query parameter %q for baseline %s", clip(k), verb)
		}
		if len(v) != 1 {
			return 0, Errorf(CodeInvalid, "for: give one learning period")
		}
		if d, err = ParseLearningPeriod(v[0]); err != nil {
			return 0, &Error{Code: CodeInvalid, Message: err.Error()}
		}
	}
	return d, nil
}

// maxDays is the longest learning period in days a time.Duration holds.
const maxDays = math.MaxInt64 / int64(24*time.Hour)

// ParseLearningPeriod reads a learning period: a Go duration ("36h") or
// a number of days ("7d"). It must not be negative.
func ParseLearningPeriod(s string) (time.Duration, error) {
	bad := fmt.Errorf("learning period %q: want a duration such as 7d or 36h", clip(s))
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > maxDays {
			return 0, bad
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, bad
	}
	return d, nil
}
