package outbox

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// ErrClosed is returned by an Outbox (and its Forwarders) after Close.
var ErrClosed = errors.New("outbox: closed")

// Outbox is the durable FIFO. Its methods are safe for concurrent use.
type Outbox struct {
	db  *badger.DB
	cfg Config

	// mu serialises every write to the outbox's keys and guards the
	// fields below, which mirror what is stored.
	mu     sync.Mutex
	closed bool
	next   uint64 // seq the next Enqueue assigns
	head   uint64 // oldest stored seq; == next when empty
	bytes  int64  // size of the stored records
	sinks  map[string]*sinkState
	wake   chan struct{} // closed (and replaced) when messages arrive

	dirty atomic.Bool // written since the last Sync
	stop  chan struct{}
	done  chan struct{}
}

// Open opens the outbox stored in db (keys under "ob/"); db stays the
// caller's, to close after the Outbox. Open finishes deleting messages
// every sink had confirmed before a crash.
func Open(db *badger.DB, cfg Config) (*Outbox, error) {
	ob := &Outbox{db: db, cfg: cfg.withDefaults(), sinks: map[string]*sinkState{}, wake: make(chan struct{}),
		stop: make(chan struct{}), done: make(chan struct{})}
	if err := ob.load(); err != nil {
		return nil, err
	}
	ob.mu.Lock()
	err := ob.trimLocked()
	ob.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if ob.cfg.Synchronous {
		close(ob.done)
	} else {
		go ob.syncLoop()
	}
	return ob, nil
}

// load reads the meta record, the stored seq range and the sinks.
func (ob *Outbox) load() error {
	return ob.db.View(func(txn *badger.Txn) error {
		m := meta{next: 1}
		if item, err := txn.Get([]byte(keyMeta)); err == nil {
			if err := item.Value(func(v []byte) (err error) { m, err = decodeMeta(v); return err }); err != nil {
				return err
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return fmt.Errorf("outbox: %w", err)
		}
		first, last, ok := seqRange(txn)
		if ok && last >= m.next {
			m.next = last + 1 // never reuse a stored seq
		}
		if m.next == 0 {
			m.next = 1
		}
		ob.next, ob.bytes, ob.head = m.next, m.bytes, m.next
		if ok {
			ob.head = first
		}
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 16, Prefix: []byte(prefixSink)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			var st *sinkState
			err := it.Item().Value(func(v []byte) (err error) { st, err = decodeSinkState(v); return err })
			if err != nil {
				return err
			}
			ob.sinks[st.Name] = st
		}
		return nil
	})
}

// seqRange returns the first and last stored message seqs.
func seqRange(txn *badger.Txn) (first, last uint64, ok bool) {
	opts := badger.IteratorOptions{Prefix: []byte(prefixMsg)}
	it := txn.NewIterator(opts)
	it.Rewind()
	if it.Valid() {
		first, ok = seqOf(it.Item().Key())
	}
	it.Close()
	if !ok {
		return 0, 0, false
	}
	opts.Reverse = true
	it = txn.NewIterator(opts)
	defer it.Close()
	it.Seek(msgKey(^uint64(0)))
	if !it.Valid() {
		return 0, 0, false
	}
	last, ok = seqOf(it.Item().Key())
	return first, last, ok
}

// syncLoop syncs the database every SyncInterval when something was written.
func (ob *Outbox) syncLoop() {
	defer close(ob.done)
	t := time.NewTicker(ob.cfg.SyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ob.stop:
			return
		case <-t.C:
			if ob.dirty.Swap(false) {
				if err := ob.db.Sync(); err != nil {
					ob.cfg.Log.Warn("outbox: sync failed", zap.Error(err))
				}
			}
		}
	}
}

// written records a committed write: synced now if Synchronous, else by
// the next tick of the sync loop.
func (ob *Outbox) written() error {
	if ob.cfg.Synchronous {
		return ob.db.Sync()
	}
	ob.dirty.Store(true)
	return nil
}

// Close stops the background sync and syncs what is left. Stop the
// Forwarders first; the database stays open.
func (ob *Outbox) Close() error {
	ob.mu.Lock()
	if ob.closed {
		ob.mu.Unlock()
		return nil
	}
	ob.closed = true
	close(ob.wake)
	ob.mu.Unlock()
	close(ob.stop)
	<-ob.done
	if ob.dirty.Swap(false) {
		return ob.db.Sync()
	}
	return nil
}

// Forget drops the sink's cursor and counters: its pending messages no
// longer hold up deletion. Stop its Forwarder first.
func (ob *Outbox) Forget(name string) error {
	ob.mu.Lock()
	defer ob.mu.Unlock()
	if ob.closed {
		return ErrClosed
	}
	if _, ok := ob.sinks[name]; !ok {
		return nil
	}
	if err := ob.db.Update(func(txn *badger.Txn) error { return txn.Delete(sinkKey(name)) }); err != nil {
		return fmt.Errorf("outbox: forget %s: %w", name, err)
	}
	delete(ob.sinks, name)
	if err := ob.written(); err != nil {
		return err
	}
	return ob.trimLocked()
}
