package outbox

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/inventory"
	"go.uber.org/zap"
)

// Environment of the child process TestKill9 starts (this test binary).
const (
	envChild = "OUTBOX_KILL_CHILD" // "run" (forward until killed) or "flush"
	envDir   = "OUTBOX_KILL_DIR"
	envAddr  = "OUTBOX_KILL_ADDR" // the parent's collector
	envN     = "OUTBOX_KILL_N"    // messages to enqueue first
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(envChild); mode != "" {
		os.Exit(killChild(mode))
	}
	os.Exit(m.Run())
}

// killChild opens the data dir, enqueues N messages (synced), and
// forwards them, 10 per batch, to the collector.
func killChild(mode string) int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "child:", err); return 2 }
	db, err := inventory.OpenDB(os.Getenv(envDir), false, zap.NewNop())
	if err != nil {
		return fail(err)
	}
	ob, err := Open(db, Config{Synchronous: true})
	if err != nil {
		return fail(err)
	}
	n, _ := strconv.Atoi(os.Getenv(envN))
	if n > 0 {
		m := make([]sink.Message, n)
		for i := range m {
			m[i] = sink.Message{ID: fmt.Sprintf("k-%04d", i), Type: sink.TypeAlert, Time: time.Unix(int64(i), 0), Body: []byte("{}")}
		}
		if err := ob.Enqueue(m...); err != nil {
			return fail(err)
		}
	}
	f := ob.Forwarder(&lineSink{addr: os.Getenv(envAddr)}, ForwardConfig{BatchSize: 10, BackoffMin: 10 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	if mode == "run" {
		return fail(f.Run(context.Background())) // until killed
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := f.Flush(ctx); err != nil {
		return fail(err)
	}
	if err := ob.Close(); err != nil {
		return fail(err)
	}
	if err := db.Close(); err != nil {
		return fail(err)
	}
	return 0
}

// lineSink sends a batch as one line of ids and waits for "ok".
type lineSink struct {
	addr string
	conn net.Conn
	r    *bufio.Reader
}

func (s *lineSink) Name() string { return "collector" }
func (s *lineSink) Close() error { return nil }
func (s *lineSink) Send(ctx context.Context, batch []sink.Message) error {
	if s.conn == nil {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.addr)
		if err != nil {
			return err
		}
		s.conn, s.r = c, bufio.NewReader(c)
	}
	if d, ok := ctx.Deadline(); ok {
		s.conn.SetDeadline(d)
	}
	ids := make([]string, len(batch))
	for i, m := range batch {
		ids[i] = m.ID
	}
	_, err := fmt.Fprintln(s.conn, strings.Join(ids, " "))
	if err == nil {
		var line string
		if line, err = s.r.ReadString('\n'); err == nil && line != "ok\n" {
			err = fmt.Errorf("collector said %q", line)
		}
	}
	if err != nil {
		s.conn.Close()
		s.conn = nil
	}
	return err
}

// collector receives batches; policy says, per batch (counted from 1),
// whether to ack it and whether the child must be killed now.
type collector struct {
	mu      sync.Mutex
	batches [][]string
	kill    chan struct{}
}

func startCollector(t *testing.T, policy func(i int) (ack, kill bool)) (*collector, string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	c := &collector{kill: make(chan struct{})}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go c.serve(conn, policy)
		}
	}()
	return c, ln.Addr().String()
}

func (c *collector) serve(conn net.Conn, policy func(int) (bool, bool)) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		c.mu.Lock()
		c.batches = append(c.batches, strings.Fields(line))
		ack, kill := policy(len(c.batches))
		c.mu.Unlock()
		if ack {
			fmt.Fprint(conn, "ok\n")
		}
		if kill {
			close(c.kill)
			<-time.After(time.Minute) // hold the connection: the child dies first
			return
		}
	}
}

func (c *collector) got() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]string(nil), c.batches...)
}

// startChild runs this test binary as a child in mode.
func startChild(t *testing.T, mode, dir, addr string, n int) (*exec.Cmd, *bytes.Buffer) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envChild+"="+mode, envDir+"="+dir, envAddr+"="+addr, envN+"="+strconv.Itoa(n))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stderr
}

// killAt runs a "run" child until the collector asks for the kill, then
// SIGKILLs it and returns the batches received in that round.
func killAt(t *testing.T, dir string, n int, policy func(int) (bool, bool)) [][]string {
	c, addr := startCollector(t, policy)
	cmd, stderr := startChild(t, "run", dir, addr, n)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-c.kill:
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		<-exited
	case err := <-exited:
		t.Fatalf("child exited before the kill: %v\n%s", err, stderr)
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("no kill point reached in 30s\n%s", stderr)
	}
	return c.got()
}

// TestKill9 kills a forwarding process twice: once right after acking a
// batch (the child may not have recorded it), once while a batch is
// unacknowledged; a third run flushes. Every id arrives, none more than
// twice, and what was confirmed before a kill is never sent again.
func TestKill9(t *testing.T) {
	const n = 200
	dir := t.TempDir()
	// Round 1: ack batches 1-6, kill on 6 right after its ack.
	r1 := killAt(t, dir, n, func(i int) (bool, bool) { return true, i == 6 })
	// Round 2: ack 1-3, kill on batch 4 without acking it.
	r2 := killAt(t, dir, 0, func(i int) (bool, bool) { return i < 4, i == 4 })
	// Round 3: flush the rest.
	c, addr := startCollector(t, func(int) (bool, bool) { return true, false })
	cmd, stderr := startChild(t, "flush", dir, addr, 0)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("flush child: %v\n%s", err, stderr)
	}
	r3 := c.got()

	count := map[string]int{}
	last := map[string]int{} // position of an id's last arrival
	round := map[string]int{}
	type pos struct{ round, batch int }
	var order []pos
	for r, batches := range [][][]string{r1, r2, r3} {
		for j, b := range batches {
			order = append(order, pos{r + 1, j})
			for _, id := range b {
				count[id]++
				last[id] = len(order) - 1
				round[id] = r + 1
			}
		}
	}
	for i := range n {
		id := fmt.Sprintf("k-%04d", i)
		if count[id] < 1 || count[id] > 2 {
			t.Errorf("%s arrived %d times", id, count[id])
		}
	}
	if len(count) != n {
		t.Errorf("%d distinct ids, want %d", len(count), n)
	}
	// Batches before the last one of a killed round were confirmed (the
	// child reads the next batch only after recording the previous one):
	// they never arrive again.
	for p, at := range order {
		if at.round == 3 || at.batch == len([][][]string{r1, r2}[at.round-1])-1 {
			continue
		}
		for _, id := range [][][]string{r1, r2}[at.round-1][at.batch] {
			if last[id] != p {
				t.Errorf("%s confirmed in round %d batch %d, resent later", id, at.round, at.batch+1)
			}
		}
	}
	// Round 2's last batch was never acked: it must come again in round 3.
	for _, id := range r2[len(r2)-1] {
		if round[id] != 3 {
			t.Errorf("unacknowledged %s not resent after the restart", id)
		}
	}
	t.Logf("rounds: %d, %d, %d batches; %d ids resent", len(r1), len(r2), len(r3), resent(count))
}

func resent(count map[string]int) int {
	n := 0
	for _, c := range count {
		if c > 1 {
			n++
		}
	}
	return n
}
