package outbox

import (
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// register returns the sink's state, creating it, positioned before the
// oldest stored message, if the sink is new.
func (ob *Outbox) register(name string) error {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.closed {
		return ErrClosed
	}
	if _, ok := ob.sinks[name]; ok {
		return nil
	}
	return ob.putSinkLocked(&sinkState{V: sinkStateV1, Name: name, Cursor: ob.head - 1, Registered: ob.cfg.Now().UTC()})
}

// confirm records that the sink accepted batch (whose bodies, as sent,
// were sizes[i] bytes): the cursor and counters move in one transaction,
// then the messages every sink passed are deleted. A message dropped
// while it was in flight was already counted as dropped, not sent.
func (ob *Outbox) confirm(name string, batch []sink.Message, sizes []int, now time.Time) error {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	st := ob.sinks[name]
	if ob.closed {
		return ErrClosed
	}
	if st == nil {
		return errForgotten
	}
	ns := *st
	var n int64
	for i, m := range batch {
		if m.Seq > st.Cursor {
			ns.Sent++
			n += int64(sizes[i])
		}
	}
	if last := batch[len(batch)-1].Seq; last > ns.Cursor {
		ns.Cursor = last
	}
	ns.BytesSent += n
	ns.addBytes(now, n)
	ns.LastSuccess = now.UTC()
	ns.Failing = false
	if err := ob.putSinkLocked(&ns); err != nil {
		return err
	}
	return ob.trimLocked()
}

// failed records a failed Send.
func (ob *Outbox) failed(name string, sendErr error, now time.Time) error {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	st := ob.sinks[name]
	if ob.closed {
		return ErrClosed
	}
	if st == nil {
		return errForgotten
	}
	ns := *st
	ns.Failed++
	ns.LastError = sendErr.Error()
	ns.LastPermanent = sink.IsPermanent(sendErr)
	ns.LastErrorTime = now.UTC()
	ns.Failing = true
	return ob.putSinkLocked(&ns)
}

// pending is how many stored messages the sink has not confirmed.
func (ob *Outbox) pending(name string) int64 {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if st := ob.sinks[name]; st != nil {
		return ob.pendingLocked(st)
	}
	return 0
}

func (ob *Outbox) pendingLocked(st *sinkState) int64 {
	from := max(st.Cursor+1, ob.head)
	if from >= ob.next {
		return 0
	}
	return int64(ob.next - from)
}

// wakeChan is closed when messages are next enqueued (or on Close).
func (ob *Outbox) wakeChan() <-chan struct{} {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	return ob.wake
}
