package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/sensor/api"
	"github.com/otsensor/otsensor/sensor/live/livetest"
)

// syncBuffer is a bytes.Buffer safe for the daemon's log and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// runningDaemon is `otsensor run` in-process.
type runningDaemon struct {
	stop   context.CancelFunc
	done   chan int
	log    *syncBuffer
	socket string
}

// startDaemon runs `otsensor run args...` with the data dir and socket
// given, and waits until its API answers.
func startDaemon(t *testing.T, dataDir, socket string, args ...string) *runningDaemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &runningDaemon{stop: cancel, done: make(chan int, 1), log: &syncBuffer{}, socket: socket}
	a := newApp(&syncBuffer{}, d.log)
	a.ctx = ctx
	a.getenv = func(string) string { return "" }
	a.isTerminal = func(io.Writer) bool { return false }
	go func() {
		d.done <- a.run(append([]string{"--data-dir", dataDir, "--socket", socket, "--log-level", "debug", "run"}, args...))
	}()
	t.Cleanup(func() {
		cancel()
		<-d.done
	})
	deadline := time.Now().Add(20 * time.Second)
	for !api.Running(socket) {
		select {
		case code := <-d.done:
			t.Fatalf("otsensor run exited with %d:\n%s", code, d.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon's API did not answer on %s:\n%s", socket, d.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return d
}

// waitFor polls cond every 100 ms for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestDaemon runs the sensor on a veth pair: frames of a capture injected
// on the other end give, through the local API, the devices a replay of the
// same capture gives; the CLI talks to the running daemon; a quiet
// interface raises sensor.no_traffic; SIGHUP reloads the rules; stopping it
// ends with status 0 and the data dir answers the same afterwards; the
// sink got the devices and heartbeats.
func TestDaemon(t *testing.T) {
	root := t.TempDir()
	dataDir, socket := filepath.Join(root, "data"), filepath.Join(root, "run", "otsensor.sock")
	sinkFile := filepath.Join(root, "out.jsonl")
	rulesFile := filepath.Join(root, "rules.yaml")
	rule := func(cond string) {
		os.WriteFile(rulesFile, []byte("id: any_modbus\ntitle: Modbus seen\nseverity: low\ncondition: "+cond+"\n"), 0o600)
	}
	rule("has(event.modbus) && false")
	cfg := filepath.Join(root, "otsensor.yaml")
	os.WriteFile(cfg, []byte("capture:\n  quiet_after: 1s\n  block_timeout: 50ms\nrules: ["+rulesFile+"]\ndaemon:\n  save_interval: 500ms\n  heartbeat_interval: 1s\n"), 0o600)

	v := livetest.NewVethPair(t)
	frames := livetest.ReadFrames(t, plantPcap)
	in := livetest.NewInjector(t, v)
	d := startDaemon(t, dataDir, socket, "--config", cfg, "--iface", v.Capture, "--sink", "file://"+sinkFile, "--metrics-listen", "127.0.0.1:0")

	client := api.NewClient(socket)
	defer client.Close()
	status := func() *api.Status {
		st, err := client.Status()
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	waitFor(t, "sensor.no_traffic on the idle interface", func() bool { return strings.Contains(d.log.String(), "no traffic on a capture interface") })

	// SIGHUP: the rule now matches every Modbus event.
	rule("has(event.modbus)")
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the rules to be reloaded", func() bool { return strings.Contains(d.log.String(), "rules reloaded") })

	// devices --watch streams the devices as they appear.
	watchCtx, stopWatch := context.WithCancel(context.Background())
	watchOut, watchDone := &syncBuffer{}, make(chan int, 1)
	go func() {
		a := newApp(watchOut, &syncBuffer{})
		a.ctx = watchCtx
		a.getenv = func(string) string { return "" }
		watchDone <- a.run([]string{"--socket", socket, "devices", "--watch", "-o", "json"})
	}()
	defer stopWatch()
	waitFor(t, "devices --watch to list the (no) devices", func() bool { return strings.HasPrefix(watchOut.String(), "[]") })
	// alerts -f streams the alerts as they are raised.
	followOut := &syncBuffer{}
	go func() {
		a := newApp(followOut, &syncBuffer{})
		a.ctx = watchCtx
		a.getenv = func(string) string { return "" }
		a.run([]string{"--socket", socket, "--data-dir", dataDir, "alerts", "-f", "--engine", "policy", "-o", "json"})
	}()
	waitFor(t, "alerts -f to list the alerts so far", func() bool { return strings.Contains(followOut.String(), "]") })

	in.Send(t, frames)
	waitFor(t, "the daemon to count the frames", func() bool {
		st := status()
		return len(st.Interfaces) == 1 && st.Interfaces[0].Packets >= uint64(len(frames))
	})
	if st := status(); st.Interfaces[0].Packets != uint64(len(frames)) || st.Interfaces[0].KernelDrops != 0 {
		t.Errorf("captured %+v, sent %d", st.Interfaces[0], len(frames))
	}

	// Metrics, on the address asked for only.
	m := regexp.MustCompile(`"msg":"metrics listening","addr":"([^"]+)"`).FindStringSubmatch(d.log.String())
	if m == nil {
		t.Fatalf("no metrics address in the log:\n%s", d.log.String())
	}
	resp, err := http.Get("http://" + m[1] + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	wantLine := fmt.Sprintf("otsensor_capture_packets_total{interface=%q} %d", v.Capture, len(frames))
	if !strings.Contains(string(body), wantLine) || !strings.Contains(string(body), `otsensor_events_total{app_proto="modbus"}`) {
		t.Errorf("metrics lack %q or Modbus events:\n%.2000s", wantLine, body)
	}

	// The CLI goes through the daemon while it runs (Badger is its).
	want := deviceIDs(t, mustRun(t, exitOK, "--data-dir", replayInto(t, plantPcap), "devices", "-o", "json").stdout)
	if len(want) < 5 {
		t.Fatalf("the replay found %d devices", len(want))
	}
	if fi, err := os.Stat(socket); err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket %v, %v: want a socket with mode 0660", fi.Mode(), err)
	}
	got := deviceIDs(t, mustRun(t, exitOK, "--socket", socket, "--data-dir", dataDir, "devices", "-o", "json").stdout)
	if !slices.Equal(got, want) {
		t.Errorf("devices while running %v, replay of the same capture %v", got, want)
	}
	waitFor(t, "devices --watch to print every device", func() bool {
		return strings.Count(watchOut.String(), "\n") >= 1+len(want) // the empty listing, then one line a device
	})
	waitFor(t, "alerts -f to print the custom rule's alert", func() bool {
		return strings.Contains(followOut.String(), `"rule":"custom.any_modbus"`)
	})
	if strings.Contains(followOut.String(), `"rule":"sensor.`) {
		t.Errorf("alerts -f --engine policy printed a sensor alert:\n%s", followOut.String())
	}
	stopWatch()
	if code := <-watchDone; code != exitOK {
		t.Errorf("devices --watch exited with %d", code)
	}
	var streamed []string
	for _, line := range strings.Split(strings.TrimSpace(watchOut.String()), "\n")[1:] {
		var dev struct{ ID string }
		if err := json.Unmarshal([]byte(line), &dev); err != nil {
			t.Fatalf("devices --watch line %q: %v", line, err)
		}
		if !slices.Contains(streamed, dev.ID) {
			streamed = append(streamed, dev.ID)
		}
	}
	slices.Sort(streamed)
	if !slices.Equal(streamed, want) {
		t.Errorf("devices --watch streamed %v, want %v", streamed, want)
	}
	r := mustRun(t, exitOK, "--socket", socket, "--data-dir", dataDir, "status", "-o", "json")
	var ss sensorStatus
	decode(t, r.stdout, &ss)
	if !ss.Daemon || len(ss.Interfaces) != 1 || ss.Devices != len(want) {
		t.Errorf("status through the daemon: %+v", ss)
	}
	waitFor(t, "the alert of the quiet interface", func() bool {
		list, err := client.Alerts()
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(list, func(a *alerts.Alert) bool { return a.Rule == "sensor.no_traffic" }) &&
			slices.ContainsFunc(list, func(a *alerts.Alert) bool { return a.Rule == "sensor.traffic_resumed" }) &&
			slices.ContainsFunc(list, func(a *alerts.Alert) bool { return a.Rule == "custom.any_modbus" })
	})
	r = cli(t, "--socket", socket, "--data-dir", dataDir, "outbox", "flush", "--sink", "file://"+sinkFile)
	if r.code != exitUsage || !strings.Contains(r.stderr, "daemon is running") {
		t.Errorf("outbox flush while running: exit %d, %s", r.code, r.stderr)
	}

	d.stop()
	if code := <-d.done; code != exitOK {
		t.Fatalf("otsensor run stopped with %d:\n%s", code, d.log.String())
	}
	d.done <- exitOK // for the cleanup
	// Stopped: the CLI reads the data dir, which holds the same.
	after := deviceIDs(t, mustRun(t, exitOK, "--socket", socket, "--data-dir", dataDir, "devices", "-o", "json").stdout)
	if !slices.Equal(after, want) {
		t.Errorf("devices after the stop %v, want %v", after, want)
	}
	sent := map[string]int{}
	for _, doc := range readJSONL(t, sinkFile) {
		sent[doc.Type]++
	}
	if sent["device"] != len(want) || sent["heartbeat"] == 0 || sent["alert"] == 0 {
		t.Errorf("forwarded %v; want %d devices, heartbeats and the sensor alerts", sent, len(want))
	}
}

// deviceIDs reads `devices -o json` and returns the ids, sorted.
func deviceIDs(t *testing.T, out string) []string {
	t.Helper()
	var list []struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("devices -o json: %v\n%s", err, out)
	}
	var ids []string
	for _, d := range list {
		ids = append(ids, d.ID)
	}
	slices.Sort(ids)
	return ids
}
