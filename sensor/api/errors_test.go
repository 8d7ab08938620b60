package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts"
)

// Errors of the backend reach the client with their status and code, and
// errors.Is matches the same sentinels on both sides.
func TestClientErrors(t *testing.T) {
	f := newFake()
	s := serve(t, f)
	c := s.client(t)
	for _, tc := range []struct {
		name    string
		call    func() error
		is      []error
		message string
	}{
		{"unknown alert", func() error { _, err := c.SetAlertState("ffff", alerts.StateAcknowledged); return err },
			[]error{ErrNotFound, alerts.ErrNotFound}, `no alert matches "ffff"`},
		{"ambiguous prefix", func() error { _, err := c.SetAlertState("3f2", alerts.StateMuted); return err },
			[]error{ErrAmbiguous}, `"3f2" matches 2 alerts`},
		{"learn a protocol alert", func() error { _, err := c.LearnAlert(protoID); return err },
			[]error{alerts.ErrNotPolicy}, "only policy alerts"},
		{"learn an unknown alert", func() error { _, err := c.LearnAlert("0000"); return err },
			[]error{alerts.ErrNotFound}, "no alert matches"},
		{"state the API does not set", func() error { _, err := c.SetAlertState(policyID, alerts.StateNew); return err },
			[]error{ErrInvalid}, `alert state "new"`},
		{"bad baseline verb", func() error { _, err := c.SwitchBaseline("freeze", 0); return err },
			[]error{ErrInvalid}, `baseline "freeze"`},
		{"period on lock", func() error { _, err := c.SwitchBaseline("lock", time.Hour); return err },
			[]error{ErrInvalid}, "learning period"},
		{"id with a slash", func() error { _, err := c.LearnAlert("3f/2a"); return err },
			[]error{ErrInvalid}, "alert id"},
	} {
		err := tc.call()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, target := range tc.is {
			if !errors.Is(err, target) {
				t.Errorf("%s: %v (%#v) is not %v", tc.name, err, err, target)
			}
		}
		if !strings.Contains(err.Error(), tc.message) {
			t.Errorf("%s: error %q lacks %q", tc.name, err, tc.message)
		}
	}
	// Not found is not "not policy", and the reverse.
	_, err := c.LearnAlert(protoID)
	if errors.Is(err, alerts.ErrNotFound) || errors.Is(err, ErrNotFound) {
		t.Errorf("not_policy error matches not found: %v", err)
	}
}

// Errors of every kind a backend returns map to their HTTP status.
func TestServerErrorStatus(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("load: %w", alerts.ErrNotFound), 404, CodeNotFound},
		{fmt.Errorf("learn: %w", alerts.ErrNotPolicy), 409, CodeNotPolicy},
		{fmt.Errorf("wrapped: %w", ErrConflict), 409, CodeConflict},
		{Errorf(CodeInvalid, "bad"), 400, CodeInvalid},
		{fmt.Errorf("stopping: %w", ErrUnavailable), 503, CodeUnavailable},
		{&Error{Code: "made_up", Message: "x"}, 500, CodeInternal},
		{errors.New("badger: disk I/O"), 500, CodeInternal},
	} {
		f := newFake()
		f.err = tc.err
		s := serve(t, f)
		code, _, body := s.raw(t, "GET", "/v1/alerts")
		var e errorJSON
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			t.Fatalf("%v: answer %q is not JSON: %v", tc.err, body, err)
		}
		if code != tc.status || e.Code != tc.code || e.Error != tc.err.Error() {
			t.Errorf("%v: got %d %+v, want %d %s", tc.err, code, e, tc.status, tc.code)
		}
		// The client returns it with the same code.
		_, err := s.client(t).Alerts()
		var ce *Error
		if !errors.As(err, &ce) || ce.Code != tc.code || ce.HTTPStatus() != tc.status {
			t.Errorf("%v: client error %#v", tc.err, err)
		}
		s.stop(t)
	}
}

