package outbox

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/otsensor/otsensor/alerts/sink"
)

// deleteChunk is the most messages deleted per transaction.
const deleteChunk = 1000

// trimLocked deletes the messages every registered sink is done with.
// With no sink registered, nothing is deleted. ob.mu is held.
func (ob *Outbox) trimLocked() error {
	if len(ob.sinks) == 0 {
		return nil
	}
	low := ^uint64(0)
	for _, st := range ob.sinks {
		if st.Cursor < low {
			low = st.Cursor
		}
	}
	for ob.head <= low && ob.head < ob.next {
		upTo := low
		if upTo-ob.head >= deleteChunk {
			upTo = ob.head + deleteChunk - 1
		}
		if err := ob.deleteLocked(upTo, nil); err != nil {
			return err
		}
	}
	return nil
}

// deleteLocked deletes the stored messages with seq ≤ upTo (at most
// deleteChunk of them) with the meta record and the given sink states,
// in one transaction, then applies it to ob. ob.mu is held.
func (ob *Outbox) deleteLocked(upTo uint64, sinks []*sinkState) error {
	head, bytes := ob.head, ob.bytes
	err := ob.db.Update(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixMsg)})
		var keys [][]byte
		for it.Seek(msgKey(head)); it.Valid() && len(keys) < deleteChunk; it.Next() {
			seq, ok := seqOf(it.Item().Key())
			if !ok || seq > upTo {
				break
			}
			var n int
			if err := it.Item().Value(func(v []byte) error { n = len(v); return nil }); err != nil {
				it.Close()
				return err
			}
			keys = append(keys, it.Item().KeyCopy(nil))
			bytes -= int64(n)
			head = seq + 1
		}
		it.Close()
		if head <= upTo {
			head = upTo + 1 // a gap: nothing stored up to upTo
		}
		for _, k := range keys {
			if err := txn.Delete(k); err != nil {
				return err
			}
		}
		if bytes < 0 {
			bytes = 0
		}
		if err := txn.Set([]byte(keyMeta), meta{next: ob.next, bytes: bytes}.encode()); err != nil {
			return err
		}
		return putSinks(txn, sinks)
	})
	if err != nil {
		return fmt.Errorf("outbox: delete: %w", err)
	}
	if head > ob.next {
		head = ob.next
	}
	ob.head, ob.bytes = head, bytes
	for _, st := range sinks {
		ob.sinks[st.Name] = st
	}
	return ob.written()
}

func putSinks(txn *badger.Txn, sinks []*sinkState) error {
	for _, st := range sinks {
		b, err := st.encode()
		if err != nil {
			return err
		}
		if err := txn.Set(sinkKey(st.Name), b); err != nil {
			return err
		}
	}
	return nil
}

// putSink writes one sink state and, once committed, installs it.
// ob.mu is held.
func (ob *Outbox) putSinkLocked(st *sinkState) error {
	err := ob.db.Update(func(txn *badger.Txn) error { return putSinks(txn, []*sinkState{st}) })
	if err != nil {
		return fmt.Errorf("outbox: sink %s: %w", st.Name, err)
	}
	ob.sinks[st.Name] = st
	return ob.written()
}

// errForgotten is returned to a Forwarder whose sink was forgotten.
var errForgotten = errors.New("outbox: sink was forgotten")

// readBatch reads the messages after the sink's cursor: at most max, and
// at most maxBytes of bodies unless the first alone is larger.
func (ob *Outbox) readBatch(name string, maxN, maxBytes int) ([]sink.Message, error) {
	ob.mu.Lock()
	closed, st := ob.closed, ob.sinks[name]
	var from uint64
	if st != nil {
		from = st.Cursor + 1
	}
	ob.mu.Unlock()
	switch {
	case closed:
		return nil, ErrClosed
	case st == nil:
		return nil, errForgotten
	}
	var batch []sink.Message
	var arena []byte
	err := ob.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: maxN, Prefix: []byte(prefixMsg)})
		defer it.Close()
		size := 0
		for it.Seek(msgKey(from)); it.Valid() && len(batch) < maxN; it.Next() {
			item := it.Item()
			seq, ok := seqOf(item.Key())
			if !ok {
				continue
			}
			err := item.Value(func(v []byte) error {
				m, err := decodeRecord(seq, v)
				if err != nil {
					return err
				}
				if len(batch) > 0 && size+len(m.Body) > maxBytes {
					return errBatchFull
				}
				size += len(m.Body)
				if cap(arena)-len(arena) < len(m.Body) {
					// earlier bodies keep the old array
					arena = make([]byte, 0, max(len(m.Body), min(maxBytes, 2*cap(arena)+16<<10)))
				}
				start := len(arena)
				arena = append(arena, m.Body...)
				m.Body = arena[start:len(arena):len(arena)]
				batch = append(batch, m)
				return nil
			})
			if errors.Is(err, errBatchFull) {
				return nil
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: read %s: %w", name, err)
	}
	return batch, nil
}

var errBatchFull = errors.New("batch full")
