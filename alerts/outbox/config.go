package outbox

import (
	"context"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
	"go.uber.org/zap"
)

// Config configures an Outbox. The zero value is usable.
type Config struct {
	// MaxBytes caps the stored messages (their encoded records); when an
	// Enqueue goes past it, the oldest messages are dropped. Default 64 MiB.
	MaxBytes int64
	// SyncInterval is how often enqueued messages are synced to disk in
	// the background: at most that much is lost on power loss. Default 1s.
	SyncInterval time.Duration
	// Synchronous syncs to disk before every Enqueue (and cursor update)
	// returns, instead of every SyncInterval.
	Synchronous bool
	// Now is the wall clock for statistics (default time.Now).
	Now func() time.Time
	// Log receives background sync errors (default: none).
	Log *zap.Logger
}

// DefaultMaxBytes is the default Config.MaxBytes.
const DefaultMaxBytes = 64 << 20

func (c Config) withDefaults() Config {
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.SyncInterval <= 0 {
		c.SyncInterval = time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
	return c
}

// ForwardConfig configures a Forwarder. The zero value is usable.
type ForwardConfig struct {
	// BatchSize is the most messages per Send (default 100).
	BatchSize int
	// MaxBatchBytes is the most body bytes per Send (default 1 MiB); a
	// batch holds at least one message whatever its size.
	MaxBatchBytes int
	// SendTimeout bounds one Send (default 30s; pass the sink's
	// sink.Config.SendTimeout()).
	SendTimeout time.Duration
	// BackoffMin and BackoffMax bound the wait after a retryable error:
	// attempt n waits a random time in [0, min(BackoffMax, BackoffMin·2ⁿ))
	// ("full jitter"). Defaults 1s and 5 min.
	BackoffMin time.Duration
	BackoffMax time.Duration
	// PermanentBackoff is the wait after an error marked sink.Permanent
	// (default 10 min).
	PermanentBackoff time.Duration
	// Encode, when set, turns a message into the body this sink sends
	// (e.g. the Defender envelope); bytes sent are counted after it.
	Encode func(sink.Message) []byte
	// OnPermanent is called once when the sink starts failing with a
	// permanent error; OnRecovered when a Send succeeds again after that.
	OnPermanent func(sinkName string, err error)
	OnRecovered func(sinkName string)
	// Now is the clock for statistics (default: the Outbox's).
	Now func() time.Time
	// Sleep waits d or until ctx ends (default: a timer); tests inject
	// one that does not wait.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0, 1) for the jitter (default math/rand/v2).
	Rand func() float64
	// Log receives one line when a sink starts failing permanently and
	// one when it recovers (default: none).
	Log *zap.Logger
}

func (c ForwardConfig) withDefaults(now func() time.Time) ForwardConfig {
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	if c.MaxBatchBytes <= 0 {
		c.MaxBatchBytes = 1 << 20
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 30 * time.Second
	}
	if c.BackoffMin <= 0 {
		c.BackoffMin = time.Second
	}
	if c.BackoffMax <= 0 {
		c.BackoffMax = 5 * time.Minute
	}
	if c.BackoffMax < c.BackoffMin {
		c.BackoffMax = c.BackoffMin
	}
	if c.PermanentBackoff <= 0 {
		c.PermanentBackoff = 10 * time.Minute
	}
	if c.Now == nil {
		c.Now = now
	}
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
	if c.Rand == nil {
		c.Rand = randFloat
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
	return c
}
