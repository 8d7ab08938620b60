package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/outbox"
	"github.com/otsensor/otsensor/inventory"
)

// DialTimeout bounds connecting to the socket.
const DialTimeout = time.Second

// DefaultTimeout bounds one request of a Client (not a change stream).
const DefaultTimeout = 30 * time.Second

// probeTimeout bounds the ping of Probe.
const probeTimeout = 2 * time.Second

// Client is a Backend over the daemon's socket.
type Client struct {
	path    string
	hc      *http.Client
	timeout time.Duration
}

var _ Backend = (*Client)(nil)

// NewClient returns a client of the daemon listening at path. It does
// not connect: Dial does, and fails when no daemon answers.
func NewClient(path string) *Client {
	d := &net.Dialer{Timeout: DialTimeout}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", path)
		},
		MaxIdleConns:          2,
		IdleConnTimeout:       30 * time.Second,
		ResponseHeaderTimeout: DefaultTimeout,
		DisableCompression:    true,
	}
	return &Client{path: path, hc: &http.Client{Transport: tr}, timeout: DefaultTimeout}
}

// Dial returns a client of the daemon listening at path, once it has
// answered. The error wraps ErrNoDaemon when nothing listens there.
func Dial(path string) (*Client, error) {
	c := NewClient(path)
	if err := c.ping(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Probe tells whether an otsensor daemon answers at path: nil when it
// does; an error wrapping ErrNoDaemon when there is no socket or nobody
// listens on it; another error (e.g. permission denied: the user is not
// in the socket's group) when a daemon may run but cannot be reached.
func Probe(path string) error {
	c := NewClient(path)
	defer c.Close()
	return c.ping()
}

// Running reports whether an otsensor daemon answers at path: then the
// CLI goes through it rather than opening the data dir.
func Running(path string) bool { return Probe(path) == nil }

// Close releases the client's idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

func (c *Client) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	var v struct {
		API string `json:"api"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/ping", &v); err != nil {
		return err
	}
	if v.API != "v1" {
		return fmt.Errorf("otsensor daemon at %s: speaks API %q, not v1", c.path, v.API)
	}
	return nil
}

// Snapshot implements Backend.
func (c *Client) Snapshot() (*inventory.Snapshot, error) {
	var v inventoryJSON
	if err := c.get("/v1/inventory", &v); err != nil {
		return nil, err
	}
	return inventory.NewSnapshot(v.Devices, v.Links), nil
}

// Alerts implements Backend.
func (c *Client) Alerts() ([]*alerts.Alert, error) {
	var v []*alerts.Alert
	if err := c.get("/v1/alerts", &v); err != nil {
		return nil, err
	}
	return v, nil
}

// SetAlertState implements Backend. The API sets the states
// acknowledged and muted (learned goes through LearnAlert); another
// state is an error wrapping ErrInvalid.
func (c *Client) SetAlertState(id, state string) (*alerts.Alert, error) {
	var verb string
	switch state {
	case alerts.StateAcknowledged:
		verb = "ack"
	case alerts.StateMuted:
		verb = "mute"
	default:
		return nil, Errorf(CodeInvalid, "alert state %q: the daemon sets %s or %s (learn an alert with LearnAlert)",
			state, alerts.StateAcknowledged, alerts.StateMuted)
	}
	return c.alertAction(id, verb)
}

// LearnAlert implements Backend.
func (c *Client) LearnAlert(id string) (*alerts.Alert, error) { return c.alertAction(id, "learn") }

func (c *Client) alertAction(id, verb string) (*alerts.Alert, error) {
	if !validID(id) {
		return nil, Errorf(CodeInvalid, "alert id %q: want an ID or ID prefix (hex digits)", clip(id))
	}
	a := &alerts.Alert{}
	if err := c.post("/v1/alerts/"+url.PathEscape(id)+"/"+verb, a); err != nil {
		return nil, err
	}
	return a, nil
}

// Baseline implements Backend.
func (c *Client) Baseline() (alerts.BaselineStatus, error) {
	var v alerts.BaselineStatus
	err := c.get("/v1/baseline", &v)
	return v, err
}

// SwitchBaseline implements Backend.
func (c *Client) SwitchBaseline(verb string, learnFor time.Duration) (alerts.BaselineStatus, error) {
	var v alerts.BaselineStatus
	switch {
	case verb != "lock" && verb != "learn" && verb != "reset":
		return v, Errorf(CodeInvalid, "baseline %q: want lock, learn or reset", verb)
	case learnFor < 0 || (learnFor > 0 && verb != "learn"):
		return v, Errorf(CodeInvalid, "baseline %s: learning period %s", verb, learnFor)
	}
	p := "/v1/baseline/" + verb
	if learnFor > 0 {
		p += "?for=" + url.QueryEscape(learnFor.String())
	}
	err := c.post(p, &v)
	return v, err
}

// Outbox implements Backend.
func (c *Client) Outbox() (outbox.Status, error) {
	var v outbox.Status
	err := c.get("/v1/outbox", &v)
	return v, err
}

// Status implements Backend.
func (c *Client) Status() (*Status, error) {
	v := &Status{}
	if err := c.get("/v1/status", v); err != nil {
		return nil, err
	}
	return v, nil
}

// Changes implements Backend: the channel closes when ctx ends, the
// daemon stops or the connection fails (ctx.Err() tells the first apart).
func (c *Client) Changes(ctx context.Context) (<-chan Change, error) {
	resp, err := c.send(ctx, http.MethodGet, "/v1/changes")
	if err != nil {
		return nil, err
	}
	ch := make(chan Change, 16)
	go func() {
		defer close(ch)
		defer resp.Body.Close()
		dec := json.NewDecoder(bufio.NewReader(resp.Body))
		for {
			var ev Change
			if err := dec.Decode(&ev); err != nil {
				return
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch, nil
}

func (c *Client) get(path string, v any) error  { return c.call(http.MethodGet, path, v) }
func (c *Client) post(path string, v any) error { return c.call(http.MethodPost, path, v) }

func (c *Client) call(method, path string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	return c.do(ctx, method, path, v)
}

// do sends a request and decodes its answer into v.
func (c *Client) do(ctx context.Context, method, path string, v any) error {
	resp, err := c.send(ctx, method, path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("otsensor daemon at %s: %s %s: read answer: %w", c.path, method, path, err)
	}
	return nil
}

// send sends a request; an error answer becomes an *Error.
func (c *Client) send(ctx context.Context, method, path string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://otsensor"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.connError(method, path, err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e errorJSON
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		return nil, Errorf(CodeInternal, "otsensor daemon at %s: %s %s: HTTP %d: %s", c.path, method, path, resp.StatusCode, clip(string(body)))
	}
	if _, known := statusOf(e.Code); !known {
		e.Code = CodeInternal
	}
	return nil, &Error{Code: e.Code, Message: e.Error}
}

// connError explains a failure to reach the daemon.
func (c *Client) connError(method, path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOENT):
		return fmt.Errorf("%w: no socket at %s (is `otsensor run` running?)", ErrNoDaemon, c.path)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w: nothing listens on %s (a daemon that stopped left it)", ErrNoDaemon, c.path)
	case errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.EACCES):
		return fmt.Errorf("otsensor daemon at %s: permission denied (join the socket's group, e.g. otsensor, or use sudo)", c.path)
	}
	return fmt.Errorf("otsensor daemon at %s: %s %s: %w", c.path, method, path, err)
}
