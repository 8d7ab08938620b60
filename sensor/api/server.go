package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/inventory"
)

// writeTimeout bounds writing one answer, or one line of a stream: a
// client that stops reading is dropped.
const writeTimeout = 30 * time.Second

// Server serves a Backend: it is the http.Handler of the routes listed
// in the package documentation, and Serve runs it on a unix socket.
type Server struct {
	b   Backend
	log *zap.Logger
}

// NewServer returns a server of b. log (nil: none) gets one debug line
// per request.
func NewServer(b Backend, log *zap.Logger) *Server {
	if log == nil {
		log = zap.NewNop()
	}
	return &Server{b: b, log: log}
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("api handler panicked", zap.String("path", r.URL.Path), zap.Any("panic", p), zap.Stack("stack"))
			if rec.status == 0 {
				writeError(rec, Errorf(CodeInternal, "internal error"))
			}
		}
		s.log.Debug("api request", zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.Int("status", rec.status), zap.Int64("bytes", rec.bytes), zap.Duration("took", time.Since(start)))
	}()
	s.serve(rec, r)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rt, err := parseRoute(r.URL.EscapedPath())
	if err != nil {
		writeError(w, err)
		return
	}
	if r.Method != rt.method {
		w.Header().Set("Allow", rt.method)
		writeError(w, Errorf(CodeMethodNotAllowed, "%s %s: use %s", r.Method, clip(r.URL.Path), rt.method))
		return
	}
	if rt.ep != epBaselineSwitch && r.URL.RawQuery != "" {
		writeError(w, Errorf(CodeInvalid, "%s takes no query parameters", clip(r.URL.Path)))
		return
	}
	switch rt.ep {
	case epPing:
		writeJSON(w, map[string]string{"api": "v1"})
	case epStatus:
		answer(w, s.b.Status)
	case epInventory, epDevices, epLinks:
		s.inventory(w, rt.ep)
	case epAlerts:
		list, err := s.b.Alerts()
		if list == nil {
			list = []*alerts.Alert{}
		}
		reply(w, list, err)
	case epAlertAction:
		s.alertAction(w, rt)
	case epBaseline:
		answer(w, s.b.Baseline)
	case epBaselineSwitch:
		d, err := switchPeriod(rt.verb, r.URL.RawQuery)
		if err != nil {
			writeError(w, err)
			return
		}
		answer(w, func() (alerts.BaselineStatus, error) { return s.b.SwitchBaseline(rt.verb, d) })
	case epOutbox:
		st, err := s.b.Outbox()
		reply(w, st, err)
	case epChanges:
		s.changes(w, r)
	default:
		writeError(w, Errorf(CodeInternal, "endpoint %d not served", rt.ep))
	}
}

func (s *Server) inventory(w http.ResponseWriter, ep endpoint) {
	snap, err := s.b.Snapshot()
	if err != nil {
		writeError(w, err)
		return
	}
	v := inventoryJSON{Devices: []*inventory.Device{}, Links: []*inventory.LinkView{}}
	if snap != nil {
		if snap.Devices != nil {
			v.Devices = snap.Devices
		}
		if snap.Links != nil {
			v.Links = snap.Links
		}
	}
	switch ep {
	case epDevices:
		writeJSON(w, v.Devices)
	case epLinks:
		writeJSON(w, v.Links)
	default:
		writeJSON(w, v)
	}
}

func (s *Server) alertAction(w http.ResponseWriter, rt route) {
	var a *alerts.Alert
	var err error
	switch rt.verb {
	case "ack":
		a, err = s.b.SetAlertState(rt.id, alerts.StateAcknowledged)
	case "mute":
		a, err = s.b.SetAlertState(rt.id, alerts.StateMuted)
	case "learn":
		a, err = s.b.LearnAlert(rt.id)
	}
	if err == nil && a == nil {
		err = errors.New("the backend returned no alert")
	}
	reply(w, a, err)
}

// changes streams the backend's changes as NDJSON until the client goes,
// the server stops (the request's context ends) or the backend closes
// the channel.
func (s *Server) changes(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ch, err := s.b.Changes(ctx)
	if err != nil {
		writeError(w, err)
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
	if rc.Flush() != nil {
		return
	}
	enc := json.NewEncoder(w)
	for {
		select {
		case <-ctx.Done():
			return
		case c, ok := <-ch:
			if !ok {
				return
			}
			_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
			if err := enc.Encode(c); err != nil {
				s.log.Debug("api change stream ended", zap.Error(err))
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}

// answer writes what get returns.
func answer[T any](w http.ResponseWriter, get func() (T, error)) {
	v, err := get()
	reply(w, v, err)
}

// reply writes v, or err when it is not nil.
func reply(w http.ResponseWriter, v any, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, v)
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, fmt.Errorf("encode answer: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, '\n'))
}

// errorJSON is every error answer.
type errorJSON struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

func writeError(w http.ResponseWriter, err error) {
	code := classify(err)
	status, _ := statusOf(code)
	b, _ := json.Marshal(errorJSON{Error: err.Error(), Code: code})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// recorder notes the status and size of an answer, for the log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
