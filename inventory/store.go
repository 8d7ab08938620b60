package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
)

// Key prefixes of the inventory's records in the shared Badger database.
const (
	prefixHost = "inv/h/"
	prefixMAC  = "inv/m/"
	prefixLink = "inv/l/"
	keySchema  = "inv/schema"
)

// ErrLocked is returned by OpenDB when another process holds the data dir.
var ErrLocked = errors.New("data dir is in use by another otsensor process")

// OpenDB opens (or creates) the sensor's Badger database in dir, sized for
// a small appliance: Badger's defaults alone reach ~580 MB of RSS. Several
// processes may open it read-only at once; a writer excludes everyone else.
func OpenDB(dir string, readOnly bool, log *zap.Logger) (*badger.DB, error) {
	opts := badger.DefaultOptions(dir).
		WithLogger(badgerLogger{log.Sugar()}).
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithBaseTableSize(2 << 20).
		WithNumLevelZeroTables(2).
		WithNumLevelZeroTablesStall(8).
		WithBlockCacheSize(16 << 20).
		WithIndexCacheSize(8 << 20).
		WithValueLogFileSize(64 << 20).
		WithValueThreshold(4 << 10).
		WithNumCompactors(2).
		WithCompactL0OnClose(true).
		WithDetectConflicts(false).
		WithReadOnly(readOnly)
	db, err := badger.Open(opts)
	if err != nil {
		if strings.Contains(err.Error(), "Cannot acquire directory lock") {
			return nil, fmt.Errorf("open %s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("open data dir %s: %w", dir, err)
	}
	return db, nil
}

// Store persists an Inventory in a Badger database.
type Store struct {
	db *badger.DB
}

// NewStore returns a Store on db.
func NewStore(db *badger.DB) *Store { return &Store{db: db} }

type schemaRecord struct {
	V int `json:"v"`
}

// Load reads every stored record into inv.
func (s *Store) Load(inv *Inventory) error {
	return s.db.View(func(txn *badger.Txn) error {
		if item, err := txn.Get([]byte(keySchema)); err == nil {
			var sr schemaRecord
			if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &sr) }); err != nil {
				return fmt.Errorf("inventory schema record: %w", err)
			}
			if sr.V > SchemaVersion {
				return fmt.Errorf("inventory was written by a newer otsensor (schema %d, this one reads %d)", sr.V, SchemaVersion)
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: []byte("inv/")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if err := item.Value(func(v []byte) error { return inv.loadRecord(item.Key(), v) }); err != nil {
				return fmt.Errorf("inventory record %q: %w", item.Key(), err)
			}
		}
		return nil
	})
}

func (inv *Inventory) loadRecord(key, v []byte) error {
	switch {
	case bytes.HasPrefix(key, []byte(prefixHost)):
		h := &Host{}
		if err := json.Unmarshal(v, h); err != nil {
			return err
		}
		inv.hosts[h.IP] = h
	case bytes.HasPrefix(key, []byte(prefixMAC)):
		m := &MACInfo{}
		if err := json.Unmarshal(v, m); err != nil {
			return err
		}
		inv.macs[m.MAC] = m
	case bytes.HasPrefix(key, []byte(prefixLink)):
		l := &Link{}
		if err := json.Unmarshal(v, l); err != nil {
			return err
		}
		inv.links[l.key()] = l
	}
	return nil
}

func (l *Link) key() LinkKey {
	t, _ := parseTransport(l.Transport)
	return LinkKey{Client: l.Client, Server: l.Server, Transport: t, Port: l.Port}
}

func parseTransport(s string) (uint8, bool) {
	switch s {
	case "TCP":
		return 6, true
	case "UDP":
		return 17, true
	case "ICMP":
		return 1, true
	case "IPv6-ICMP":
		return 58, true
	}
	if n, err := strconv.ParseUint(strings.TrimPrefix(s, "IP-"), 10, 8); err == nil {
		return uint8(n), true
	}
	return 0, false
}

// Save writes the records changed since the last Save in one batch.
func (s *Store) Save(inv *Inventory) error {
	inv.foldAll()
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	put := func(key string, rec any) error {
		v, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return wb.Set([]byte(key), v)
	}
	if err := put(keySchema, schemaRecord{V: SchemaVersion}); err != nil {
		return err
	}
	for a, h := range inv.hosts {
		if h.dirty {
			if err := put(prefixHost+a.String(), h); err != nil {
				return err
			}
		}
	}
	for m, mi := range inv.macs {
		if mi.dirty {
			if err := put(prefixMAC+m.String(), mi); err != nil {
				return err
			}
		}
	}
	for k, l := range inv.links {
		if l.dirty {
			key := fmt.Sprintf("%s%s|%s|%d|%d", prefixLink, k.Client, k.Server, k.Transport, k.Port)
			if err := put(key, l); err != nil {
				return err
			}
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("save inventory: %w", err)
	}
	for _, h := range inv.hosts {
		h.dirty = false
	}
	for _, mi := range inv.macs {
		mi.dirty = false
	}
	for _, l := range inv.links {
		l.dirty = false
	}
	return nil
}

// badgerLogger sends Badger's logs to zap; its info messages are
// routine and go to debug.
type badgerLogger struct{ s *zap.SugaredLogger }

func (l badgerLogger) Errorf(f string, a ...any)   { l.s.Errorf("badger: "+strings.TrimSpace(f), a...) }
func (l badgerLogger) Warningf(f string, a ...any) { l.s.Warnf("badger: "+strings.TrimSpace(f), a...) }
func (l badgerLogger) Infof(f string, a ...any)    { l.s.Debugf("badger: "+strings.TrimSpace(f), a...) }
func (l badgerLogger) Debugf(f string, a ...any)   { l.s.Debugf("badger: "+strings.TrimSpace(f), a...) }
