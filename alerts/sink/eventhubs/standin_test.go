package eventhubs

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// python is Debian's interpreter, which has python3-qpid-proton.
const python = "/usr/bin/python3"

// received is one event the stand-in accepted.
type received struct {
	ID, Key, Type, ContentType string
}

// standIn runs testdata/standin.py, an AMQP 1.0 stand-in for Event Hubs,
// on a fixed loopback port across restarts, and collects what it accepted.
type standIn struct {
	port          int
	hub           string
	keyName, key  string
	maxMessageLen int

	mu      sync.Mutex
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	done    chan struct{} // closed when the current process's stdout ends
	stderr  strings.Builder
	synced  chan struct{} // a "synced" line was read
	events  []received    // across restarts, in arrival order
	batches []int         // events per accepted transfer
	sizes   []int         // bytes per accepted transfer
}

// newStandIn starts a stand-in serving hub "alerts"; maxMessageLen is the
// link's max-message-size (0: 1 MiB, as Event Hubs standard).
func newStandIn(t testing.TB, maxMessageLen int) *standIn {
	t.Helper()
	if maxMessageLen == 0 {
		maxMessageLen = 1 << 20
	}
	p := &standIn{port: sinktest.FreePort(t), hub: "alerts", keyName: "RootManageSharedAccessKey", key: "c3RhbmQtaW4ta2V5",
		maxMessageLen: maxMessageLen, synced: make(chan struct{}, 1)}
	p.start(t)
	t.Cleanup(func() {
		p.stop(t)
		if t.Failed() {
			// PN_TRACE_FRM=1 go test ... adds the AMQP frames to this.
			t.Logf("stand-in stderr:\n%s", p.stderrText())
		}
	})
	return p
}

// start runs the stand-in and waits until it listens.
func (p *standIn) start(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("stand-in needs %s with python3-qpid-proton (apt-get install python3-qpid-proton): %v", python, err)
	}
	cmd := exec.Command(python, "testdata/standin.py", "--port", strconv.Itoa(p.port), "--hub", p.hub,
		"--key-name", p.keyName, "--key", p.key, "--max-message-size", strconv.Itoa(p.maxMessageLen))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	p.mu.Unlock()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stand-in: %v", err)
	}
	ready, done := make(chan struct{}), make(chan struct{})
	go p.read(stdout, ready, done)
	select {
	case <-ready:
	case <-done:
		_ = cmd.Wait()
		t.Fatalf("stand-in exited before listening: %s", p.stderrText())
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("stand-in did not listen within 15s: %s", p.stderrText())
	}
	p.mu.Lock()
	p.cmd, p.stdin, p.done = cmd, stdin, done
	p.mu.Unlock()
}

// read collects the stand-in's stdout lines.
func (p *standIn) read(r io.Reader, ready, done chan struct{}) {
	defer close(done)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		p.mu.Lock()
		switch {
		case len(f) == 2 && f[0] == "listening":
			close(ready)
		case len(f) == 1 && f[0] == "synced":
			select {
			case p.synced <- struct{}{}:
			default:
			}
		case len(f) == 3 && f[0] == "batch":
			n, _ := strconv.Atoi(f[1])
			size, _ := strconv.Atoi(f[2])
			p.batches = append(p.batches, n)
			p.sizes = append(p.sizes, size)
		case len(f) == 5 && f[0] == "msg":
			p.events = append(p.events, received{ID: f[1], Key: f[2], Type: f[3], ContentType: f[4]})
		}
		p.mu.Unlock()
	}
}

// stop kills the stand-in (SIGKILL: its connections drop as in an
// outage) and waits for it; the port stays ours to restart on.
func (p *standIn) stop(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	<-done
}

// command sends a control line ("throttle N [COND]", "auth reject") and
// waits until the stand-in applied it.
func (p *standIn) command(t testing.TB, line string) {
	t.Helper()
	p.mu.Lock()
	w := p.stdin
	p.mu.Unlock()
	if _, err := io.WriteString(w, line+"\n"); err != nil {
		t.Fatalf("stand-in command %q: %v", line, err)
	}
	p.sync(t)
}

// sync returns once every line the stand-in printed so far has been read.
// A stopped stand-in's output was read by stop.
func (p *standIn) sync(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	w, running := p.stdin, p.cmd != nil
	p.mu.Unlock()
	if !running {
		return
	}
	if _, err := io.WriteString(w, "sync\n"); err != nil {
		t.Fatalf("stand-in sync: %v", err)
	}
	select {
	case <-p.synced:
	case <-time.After(5 * time.Second):
		t.Fatalf("stand-in did not answer sync within 5s")
	}
}

// received returns what the stand-in accepted so far, across restarts.
func (p *standIn) received(t testing.TB) []received {
	t.Helper()
	p.sync(t)
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]received(nil), p.events...)
}

// receivedIDs is received's message ids.
func (p *standIn) receivedIDs(t testing.TB) []string {
	var ids []string
	for _, e := range p.received(t) {
		ids = append(ids, e.ID)
	}
	return ids
}

func (p *standIn) transfers() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int(nil), p.batches...)
}

func (p *standIn) transferSizes() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int(nil), p.sizes...)
}

func (p *standIn) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// connString is an emulator-mode connection string for the stand-in,
// signed with key.
func (p *standIn) connString(key string) string {
	return fmt.Sprintf("Endpoint=sb://127.0.0.1:%d;SharedAccessKeyName=%s;SharedAccessKey=%s;UseDevelopmentEmulator=true", p.port, p.keyName, key)
}

// newSink builds a sink the way `--sink URL` does, the connection string
// in an environment variable.
func (p *standIn) newSink(t testing.TB, key, hub string, opts ...Option) sink.Sink {
	t.Helper()
	t.Setenv("OTSENSOR_TEST_EH", p.connString(key))
	cfg, err := sink.ParseURL(fmt.Sprintf("eventhubs://127.0.0.1:%d/%s?connection_string_env=OTSENSOR_TEST_EH&timeout=10s", p.port, hub))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, zaptest.NewLogger(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
