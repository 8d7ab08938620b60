package outbox

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoffCap is the longest wait after the attempt-th consecutive
// retryable failure (attempt 0 is the first): min(hi, lo·2^attempt).
func backoffCap(attempt int, lo, hi time.Duration) time.Duration {
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		if d > hi/2 {
			return hi
		}
		d *= 2
	}
	return min(d, hi)
}

// backoff is a "full jitter" wait: r (in [0, 1)) times backoffCap.
func backoff(attempt int, lo, hi time.Duration, r float64) time.Duration {
	return time.Duration(r * float64(backoffCap(attempt, lo, hi)))
}

func randFloat() float64 { return rand.Float64() }

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
