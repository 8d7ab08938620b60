package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// listenAddr waits for Serve's "metrics listening" log entry and returns
// its address.
func listenAddr(t *testing.T, logs *observer.ObservedLogs, done <-chan error) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		for _, e := range logs.FilterMessage("metrics listening").All() {
			if a, ok := e.ContextMap()["addr"].(string); ok {
				return a
			}
		}
		select {
		case err := <-done:
			t.Fatalf("Serve returned before listening: %v", err)
		case <-deadline:
			t.Fatal("Serve did not log its address")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestServe(t *testing.T) {
	reg := prometheus.NewRegistry()
	o := NewObserver(ObserverOptions{})
	reg.MustRegister(o, NewCollector(Sources{Devices: func() int { return 4 }}))
	o.Event(&dissectors.Event{Record: &modbus.Record{}})

	core, logs := observer.New(zapcore.InfoLevel)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", reg, zap.New(core)) }()
	addr := listenAddr(t, logs, done)

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return resp.StatusCode, string(body)
	}
	code, body := get("/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: status %d", code)
	}
	for _, line := range []string{
		`otsensor_events_total{app_proto="modbus"} 1`,
		`otsensor_events_total{app_proto="tls"} 0`,
		"otsensor_devices 4",
		"# TYPE otsensor_anomalies_total counter",
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}
	// A second scrape sees the counter move.
	o.Event(&dissectors.Event{Record: &modbus.Record{}})
	if _, body = get("/metrics"); !strings.Contains(body, `otsensor_events_total{app_proto="modbus"} 2`+"\n") {
		t.Error("second scrape: modbus events not 2")
	}
	if code, _ = get("/"); code != http.StatusNotFound {
		t.Errorf("/: status %d, want 404", code)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("still listening after Serve returned")
	}
}

func TestServeErrors(t *testing.T) {
	reg := prometheus.NewRegistry()
	if err := Serve(context.Background(), "", reg, nil); err == nil {
		t.Error("empty address: no error")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Serve(context.Background(), ln.Addr().String(), reg, nil)
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Errorf("address in use: %v, want a *net.OpError", err)
	}
}

// TestServeGatherError: a collector that fails does not fail the scrape;
// the other metrics are served and the error is logged.
func TestServeGatherError(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(Sources{Devices: func() int { return 1 }}), failing{})
	core, logs := observer.New(zapcore.InfoLevel)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0", reg, zap.New(core)) }()
	addr := listenAddr(t, logs, done)
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "otsensor_devices 1\n") {
		t.Errorf("status %d, body:\n%s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if logs.FilterLoggerName("metrics").Len() == 0 {
		t.Error("gather error not logged")
	}
}

// failing is a collector whose metric is invalid.
type failing struct{}

var failingDesc = prometheus.NewDesc("otsensor_test_failing", "Always fails.", nil, nil)

func (failing) Describe(ch chan<- *prometheus.Desc) { ch <- failingDesc }
func (failing) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.NewInvalidMetric(failingDesc, errors.New("boom"))
}
