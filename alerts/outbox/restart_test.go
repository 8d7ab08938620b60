package outbox

import (
	"errors"
	"slices"
	"testing"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/inventory"
	"go.uber.org/zap"
)

// TestRestartKeepsCursorsAndCounters closes and reopens the database.
func TestRestartKeepsCursorsAndCounters(t *testing.T) {
	dir := t.TempDir()
	db, err := inventory.OpenDB(dir, false, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	ob, err := Open(db, Config{})
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeSink{name: "s", fail: func(n int, _ []sink.Message) error {
		if n == 1 {
			return errors.New("connection refused")
		}
		return nil
	}}
	f := ob.Forwarder(s, ForwardConfig{BatchSize: 4})
	ob.Forwarder(&fakeSink{name: "idle"}, ForwardConfig{})
	enqueue(t, ob, msgs("m", 10, 100)...)
	if r, err := f.step(t.Context()); err != nil || r.sendErr == nil {
		t.Fatalf("first send should fail: %+v %v", r, err)
	}
	step(t, f)
	before := status(t, ob)
	if err := ob.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openDB(t, dir)
	ob, err = Open(db, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	after := status(t, ob)
	if !statusEqual(before, after) {
		t.Fatalf("status changed across restart:\nbefore %+v\nafter  %+v", before, after)
	}
	want := SinkStatus{Name: "s", Pending: 6, Sent: 4, Failed: 1, BytesSent: 400, LastError: "connection refused"}
	if got := after.Sinks[1]; got.Name != want.Name || got.Pending != want.Pending || got.Sent != want.Sent ||
		got.Failed != want.Failed || got.BytesSent != want.BytesSent || got.LastError != want.LastError || got.Failing {
		t.Fatalf("sink s after restart %+v, want %+v", got, want)
	}
	s2 := &fakeSink{name: "s"}
	flush(t, ob.Forwarder(s2, ForwardConfig{}))
	if got := s2.seqs(); !slices.Equal(got, seqRangeOf(5, 10)) {
		t.Fatalf("after restart sent %v, want 5-10 only", got)
	}
	m := msgs("n", 1, 10)
	enqueue(t, ob, m...)
	if m[0].Seq != 11 {
		t.Fatalf("seq after restart %d, want 11", m[0].Seq)
	}
}

// TestOpenFinishesTrim: a crash after a cursor moved but before the
// confirmed messages were deleted; Open deletes them.
func TestOpenFinishesTrim(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	ob, err := Open(db, Config{})
	if err != nil {
		t.Fatal(err)
	}
	ob.Forwarder(&fakeSink{name: "s"}, ForwardConfig{})
	enqueue(t, ob, msgs("m", 5, 10)...)
	ob.mu.Lock()
	ns := *ob.sinks["s"]
	ns.Cursor = 3
	err = ob.putSinkLocked(&ns) // cursor moved, no trim
	ob.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if d := status(t, ob).Depth; d != 5 {
		t.Fatalf("depth %d before reopen", d)
	}
	ob.Close()
	ob, err = Open(db, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ob.Close()
	if st := status(t, ob); st.Depth != 2 || st.Sinks[0].Pending != 2 {
		t.Fatalf("after reopen %+v, want 4-5 left", st)
	}
}

func statusEqual(a, b Status) bool {
	if a.Depth != b.Depth || a.Bytes != b.Bytes || a.NextSeq != b.NextSeq || !a.Oldest.Equal(b.Oldest) || len(a.Sinks) != len(b.Sinks) {
		return false
	}
	for i := range a.Sinks {
		x, y := a.Sinks[i], b.Sinks[i]
		if x.Name != y.Name || x.Pending != y.Pending || x.Sent != y.Sent || x.Failed != y.Failed || x.Dropped != y.Dropped ||
			x.BytesSent != y.BytesSent || x.LastError != y.LastError || !x.LastSuccess.Equal(y.LastSuccess) || x.BytesLastHour != y.BytesLastHour {
			return false
		}
	}
	return true
}
