package outbox

import (
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
	"github.com/otsensor/otsensor/alerts/sink"
)

// Limits of one Enqueue transaction; a transaction Badger still finds
// too big is retried with half as many messages.
const (
	chunkMsgs  = 1000
	chunkBytes = 512 << 10
)

// Enqueue stores msgs, in order, setting each one's Seq, and wakes the
// waiting Forwarders. Once it returns, the messages survive the process
// being killed (and power loss too with Config.Synchronous). If the
// outbox goes past MaxBytes, the oldest messages are dropped. On error,
// a prefix of msgs may have been stored (those with Seq set).
func (ob *Outbox) Enqueue(msgs ...sink.Message) error {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.closed {
		return ErrClosed
	}
	limit := chunkMsgs
	for len(msgs) > 0 {
		n, size := 0, 0
		for n < len(msgs) && n < limit && (n == 0 || size+recordSize(&msgs[n]) <= chunkBytes) {
			size += recordSize(&msgs[n])
			n++
		}
		err := ob.writeLocked(msgs[:n], size)
		if errors.Is(err, badger.ErrTxnTooBig) && n > 1 {
			limit = n / 2
			continue
		}
		if err != nil {
			return err
		}
		msgs = msgs[n:]
	}
	close(ob.wake)
	ob.wake = make(chan struct{})
	if err := ob.dropLocked(); err != nil {
		return err
	}
	return ob.written()
}

// writeLocked stores msgs (size bytes of records) and the meta record in
// one transaction. ob.mu is held.
func (ob *Outbox) writeLocked(msgs []sink.Message, size int) error {
	keys := make([]byte, len(msgs)*msgKeyLen)
	vals := make([]byte, 0, size)
	seq := ob.next
	err := ob.db.Update(func(txn *badger.Txn) error {
		for i := range msgs {
			k := putMsgKey(keys[i*msgKeyLen:], seq+uint64(i))
			start := len(vals)
			vals = appendRecord(vals, &msgs[i])
			if err := txn.Set(k, vals[start:len(vals):len(vals)]); err != nil {
				return err
			}
		}
		return txn.Set([]byte(keyMeta), meta{next: seq + uint64(len(msgs)), bytes: ob.bytes + int64(size)}.encode())
	})
	if err != nil {
		return fmt.Errorf("outbox: enqueue: %w", err)
	}
	for i := range msgs {
		msgs[i].Seq = seq + uint64(i)
	}
	ob.next += uint64(len(msgs))
	ob.bytes += int64(size)
	return nil
}

// dropLocked drops the oldest messages until the outbox fits MaxBytes,
// counting the drop for every sink that had not passed them and moving
// its cursor past them. ob.mu is held.
func (ob *Outbox) dropLocked() error {
	for ob.bytes > ob.cfg.MaxBytes && ob.head < ob.next {
		seqs, err := ob.oldest(ob.bytes - ob.cfg.MaxBytes)
		if err != nil {
			return err
		}
		if len(seqs) == 0 {
			return fmt.Errorf("outbox: %d bytes accounted but no message stored", ob.bytes)
		}
		upTo := seqs[len(seqs)-1]
		var changed []*sinkState
		for _, st := range ob.sinks {
			if st.Cursor >= upTo {
				continue
			}
			ns := *st
			for _, s := range seqs {
				if s > st.Cursor {
					ns.Dropped++
				}
			}
			ns.Cursor = upTo
			changed = append(changed, &ns)
		}
		if err := ob.deleteLocked(upTo, changed); err != nil {
			return err
		}
	}
	return nil
}

// oldest returns the seqs of the oldest messages whose records add up
// to at least excess bytes (at most deleteChunk of them).
func (ob *Outbox) oldest(excess int64) ([]uint64, error) {
	var seqs []uint64
	err := ob.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefixMsg)})
		defer it.Close()
		var sum int64
		for it.Seek(msgKey(ob.head)); it.Valid() && sum < excess && len(seqs) < deleteChunk; it.Next() {
			seq, ok := seqOf(it.Item().Key())
			if !ok {
				continue
			}
			if err := it.Item().Value(func(v []byte) error { sum += int64(len(v)); return nil }); err != nil {
				return err
			}
			seqs = append(seqs, seq)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: drop: %w", err)
	}
	return seqs, nil
}
