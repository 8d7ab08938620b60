package kafka

import (
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

// clientOpts are the kgo options of a new client. Every wait kgo may do
// is made to fit inside the sink timeout t, so a failing broker shows up
// as an error of this Send, not as a Send that hangs.
func (s *Sink) clientOpts(hook *lastError) []kgo.Opt {
	t := s.set.timeout
	opts := []kgo.Opt{
		kgo.SeedBrokers(s.set.brokers...),
		kgo.ClientID("otsensor"),
		kgo.WithHooks(hook),
		// No KIP-714 telemetry: it costs the user's quota, and its final
		// push holds Close for up to a second when the broker is gone.
		kgo.DisableClientMetrics(),
		// Dial, write and read limits: a dead broker costs a fraction of t.
		kgo.DialTimeout(clamp(t/3, 500*time.Millisecond, 10*time.Second)),
		kgo.RequestTimeoutOverhead(clamp(t/2, 500*time.Millisecond, 10*time.Second)),
		kgo.ProduceRequestTimeout(clamp(t/2, 500*time.Millisecond, 10*time.Second)),
		kgo.RetryTimeout(t),
		// Retries of NOT_LEADER and the like back off briefly and
		// refresh metadata soon, so they can succeed within t.
		kgo.RetryBackoffFn(backoff(clamp(t/5, 100*time.Millisecond, 2*time.Second))),
		kgo.MetadataMinAge(clamp(t/10, 100*time.Millisecond, 5*time.Second)),
		// Records never outlive the Send that produced them.
		kgo.RecordDeliveryTimeout(t),
		// Send waits for acknowledgements anyway: no linger.
		kgo.ProducerLinger(0),
		kgo.MaxBufferedRecords(max(2*s.set.batch, 10000)),
	}
	if s.set.tls != nil {
		opts = append(opts, kgo.DialTLSConfig(s.set.tls))
	}
	if s.set.eventHubs {
		// Event Hubs' Kafka endpoint takes gzip or nothing (kgo's
		// default is snappy).
		opts = append(opts, kgo.ProducerBatchCompression(kgo.GzipCompression(), kgo.NoCompression()))
	}
	if s.set.user != "" {
		opts = append(opts, kgo.SASL(plain.Auth{User: s.set.user, Pass: s.set.pass}.AsMechanism()))
	}
	return opts
}

// backoff is an exponential backoff from 100ms up to limit, with ±20%
// jitter.
func backoff(limit time.Duration) func(int) time.Duration {
	return func(fails int) time.Duration {
		d := limit
		if fails < 16 {
			d = min(100*time.Millisecond<<max(fails-1, 0), limit)
		}
		return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	}
}

// clamp bounds d to [lo, hi].
func clamp(d, lo, hi time.Duration) time.Duration { return max(lo, min(d, hi)) }

// lastError is a kgo hook that watches one client's connections, so that
// Send can say why it failed and need not wait for its timeout when the
// outcome is already known:
//   - fatal closes on a refused SASL exchange or certificate, which kgo
//     retries as if the broker were unreachable: Send returns it at once,
//     as permanent;
//   - down closes when every broker refuses connections, none succeeding
//     since: every seed while the client knows no broker yet, or every
//     broker it knows (Send tells it how many with rearm). One refusing
//     broker of several (a partition leader restarting) is waited for; a
//     cluster that is not there gives a retryable error at once.
type lastError struct {
	seeds int

	mu             sync.Mutex
	err            error
	known          int             // brokers the client knows, from rearm
	refusedSeeds   map[string]bool // host:port refusing since the last success
	refusedBrokers map[int32]bool  // node ids refusing since the last success
	fatal          chan struct{}
	down           chan struct{}
}

func newLastError(seeds int) *lastError {
	return &lastError{seeds: max(seeds, 1), refusedSeeds: map[string]bool{}, refusedBrokers: map[int32]bool{},
		fatal: make(chan struct{}), down: make(chan struct{})}
}

var (
	_ kgo.HookBrokerConnect = (*lastError)(nil)
	_ kgo.HookBrokerE2E     = (*lastError)(nil)
)

// OnBrokerConnect records a failed dial, TLS handshake or SASL exchange.
func (h *lastError) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		clear(h.refusedSeeds)
		clear(h.refusedBrokers)
		return
	}
	h.setLocked(err)
	if errors.Is(err, syscall.ECONNREFUSED) {
		if meta.NodeID < 0 { // kgo numbers seeds from math.MinInt32
			h.refusedSeeds[net.JoinHostPort(meta.Host, strconv.Itoa(int(meta.Port)))] = true
		} else {
			h.refusedBrokers[meta.NodeID] = true
		}
		h.checkDownLocked()
	}
}

// rearm records how many brokers the client knows and returns the channel
// that closes when all of them refuse: closed already if they do.
func (h *lastError) rearm(known int) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.known = known
	if closed(h.down) && !h.allRefusedLocked() {
		h.down = make(chan struct{})
	}
	return h.down
}

// downChan is the channel that closes when every broker refuses.
func (h *lastError) downChan() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down
}

// allRefusedLocked tells whether every broker refuses. Before the first
// rearm any refusing broker counts, so that Send looks at once how many
// the client knows. h.mu is held.
func (h *lastError) allRefusedLocked() bool {
	if h.known > 0 {
		return len(h.refusedBrokers) >= h.known
	}
	return len(h.refusedSeeds) >= h.seeds || len(h.refusedBrokers) > 0
}

// checkDownLocked closes down once every broker refuses. h.mu is held.
func (h *lastError) checkDownLocked() {
	if h.allRefusedLocked() && !closed(h.down) {
		close(h.down)
	}
}

// OnBrokerE2E records a failed request write or response read.
func (h *lastError) OnBrokerE2E(_ kgo.BrokerMetadata, _ int16, e kgo.BrokerE2E) {
	if err := e.Err(); err != nil {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.setLocked(err)
	}
}

// setLocked keeps err unless a permanent error is already kept. h.mu is held.
func (h *lastError) setLocked(err error) {
	if closed(h.fatal) {
		return
	}
	h.err = err
	if isPermanent(err) {
		close(h.fatal)
	}
}

func (h *lastError) get() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// closed tells whether ch is closed.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
