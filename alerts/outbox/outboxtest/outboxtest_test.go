package outboxtest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// memPeer is an in-memory stand-in for a broker: a test double of the
// peer; the outbox the harness drives is real. dup and lose make it
// misbehave, to prove the harness notices.
type memPeer struct {
	mu       sync.Mutex
	up       bool
	received []string
	dup      bool // records every message twice
	lose     int  // accepts but forgets every lose-th message
	n        int
}

func (p *memPeer) peer() Peer {
	return Peer{
		NewSink: func(testing.TB) sink.Sink { return &memSink{p: p} },
		Stop:    func(testing.TB) { p.mu.Lock(); p.up = false; p.mu.Unlock() },
		Start:   func(testing.TB) { p.mu.Lock(); p.up = true; p.mu.Unlock() },
		Received: func(testing.TB) []string {
			p.mu.Lock()
			defer p.mu.Unlock()
			return append([]string(nil), p.received...)
		},
	}
}

type memSink struct{ p *memPeer }

func (s *memSink) Name() string { return "mem://peer" }
func (s *memSink) Close() error { return nil }
func (s *memSink) Send(ctx context.Context, batch []sink.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p := s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.up {
		return errors.New("dial tcp 127.0.0.1:1883: connection refused")
	}
	for _, m := range batch {
		p.n++
		if p.lose > 0 && p.n%p.lose == 0 {
			continue
		}
		p.received = append(p.received, m.ID)
		if p.dup {
			p.received = append(p.received, m.ID)
		}
	}
	return nil
}

func TestRunOutage(t *testing.T) { RunOutage(t, (&memPeer{up: true}).peer(), 500) }

func TestRunCapDrop(t *testing.T) { RunCapDrop(t, (&memPeer{up: true}).peer(), 200) }

// TestHarnessCatchesBadPeers runs the harness on misbehaving peers and
// expects it to fail, saying why.
func TestHarnessCatchesBadPeers(t *testing.T) {
	tests := []struct {
		name string
		peer *memPeer
		run  func(testing.TB, limits, Peer, int)
		want string
	}{
		{"outage, duplicates", &memPeer{up: true, dup: true}, runOutage, "duplicated"},
		{"outage, loses messages", &memPeer{up: true, lose: 7}, runOutage, "missing"},
		{"cap drop, duplicates", &memPeer{up: true, dup: true}, runCapDrop, "duplicated"},
		{"cap drop, loses messages", &memPeer{up: true, lose: 7}, runCapDrop, "missing"},
		{"cap drop, n too small", &memPeer{up: true}, runCapDrop, "n ≥ 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 100
			if strings.Contains(tt.want, "≥") {
				n = 3
			}
			r := &recordTB{TB: t}
			lim := limits{wait: time.Second, flush: 10 * time.Second, settle: 50 * time.Millisecond}
			r.run(func(tb testing.TB) { tt.run(tb, lim, tt.peer.peer(), n) })
			if !r.failed || !strings.Contains(r.msg, tt.want) {
				t.Fatalf("harness failed=%v with %q, want a failure saying %q", r.failed, r.msg, tt.want)
			}
		})
	}
}

// recordTB records failures instead of failing the test; Fatal ends the
// goroutine like testing's does.
type recordTB struct {
	testing.TB
	mu       sync.Mutex
	failed   bool
	msg      string
	cleanups []func()
}

func (r *recordTB) Helper()                        {}
func (r *recordTB) Cleanup(f func())               { r.cleanups = append(r.cleanups, f) }
func (r *recordTB) Errorf(format string, a ...any) { r.fail(fmt.Sprintf(format, a...)) }
func (r *recordTB) Fatalf(format string, a ...any) {
	r.fail(fmt.Sprintf(format, a...))
	runtime.Goexit()
}
func (r *recordTB) Fatal(a ...any) { r.fail(fmt.Sprint(a...)); runtime.Goexit() }
func (r *recordTB) Failed() bool   { r.mu.Lock(); defer r.mu.Unlock(); return r.failed }
func (r *recordTB) fail(msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.failed {
		r.failed, r.msg = true, msg
	}
}

func (r *recordTB) run(f func(testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for i := len(r.cleanups) - 1; i >= 0; i-- {
				r.cleanups[i]()
			}
		}()
		f(r)
	}()
	<-done
}
