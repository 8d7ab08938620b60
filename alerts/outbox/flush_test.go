package outbox

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// hangSink never answers: Send returns only when its context ends.
type hangSink struct {
	sends     atomic.Int32
	deadlines chan time.Duration // how far away each Send's deadline was
}

func (s *hangSink) Name() string { return "hang" }
func (s *hangSink) Close() error { return nil }
func (s *hangSink) Send(ctx context.Context, _ []sink.Message) error {
	s.sends.Add(1)
	if d, ok := ctx.Deadline(); ok {
		select {
		case s.deadlines <- time.Until(d):
		default:
		}
	}
	<-ctx.Done()
	return ctx.Err()
}

func TestFlushTimeoutReportsPending(t *testing.T) {
	tests := []struct {
		name     string
		s        sink.Sink
		cfg      ForwardConfig
		wantText string
	}{
		{"peer refuses: retried until the deadline", &fakeSink{name: "down", fail: func(int, []sink.Message) error {
			return errors.New("dial tcp 127.0.0.1:1: connection refused")
		}}, ForwardConfig{BackoffMin: 5 * time.Millisecond, BackoffMax: 20 * time.Millisecond}, "connection refused"},
		{"peer hangs: the flush deadline ends the Send", &hangSink{}, ForwardConfig{}, "deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ob, _ := openOutbox(t, Config{})
			f := ob.Forwarder(tt.s, tt.cfg)
			enqueue(t, ob, msgs("m", 7, 10)...)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := f.Flush(ctx)
			if el := time.Since(start); el > 2*time.Second {
				t.Errorf("Flush took %v past its 200ms deadline", el)
			}
			var pe *PendingError
			if !errors.As(err, &pe) || pe.Pending != 7 || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Flush: %v, want a PendingError for 7 messages and DeadlineExceeded", err)
			}
			if !strings.Contains(err.Error(), tt.wantText) || !strings.Contains(err.Error(), "7 messages pending") {
				t.Fatalf("error %q does not say %q and what is pending", err, tt.wantText)
			}
		})
	}
}

// TestSendTimeout: each Send gets the ForwardConfig.SendTimeout deadline,
// a hung Send counts as a failure and is retried.
func TestSendTimeout(t *testing.T) {
	ob, _ := openOutbox(t, Config{})
	s := &hangSink{deadlines: make(chan time.Duration, 1)}
	f := ob.Forwarder(s, ForwardConfig{SendTimeout: 30 * time.Millisecond, BackoffMin: time.Millisecond, BackoffMax: time.Millisecond})
	enqueue(t, ob, msgs("m", 1, 10)...)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := f.Flush(ctx); err == nil {
		t.Fatal("Flush to a hung sink succeeded")
	}
	if d := <-s.deadlines; d <= 0 || d > 30*time.Millisecond {
		t.Fatalf("Send deadline %v away, want ≤ 30ms", d)
	}
	if n := s.sends.Load(); n < 3 {
		t.Fatalf("%d Sends in 500ms with a 30ms send timeout", n)
	}
	if ss := sinkStatus(t, ob, "hang"); ss.Failed < 3 || !strings.Contains(ss.LastError, "deadline") {
		t.Fatalf("status %+v", ss)
	}
}
