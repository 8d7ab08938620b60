package outbox

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

func TestBackoffCap(t *testing.T) {
	const lo, hi = time.Second, 5 * time.Minute
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, time.Second}, {1, 2 * time.Second}, {2, 4 * time.Second}, {8, 256 * time.Second},
		{9, hi}, // 512 s capped
		{100, hi}, {1 << 30, hi},
	}
	for _, tt := range tests {
		if got := backoffCap(tt.attempt, lo, hi); got != tt.want {
			t.Errorf("backoffCap(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
	// no overflow near the largest duration
	if got := backoffCap(70, time.Duration(1)<<62, time.Duration(1<<63-1)); got != time.Duration(1<<63-1) {
		t.Errorf("huge backoff %v", got)
	}
}

// fakeClock is an injected clock whose Sleep advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// TestRetryableBackoff: 12 retryable failures, then success. Each wait
// is within [0, cap), the caps double from BackoffMin up to BackoffMax.
func TestRetryableBackoff(t *testing.T) {
	clock := &fakeClock{now: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
	ob, _ := openOutbox(t, Config{Now: clock.Now})
	const fails = 12
	s := &fakeSink{name: "s", fail: func(n int, _ []sink.Message) error {
		if n <= fails {
			return errors.New("503 service unavailable")
		}
		return nil
	}}
	rng := rand.New(rand.NewPCG(1, 2))
	f := ob.Forwarder(s, ForwardConfig{BackoffMin: time.Second, BackoffMax: time.Minute, Sleep: clock.Sleep, Rand: rng.Float64,
		OnPermanent: func(string, error) { t.Error("OnPermanent called for a retryable error") }})
	enqueue(t, ob, msgs("m", 3, 10)...)
	flush(t, f)
	sleeps := clock.slept()
	if len(sleeps) != fails {
		t.Fatalf("%d sleeps, want %d", len(sleeps), fails)
	}
	wantCaps := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60}
	var sum time.Duration
	for i, d := range sleeps {
		c := wantCaps[i] * time.Second
		if d < 0 || d >= c {
			t.Errorf("sleep %d = %v, want in [0, %v)", i, d, c)
		}
		sum += d
	}
	// full jitter: the waits are not all at the cap, nor all zero
	if sum == 0 || sum >= 422*time.Second {
		t.Errorf("waits sum %v: no jitter", sum)
	}
	ss := sinkStatus(t, ob, "s")
	if ss.Failed != fails || ss.Sent != 3 || ss.Failing || ss.LastErrorPermanent {
		t.Fatalf("status %+v", ss)
	}
	if !ss.LastSuccess.Equal(clock.Now()) {
		t.Errorf("last success %v, want the injected clock's %v", ss.LastSuccess, clock.Now())
	}
}

// TestRetryableBackoffAtCap: with Rand near 1 the waits are the caps.
func TestRetryableBackoffAtCap(t *testing.T) {
	clock := &fakeClock{now: time.Unix(0, 0)}
	ob, _ := openOutbox(t, Config{})
	s := &fakeSink{name: "s", fail: func(n int, _ []sink.Message) error {
		if n <= 5 {
			return errors.New("timeout")
		}
		return nil
	}}
	f := ob.Forwarder(s, ForwardConfig{BackoffMin: 100 * time.Millisecond, BackoffMax: 500 * time.Millisecond, Sleep: clock.Sleep,
		Rand: func() float64 { return 0.5 }})
	enqueue(t, ob, msgs("m", 1, 10)...)
	flush(t, f)
	want := []time.Duration{50, 100, 200, 250, 250} // half of 100, 200, 400, 500, 500 ms
	got := clock.slept()
	if len(got) != len(want) {
		t.Fatalf("sleeps %v", got)
	}
	for i := range want {
		if got[i] != want[i]*time.Millisecond {
			t.Fatalf("sleeps %v, want %v ms", got, want)
		}
	}
}

// TestPermanent: a permanent error waits PermanentBackoff, calls
// OnPermanent once and OnRecovered once the sink works again.
func TestPermanent(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1700000000, 0)}
	ob, _ := openOutbox(t, Config{Now: clock.Now})
	errAuth := errors.New("401 unauthorized")
	delivered := make(chan struct{})
	s := &fakeSink{name: "s", fail: func(n int, _ []sink.Message) error {
		switch {
		case n <= 3:
			return sink.Permanent(errAuth)
		case n == 4:
			return errors.New("connection reset") // still not recovered
		case n == 5:
			close(delivered)
		}
		return nil
	}}
	var mu sync.Mutex
	var events []string
	f := ob.Forwarder(s, ForwardConfig{PermanentBackoff: 7 * time.Minute, Sleep: clock.Sleep, Rand: func() float64 { return 0.5 },
		OnPermanent: func(name string, err error) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, "permanent "+name+": "+err.Error())
		},
		OnRecovered: func(name string) { mu.Lock(); defer mu.Unlock(); events = append(events, "recovered "+name) }})
	enqueue(t, ob, msgs("m", 2, 10)...)

	// Flush gives up at once on a permanent error, naming what is pending.
	err := f.Flush(t.Context())
	var pe *PendingError
	if !errors.As(err, &pe) || pe.Pending != 2 || pe.Sink != "s" || !errors.Is(err, errAuth) {
		t.Fatalf("Flush: %v, want a PendingError for 2 messages wrapping the auth error", err)
	}
	if ss := sinkStatus(t, ob, "s"); !ss.LastErrorPermanent || !ss.Failing || ss.Failed != 1 || ss.LastError != errAuth.Error() {
		t.Fatalf("status after permanent error %+v", ss)
	}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- f.Run(ctx) }()
	select {
	case <-delivered:
	case <-time.After(10 * time.Second):
		t.Fatal("never delivered")
	}
	waitFor(t, 5*time.Second, func() bool { return sinkStatus(t, ob, "s").Pending == 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Flush slept no time; Run slept 7 min twice, then a jittered 0.5 s.
	want := []time.Duration{7 * time.Minute, 7 * time.Minute, 500 * time.Millisecond}
	if got := clock.slept(); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("sleeps %v, want %v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 2 || events[0] != "permanent s: 401 unauthorized" || events[1] != "recovered s" {
		t.Fatalf("callbacks %q", events)
	}
	if ss := sinkStatus(t, ob, "s"); ss.Failed != 4 || ss.Sent != 2 || ss.Failing || ss.LastError != "connection reset" {
		t.Fatalf("final status %+v", ss)
	}
}
