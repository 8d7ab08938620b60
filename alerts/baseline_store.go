package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Keys of the baseline in the sensor's Badger database: its mode, one
// record per host and per link, and the schema version of them all.
const (
	prefixBaseline     = "bl/"
	keyBaselineSchema  = "bl/schema"
	keyBaselineMode    = "bl/mode"
	prefixBaselineHost = "bl/h/"
	prefixBaselineLink = "bl/l/"
)

// BaselineSchemaVersion is the version of the stored baseline records.
const BaselineSchemaVersion = 1

type baselineModeRecord struct {
	V         int           `json:"v"`
	Mode      string        `json:"mode"`
	LockedAt  time.Time     `json:"locked_at,omitzero"`
	LockAfter time.Duration `json:"lock_after_ns,omitzero"`
	LearnFrom time.Time     `json:"learn_from,omitzero"`
}

type baselineHostRecord struct {
	V int `json:"v"`
	BaselineHost
}

type baselineLinkRecord struct {
	V int `json:"v"`
	BaselineLink
}

func baselineHostKey(h *BaselineHost) []byte {
	return []byte(prefixBaselineHost + h.IP.String())
}

// baselineLinkKey is "bl/l/<client>/<server>/<transport>/<port>".
func baselineLinkKey(l *BaselineLink) []byte {
	return []byte(prefixBaselineLink + l.Client.String() + "/" + l.Server.String() + "/" + l.Transport + "/" + strconv.Itoa(int(l.Port)))
}

// checkBaselineSchema refuses a baseline written by a newer otsensor.
func checkBaselineSchema(txn *badger.Txn) error {
	var sr storeSchemaRecord
	found, err := getJSON(txn, []byte(keyBaselineSchema), &sr)
	if err != nil {
		return fmt.Errorf("baseline schema record: %w", err)
	}
	if found && sr.V > BaselineSchemaVersion {
		return fmt.Errorf("the baseline was written by a newer otsensor (schema %d, this one reads %d)", sr.V, BaselineSchemaVersion)
	}
	return nil
}

// getJSON reads key's JSON into v; false when the key is not stored.
func getJSON(txn *badger.Txn, key []byte, v any) (bool, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, item.Value(func(b []byte) error { return json.Unmarshal(b, v) })
}