// Requests the client never sends: unknown paths, wrong methods, bad
// queries and ids.
func TestBadRequests(t *testing.T) {
	f := newFake()
	s := serve(t, f)
	for _, tc := range []struct {
		method, target string
		status         int
		code           string
	}{
		{"GET", "/v1/nope", 404, CodeUnknownEndpoint},
		{"GET", "/v2/status", 404, CodeUnknownEndpoint},
		{"GET", "/status", 404, CodeUnknownEndpoint},
		{"GET", "/v1/status/", 404, CodeUnknownEndpoint},
		{"GET", "/v1/alerts/" + policyID, 404, CodeUnknownEndpoint},
		{"POST", "/v1/alerts/" + policyID + "/delete", 404, CodeUnknownEndpoint},
		{"GET", "/v1/alerts/" + policyID + "/ack", 405, CodeMethodNotAllowed},
		{"POST", "/v1/status", 405, CodeMethodNotAllowed},
		{"DELETE", "/v1/baseline", 405, CodeMethodNotAllowed},
		{"POST", "/v1/alerts//ack", 400, CodeInvalid},
		{"POST", "/v1/alerts/%00/ack", 400, CodeInvalid},
		{"POST", "/v1/alerts/3f%2F2a/ack", 400, CodeInvalid},
		{"POST", "/v1/alerts/" + strings.Repeat("a", 65) + "/ack", 400, CodeInvalid},
		{"POST", "/v1/baseline/lock?for=7d", 400, CodeInvalid},
		{"POST", "/v1/baseline/learn?for=soon", 400, CodeInvalid},
		{"POST", "/v1/baseline/learn?for=-1h", 400, CodeInvalid},
		{"POST", "/v1/baseline/learn?for=1d&for=2d", 400, CodeInvalid},
		{"POST", "/v1/baseline/learn?until=7d", 400, CodeInvalid},
		{"POST", "/v1/baseline/learn?for=%zz", 400, CodeInvalid},
		{"GET", "/v1/alerts?state=new", 400, CodeInvalid},
		{"POST", "/v1/alerts/ffff/ack", 404, CodeNotFound},
		{"POST", "/v1/alerts/" + protoID + "/learn", 409, CodeNotPolicy},
	} {
		before := f.lastCall()
		code, h, body := s.raw(t, tc.method, tc.target)
		var e errorJSON
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
			t.Errorf("%s %s: answer %q is not a JSON error", tc.method, tc.target, body)
			continue
		}
		if code != tc.status || e.Code != tc.code {
			t.Errorf("%s %s = %d %s (%s), want %d %s", tc.method, tc.target, code, e.Code, e.Error, tc.status, tc.code)
		}
		if tc.status == 405 && h.Get("Allow") == "" {
			t.Errorf("%s %s: 405 without Allow", tc.method, tc.target)
		}
		if tc.status == 400 && f.lastCall() != before {
			t.Errorf("%s %s: the backend was called (%s) for a bad request", tc.method, tc.target, f.lastCall())
		}
	}
	// 7d arrives as 168h.
	if code, _, body := s.raw(t, "POST", "/v1/baseline/learn?for=7d"); code != 200 || f.lastCall() != "baseline learn 604800000000000" {
		t.Errorf("learn?for=7d: %d %s, backend got %q", code, clipTo(body, 100), f.lastCall())
	}
}

func TestFindAlert(t *testing.T) {
	list := newFake().alerts
	for _, tc := range []struct {
		q    string
		want string
		err  error
	}{
		{policyID, policyID, nil},
		{"3f2a", policyID, nil},
		{"3F2B", protoID, nil},
		{"3f2", "", ErrAmbiguous},
		{"", "", ErrNotFound}, // matches nothing, not everything
		{"9", "", ErrNotFound},
		{policyID + "0", "", ErrNotFound},
	} {
		a, err := FindAlert(list, tc.q)
		switch {
		case tc.err != nil && !errors.Is(err, tc.err):
			t.Errorf("FindAlert(%q) error %v, want %v", tc.q, err, tc.err)
		case tc.err == nil && (err != nil || a.ID != tc.want):
			t.Errorf("FindAlert(%q) = %v, %v; want %s", tc.q, a, err, tc.want)
		}
	}
	// An exact id wins over being a prefix of another.
	short := &alerts.Alert{ID: "abcd"}
	long := &alerts.Alert{ID: "abcdef"}
	if a, err := FindAlert([]*alerts.Alert{long, short}, "abcd"); err != nil || a != short {
		t.Errorf("exact id: %v, %v", a, err)
	}
}

func TestParseLearningPeriod(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"7d", 7 * 24 * time.Hour, true},
		{"0d", 0, true},
		{"36h", 36 * time.Hour, true},
		{"1h30m", 90 * time.Minute, true},
		{"0", 0, true},
		{"168h0m0s", 168 * time.Hour, true}, // what the client sends
		{"106751d", 106751 * 24 * time.Hour, true},
		{"106752d", 0, false}, // beyond time.Duration
		{"99999999999999999999d", 0, false},
		{"-1d", 0, false},
		{"-1h", 0, false},
		{"1.5d", 0, false},
		{"d", 0, false},
		{"", 0, false},
		{"7 d", 0, false},
		{"week", 0, false},
	} {
		got, err := ParseLearningPeriod(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseLearningPeriod(%q) = %s, %v; want %s ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
