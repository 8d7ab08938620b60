package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"
)

// receive reads n changes from ch, failing after 5s.
func receive(t *testing.T, ch <-chan Change, n int) []Change {
	t.Helper()
	var got []Change
	for len(got) < n {
		select {
		case c, ok := <-ch:
			if !ok {
				t.Fatalf("stream closed after %d of %d changes", len(got), n)
			}
			got = append(got, c)
		case <-time.After(5 * time.Second):
			t.Fatalf("%d of %d changes after 5s", len(got), n)
		}
	}
	return got
}

// closes waits for ch to close, failing after 5s.
func closes(t *testing.T, ch <-chan Change, what string) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatalf("%s: the stream did not close within 5s", what)
		}
	}
}

// Changes arrive in order, equal to the backend's, and the stream ends on
// both sides when the client's context ends.
func TestChangesStreamUntilCancel(t *testing.T) {
	f := newFake()
	f.streamEnded = make(chan struct{}, 4)
	s := serve(t, f)
	c := s.client(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := c.Changes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := receive(t, ch, len(f.changes))
	if g, w := jsonOf(got), jsonOf(f.changes); g != w {
		t.Fatalf("changes: %s", diff(g, w))
	}
	if got[0].Kind != ChangeDevice || got[0].Device == nil || got[1].Alert == nil || got[1].Alert.ID != policyID {
		t.Errorf("changes decoded wrong: %s", jsonOf(got[:2]))
	}
	select {
	case c, ok := <-ch:
		t.Fatalf("a change beyond the backend's: %v %v", c, ok)
	case <-time.After(50 * time.Millisecond):
	}

	cancel()
	closes(t, ch, "client cancel")
	select {
	case <-f.streamEnded: // the server's request context ended: the backend stopped
	case <-time.After(5 * time.Second):
		t.Fatal("the backend's stream context did not end within 5s of the client going")
	}
}

// The stream is NDJSON: one change per line, flushed as it happens.
func TestChangesWireIsNDJSON(t *testing.T) {
	f := newFake()
	s := serve(t, f)
	conn, err := net.Dial("unix", s.path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte("GET /v1/changes HTTP/1.1\r\nHost: otsensor\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	var head []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if line == "\r\n" {
			break
		}
		head = append(head, strings.TrimSpace(line))
	}
	if head[0] != "HTTP/1.1 200 OK" || !strings.Contains(strings.Join(head, "\n"), "Content-Type: application/x-ndjson") {
		t.Fatalf("head: %q", head)
	}
	// Chunked: size line, then the JSON line. Every change is its own
	// flushed chunk.
	for i, want := range f.changes {
		if _, err := r.ReadString('\n'); err != nil { // chunk size
			t.Fatal(err)
		}
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		var c Change
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
		if jsonOf(c) != jsonOf(want) {
			t.Errorf("line %d: %s", i, diff(jsonOf(c), jsonOf(want)))
		}
		if _, err := r.ReadString('\n'); err != nil { // chunk end
			t.Fatal(err)
		}
	}
}

// Stopping the server ends open streams at once: Serve does not wait
// for them to time out.
func TestServerStopEndsStreams(t *testing.T) {
	f := newFake()
	s := serve(t, f)
	c := s.client(t)
	var chans []<-chan Change
	for range 3 {
		ch, err := c.Changes(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		receive(t, ch, len(f.changes))
		chans = append(chans, ch)
	}
	start := time.Now()
	s.stop(t)
	if d := time.Since(start); d > shutdownTimeout/2 {
		t.Errorf("Serve took %s to stop with 3 streams open", d)
	}
	for _, ch := range chans {
		closes(t, ch, "server stop")
	}
}

// A backend that cannot stream answers with an error, not a stream.
func TestChangesError(t *testing.T) {
	f := newFake()
	f.err = ErrUnavailable
	s := serve(t, f)
	_, err := s.client(t).Changes(context.Background())
	var e *Error
	if err == nil || !strings.Contains(err.Error(), "unavailable") || !asError(err, &e) || e.Code != CodeUnavailable {
		t.Fatalf("Changes error = %#v", err)
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}