// LoadBaseline reads the stored baseline, bounded by cfg; a database
// without one gives an empty baseline in learning mode.
func (s *Store) LoadBaseline(cfg BaselineConfig) (*Baseline, error) {
	b := NewBaseline(cfg)
	err := s.db.View(func(txn *badger.Txn) error {
		if err := checkBaselineSchema(txn); err != nil {
			return err
		}
		var mr baselineModeRecord
		found, err := getJSON(txn, []byte(keyBaselineMode), &mr)
		if err != nil {
			return fmt.Errorf("baseline mode record: %w", err)
		}
		if found {
			if err := b.setStoredMode(mr); err != nil {
				return err
			}
		}
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: []byte(prefixBaseline)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if err := item.Value(func(v []byte) error { return b.loadRecord(item.Key(), v) }); err != nil {
				return fmt.Errorf("baseline record %q: %w", item.Key(), err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

func (b *Baseline) setStoredMode(mr baselineModeRecord) error {
	switch mr.Mode {
	case ModeLearning:
		b.mode, b.lockedAt = ModeLearning, time.Time{}
		b.lockAfter, b.learnFrom = mr.LockAfter, mr.LearnFrom
	case ModeOperational:
		b.mode, b.lockedAt = ModeOperational, mr.LockedAt
		b.lockAfter, b.learnFrom = 0, time.Time{}
	default:
		return fmt.Errorf("baseline mode %q: want %s or %s", mr.Mode, ModeLearning, ModeOperational)
	}
	return nil
}

func (b *Baseline) loadRecord(key, v []byte) error {
	switch {
	case bytes.HasPrefix(key, []byte(prefixBaselineHost)):
		var r baselineHostRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		a := r.IP.Unmap()
		if !station(a) || b.hosts[a] != nil {
			return fmt.Errorf("host %v: not a station or stored twice", r.IP)
		}
		if len(b.hosts) >= b.cfg.MaxHosts {
			b.dropped.hosts++
			return nil
		}
		r.IP = a
		b.hosts[a] = &blHost{BaselineHost: r.BaselineHost}
	case bytes.HasPrefix(key, []byte(prefixBaselineLink)):
		var r baselineLinkRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		k, err := linkKeyOf(&r.BaselineLink)
		if err != nil {
			return err
		}
		if b.links[k] != nil {
			return errors.New("link stored twice")
		}
		if len(b.links) >= b.cfg.MaxLinks {
			b.dropped.links++
			return nil
		}
		r.Client, r.Server = k.client, k.server
		b.putLink(k, &blLink{BaselineLink: r.BaselineLink})
	default:
		return b.loadProtoRecord(key, v)
	}
	return nil
}

// SaveBaseline merges b into the stored baseline: what b learnt since it
// was loaded or last saved is added to what is stored (first and last seen
// widen, flow counts add, a host keeps the earlier end of its learning
// window, none being the earliest). The stored mode stays unless Lock or
// Learn changed b's since then; a database without a mode takes b's. b
// then holds the merged records and mode. Link periods and silences
// merge as mergePeriod says; a host keeps the longer MaxSilence. The
// protocol baseline is merged the same way (saveProtoBaseline).
func (s *Store) SaveBaseline(b *Baseline) error {
	if err := s.saveProtoBaseline(b); err != nil {
		return err
	}
	var (
		hosts []*blHost
		links []*blLink
	)
	for _, h := range b.hosts {
		if h.dirty {
			hosts = append(hosts, h)
		}
	}
	for _, l := range b.links {
		if l.dirty {
			links = append(links, l)
		}
	}
	mode := baselineModeRecord{V: BaselineSchemaVersion, Mode: b.mode, LockedAt: b.lockedAt, LockAfter: b.lockAfter, LearnFrom: b.learnFrom}
	writeMode := b.modeSet
	mergedHosts := make([]BaselineHost, len(hosts))
	mergedLinks := make([]BaselineLink, len(links))
	err := s.db.View(func(txn *badger.Txn) error {
		if err := checkBaselineSchema(txn); err != nil {
			return err
		}
		if !writeMode {
			var mr baselineModeRecord
			found, err := getJSON(txn, []byte(keyBaselineMode), &mr)
			if err != nil {
				return fmt.Errorf("baseline mode record: %w", err)
			}
			if found {
				if mr.Mode != ModeLearning && mr.Mode != ModeOperational {
					return fmt.Errorf("baseline mode %q: want %s or %s", mr.Mode, ModeLearning, ModeOperational)
				}
				mode = mr
			} else {
				writeMode = true
			}
		}
		for i, h := range hosts {
			m := h.BaselineHost
			var r baselineHostRecord
			found, err := getJSON(txn, baselineHostKey(&m), &r)
			if err != nil {
				return fmt.Errorf("baseline host %v: %w", m.IP, err)
			}
			if found {
				widenSpan(&m.First, &m.Last, r.First, r.Last)
				if r.LearnUntil.IsZero() || (!m.LearnUntil.IsZero() && r.LearnUntil.Before(m.LearnUntil)) {
					m.LearnUntil = r.LearnUntil
				}
				m.MaxSilence = max(m.MaxSilence, r.MaxSilence)
			}
			mergedHosts[i] = m
		}
		for i, l := range links {
			m := l.BaselineLink
			var r baselineLinkRecord
			found, err := getJSON(txn, baselineLinkKey(&m), &r)
			if err != nil {
				return fmt.Errorf("baseline link %s: %w", baselineLinkKey(&m), err)
			}
			if found {
				widenSpan(&m.First, &m.Last, r.First, r.Last)
				m.Flows = r.Flows + l.flows
				if m.AppProto == "" {
					m.AppProto = r.AppProto
				}
				mergePeriod(&m, l.gaps, &r.BaselineLink)
			}
			mergedLinks[i] = m
		}
		return nil
	})
	if err != nil {
		return err
	}

	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	put := func(key []byte, v any) error {
		j, err := json.Marshal(v)
		if err != nil {
			return err
		}
		return wb.Set(key, j)
	}
	if err := put([]byte(keyBaselineSchema), storeSchemaRecord{V: BaselineSchemaVersion}); err != nil {
		return err
	}
	if writeMode {
		if err := put([]byte(keyBaselineMode), mode); err != nil {
			return err
		}
	}
	for i := range mergedHosts {
		if err := put(baselineHostKey(&mergedHosts[i]), baselineHostRecord{BaselineSchemaVersion, mergedHosts[i]}); err != nil {
			return err
		}
	}
	for i := range mergedLinks {
		if err := put(baselineLinkKey(&mergedLinks[i]), baselineLinkRecord{BaselineSchemaVersion, mergedLinks[i]}); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("save baseline: %w", err)
	}

	for i, h := range hosts {
		h.BaselineHost, h.dirty = mergedHosts[i], false
	}
	for i, l := range links {
		l.BaselineLink, l.flows, l.gaps, l.dirty = mergedLinks[i], 0, 0, false
	}
	if err := b.setStoredMode(mode); err != nil {
		return err
	}
	b.modeSet = false
	return nil
}

// ResetBaseline deletes the stored baseline (every bl/ key): the next
// LoadBaseline gives an empty baseline in learning mode.
func (s *Store) ResetBaseline() error {
	if err := s.db.DropPrefix([]byte(prefixBaseline)); err != nil {
		return fmt.Errorf("reset baseline: %w", err)
	}
	return nil
}
