package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/otsensor/otsensor/alerts"
)

// Error codes: the "code" of an error answer, each with its HTTP status.
const (
	CodeNotFound         = "not_found"          // 404: no such alert
	CodeAmbiguous        = "ambiguous"          // 400: an id prefix matches several
	CodeInvalid          = "invalid"            // 400: bad input
	CodeNotPolicy        = "not_policy"         // 409: learn on an alert that is not a policy alert
	CodeConflict         = "conflict"           // 409: the state does not allow it
	CodeUnavailable      = "unavailable"        // 503: the daemon is stopping
	CodeUnknownEndpoint  = "unknown_endpoint"   // 404: no such route
	CodeMethodNotAllowed = "method_not_allowed" // 405
	CodeInternal         = "internal"           // 500: anything else
)

// statusOf returns the HTTP status of code, false for a code it does not
// know.
func statusOf(code string) (int, bool) {
	switch code {
	case CodeNotFound, CodeUnknownEndpoint:
		return http.StatusNotFound, true
	case CodeAmbiguous, CodeInvalid:
		return http.StatusBadRequest, true
	case CodeNotPolicy, CodeConflict:
		return http.StatusConflict, true
	case CodeUnavailable:
		return http.StatusServiceUnavailable, true
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed, true
	case CodeInternal:
		return http.StatusInternalServerError, true
	}
	return http.StatusInternalServerError, false
}

// Error is an error the API answers with: a code (one of the Code
// constants) and a message for users. A Client returns one for every
// error answer. errors.Is matches it against the sentinel of its code
// (ErrNotFound, ...) and, for not_found and not_policy, against
// alerts.ErrNotFound and alerts.ErrNotPolicy, so that callers test the
// same errors whether the Backend is local or a Client.
type Error struct {
	Code    string
	Message string
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Is reports whether target is an *Error of the same code, or the alerts
// sentinel the code stands for.
func (e *Error) Is(target error) bool {
	switch target {
	case alerts.ErrNotFound:
		return e.Code == CodeNotFound
	case alerts.ErrNotPolicy:
		return e.Code == CodeNotPolicy
	}
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// HTTPStatus returns the HTTP status of e's code (500 for a code it does
// not know).
func (e *Error) HTTPStatus() int {
	s, _ := statusOf(e.Code)
	return s
}

// Errorf returns an *Error of code with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Sentinels for errors.Is (and for a Backend to wrap).
var (
	ErrNotFound    = &Error{Code: CodeNotFound, Message: "not found"}
	ErrAmbiguous   = &Error{Code: CodeAmbiguous, Message: "ambiguous"}
	ErrInvalid     = &Error{Code: CodeInvalid, Message: "invalid input"}
	ErrConflict    = &Error{Code: CodeConflict, Message: "conflict"}
	ErrUnavailable = &Error{Code: CodeUnavailable, Message: "unavailable"}
)

// ErrNoDaemon is returned (wrapped) by Probe and Dial when no daemon
// listens on the socket: the CLI then opens the data dir itself.
var ErrNoDaemon = errors.New("no otsensor daemon answers")

// classify returns the code of an error a Backend returned.
func classify(err error) string {
	var e *Error
	switch {
	case errors.As(err, &e):
		if _, ok := statusOf(e.Code); ok {
			return e.Code
		}
	case errors.Is(err, alerts.ErrNotFound):
		return CodeNotFound
	case errors.Is(err, alerts.ErrNotPolicy):
		return CodeNotPolicy
	}
	return CodeInternal
}
