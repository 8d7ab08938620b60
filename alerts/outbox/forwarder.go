package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
	"go.uber.org/zap"
)

// Forwarder sends one sink's pending messages, in order. Use it from one
// goroutine at a time (Run or Flush), and make one Forwarder per sink.
type Forwarder struct {
	ob     *Outbox
	s      sink.Sink
	name   string
	cfg    ForwardConfig
	regErr error

	attempt   int  // consecutive retryable failures
	permanent bool // failing with a permanent error since the last success
}

// Forwarder returns a Forwarder for s, registering the sink if it is new:
// from then on messages wait for it, starting with the oldest stored one.
// A registration error is returned by Run and Flush.
func (ob *Outbox) Forwarder(s sink.Sink, cfg ForwardConfig) *Forwarder {
	f := &Forwarder{ob: ob, s: s, name: s.Name(), cfg: cfg.withDefaults(ob.cfg.Now)}
	f.regErr = ob.register(f.name)
	return f
}

// Name is the sink's name.
func (f *Forwarder) Name() string { return f.name }

// PendingError tells that a Flush ended with messages still pending.
type PendingError struct {
	Sink    string
	Pending int64
	Err     error // why: the context's error or the sink's permanent error
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("outbox: sink %s: %d messages pending: %v", e.Sink, e.Pending, e.Err)
}

func (e *PendingError) Unwrap() error { return e.Err }

// stepResult is the outcome of one attempt to send a batch.
type stepResult struct {
	idle    bool          // nothing pending
	sendErr error         // the Send failed: wait delay
	delay   time.Duration // before the next attempt
}

// Run forwards until ctx ends (then it returns nil): it sends what is
// pending, waits for Enqueue when nothing is, and retries failed Sends
// with backoff. It returns early only on a storage error (or ErrClosed).
func (f *Forwarder) Run(ctx context.Context) error {
	if f.regErr != nil {
		return f.regErr
	}
	for ctx.Err() == nil {
		wake := f.ob.wakeChan()
		r, err := f.step(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		case r.idle:
			select {
			case <-wake:
			case <-ctx.Done():
			}
		case r.sendErr != nil:
			_ = f.cfg.Sleep(ctx, r.delay)
		}
	}
	return nil
}

// Flush forwards until nothing is pending for this sink. It returns a
// *PendingError if ctx ends first or the sink fails with a permanent
// error; retryable errors are retried with backoff meanwhile.
func (f *Forwarder) Flush(ctx context.Context) error {
	if f.regErr != nil {
		return f.regErr
	}
	var last error
	for {
		if ctx.Err() != nil {
			return f.pendingErr(ctx.Err(), last)
		}
		r, err := f.step(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return f.pendingErr(ctx.Err(), last)
		case err != nil:
			return err
		case r.idle:
			return nil
		case r.sendErr != nil:
			last = r.sendErr
			if sink.IsPermanent(r.sendErr) {
				return &PendingError{Sink: f.name, Pending: f.ob.pending(f.name), Err: r.sendErr}
			}
			if err := f.cfg.Sleep(ctx, r.delay); err != nil {
				return f.pendingErr(err, last)
			}
		}
	}
}

func (f *Forwarder) pendingErr(ctxErr, last error) error {
	err := ctxErr
	if last != nil {
		err = fmt.Errorf("%w (last send error: %v)", ctxErr, last)
	}
	return &PendingError{Sink: f.name, Pending: f.ob.pending(f.name), Err: err}
}

// step sends one batch. err is a storage error (or ctx's); a failed Send
// is reported in the result.
func (f *Forwarder) step(ctx context.Context) (stepResult, error) {
	batch, err := f.ob.readBatch(f.name, f.cfg.BatchSize, f.cfg.MaxBatchBytes)
	if err != nil || len(batch) == 0 {
		return stepResult{idle: err == nil}, err
	}
	sizes := make([]int, len(batch))
	for i := range batch {
		if f.cfg.Encode != nil {
			batch[i].Body = f.cfg.Encode(batch[i])
		}
		sizes[i] = len(batch[i].Body)
	}
	sctx, cancel := context.WithTimeout(ctx, f.cfg.SendTimeout)
	sendErr := f.s.Send(sctx, batch)
	cancel()
	if sendErr == nil {
		return stepResult{}, f.succeeded(batch, sizes)
	}
	if ctx.Err() != nil {
		return stepResult{}, ctx.Err() // stopped, not a failure of the sink
	}
	if err := f.ob.failed(f.name, sendErr, f.cfg.Now()); err != nil {
		return stepResult{}, err
	}
	if sink.IsPermanent(sendErr) {
		if !f.permanent {
			f.permanent = true
			f.cfg.Log.Warn("sink failing permanently; retrying slowly", zap.String("sink", f.name),
				zap.Duration("retry_every", f.cfg.PermanentBackoff), zap.Error(sendErr))
			if f.cfg.OnPermanent != nil {
				f.cfg.OnPermanent(f.name, sendErr)
			}
		}
		return stepResult{sendErr: sendErr, delay: f.cfg.PermanentBackoff}, nil
	}
	d := backoff(f.attempt, f.cfg.BackoffMin, f.cfg.BackoffMax, f.cfg.Rand())
	f.attempt++
	return stepResult{sendErr: sendErr, delay: d}, nil
}

func (f *Forwarder) succeeded(batch []sink.Message, sizes []int) error {
	if err := f.ob.confirm(f.name, batch, sizes, f.cfg.Now()); err != nil {
		return err
	}
	f.attempt = 0
	if f.permanent {
		f.permanent = false
		f.cfg.Log.Info("sink recovered", zap.String("sink", f.name))
		if f.cfg.OnRecovered != nil {
			f.cfg.OnRecovered(f.name)
		}
	}
	return nil
}
