package outbox

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/inventory"
	"go.uber.org/zap"
)

// openDB opens a Badger database in dir, closed at the end of the test.
func openDB(t testing.TB, dir string) *badger.DB {
	t.Helper()
	db, err := inventory.OpenDB(dir, false, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openOutbox opens an Outbox on a fresh database.
func openOutbox(t testing.TB, cfg Config) (*Outbox, *badger.DB) {
	t.Helper()
	db := openDB(t, t.TempDir())
	ob, err := Open(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ob.Close() })
	return ob, db
}

// msgs makes n alert messages "<prefix>-<i>" with bodies of size bytes.
func msgs(prefix string, n, size int) []sink.Message {
	out := make([]sink.Message, n)
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range out {
		body := fmt.Appendf(nil, `{"schema":"otsensor.message","v":1,"id":"%s-%06d","type":"alert"}`, prefix, i)
		for len(body) < size {
			body = append(body, ' ')
		}
		out[i] = sink.Message{ID: fmt.Sprintf("%s-%06d", prefix, i), Type: sink.TypeAlert, Time: base.Add(time.Duration(i) * time.Second), Body: body}
	}
	return out
}

// fakeSink records what it accepted; fail, when set, decides each Send.
type fakeSink struct {
	name  string
	mu    sync.Mutex
	got   []sink.Message
	sent  [][]uint64 // seqs of each accepted batch
	fail  func(n int, batch []sink.Message) error
	hold  time.Duration // each Send takes that long
	sends int
}

func (s *fakeSink) Name() string { return s.name }
func (s *fakeSink) Close() error { return nil }

func (s *fakeSink) Send(ctx context.Context, batch []sink.Message) error {
	if s.hold > 0 {
		select {
		case <-time.After(s.hold):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sends++
	if s.fail != nil {
		if err := s.fail(s.sends, batch); err != nil {
			return err
		}
	}
	seqs := make([]uint64, len(batch))
	for i, m := range batch {
		m.Body = append([]byte(nil), m.Body...)
		s.got = append(s.got, m)
		seqs[i] = m.Seq
	}
	s.sent = append(s.sent, seqs)
	return nil
}

func (s *fakeSink) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.got))
	for i, m := range s.got {
		out[i] = m.ID
	}
	return out
}

func (s *fakeSink) seqs() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]uint64, len(s.got))
	for i, m := range s.got {
		out[i] = m.Seq
	}
	return out
}

// sinkStatus returns the named sink's status.
func sinkStatus(t testing.TB, ob *Outbox, name string) SinkStatus {
	t.Helper()
	st, err := ob.Status()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Sinks {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("sink %s not in status %+v", name, st)
	return SinkStatus{}
}

func status(t testing.TB, ob *Outbox) Status {
	t.Helper()
	st, err := ob.Status()
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func flush(t testing.TB, f *Forwarder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := f.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func enqueue(t testing.TB, ob *Outbox, m ...sink.Message) {
	t.Helper()
	if err := ob.Enqueue(m...); err != nil {
		t.Fatal(err)
	}
}

// seqRangeOf is [from, to].
func seqRangeOf(from, to uint64) []uint64 {
	var out []uint64
	for s := from; s <= to; s++ {
		out = append(out, s)
	}
	return out
}
