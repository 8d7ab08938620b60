package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dgraph-io/badger/v4"
)

// Keys of the alerts in the sensor's Badger database (the one the
// inventory lives in: inventory.OpenDB): one record per alert under
// prefixAlert+ID, and the schema version of them all.
const (
	prefixAlert    = "al/"
	keyStoreSchema = "al/schema"
)

// ErrNotFound is returned when no stored alert has the id asked for.
var ErrNotFound = errors.New("no such alert")

// Store persists alerts in a Badger database. Alerts are keyed by their
// deterministic id, so the same cause seen in several replays stays one
// alert whose count and times grow, and whose state the user set is kept.
type Store struct {
	db *badger.DB
}

// NewStore returns a Store on db.
func NewStore(db *badger.DB) *Store { return &Store{db: db} }

type storeSchemaRecord struct {
	V int `json:"v"`
}

// checkStoreSchema refuses alerts written by a newer otsensor.
func checkStoreSchema(txn *badger.Txn) error {
	item, err := txn.Get([]byte(keyStoreSchema))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var sr storeSchemaRecord
	if err := item.Value(func(v []byte) error { return json.Unmarshal(v, &sr) }); err != nil {
		return fmt.Errorf("alerts schema record: %w", err)
	}
	if sr.V > SchemaVersion {
		return fmt.Errorf("alerts were written by a newer otsensor (schema %d, this one reads %d)", sr.V, SchemaVersion)
	}
	return nil
}

func storeKeyOf(id string) []byte { return []byte(prefixAlert + id) }

// loadAlert reads the alert stored under id, or returns ErrNotFound.
func loadAlert(txn *badger.Txn, id string) (*Alert, error) {
	if id == "" || id == "schema" {
		return nil, ErrNotFound
	}
	item, err := txn.Get(storeKeyOf(id))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	a := &Alert{}
	if err := item.Value(func(v []byte) error { return json.Unmarshal(v, a) }); err != nil {
		return nil, fmt.Errorf("alert %s: %w", id, err)
	}
	return a, nil
}

// Load returns every stored alert, sorted by id.
func (s *Store) Load() ([]*Alert, error) {
	var out []*Alert
	err := s.db.View(func(txn *badger.Txn) error {
		if err := checkStoreSchema(txn); err != nil {
			return err
		}
		it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, PrefetchSize: 100, Prefix: []byte(prefixAlert)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			if string(item.Key()) == keyStoreSchema {
				continue
			}
			a := &Alert{}
			if err := item.Value(func(v []byte) error { return json.Unmarshal(v, a) }); err != nil {
				return fmt.Errorf("alert record %q: %w", item.Key(), err)
			}
			out = append(out, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *Alert) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Get returns the alert stored under id (a whole id), or ErrNotFound.
func (s *Store) Get(id string) (*Alert, error) {
	var a *Alert
	err := s.db.View(func(txn *badger.Txn) error {
		if err := checkStoreSchema(txn); err != nil {
			return err
		}
		var err error
		a, err = loadAlert(txn, id)
		return err
	})
	return a, err
}

// Unknown returns the alerts of list that are not stored yet, in order:
// the ones a replay raised for the first time.
func (s *Store) Unknown(list []*Alert) ([]*Alert, error) {
	var out []*Alert
	err := s.db.View(func(txn *badger.Txn) error {
		for _, a := range list {
			_, err := loadAlert(txn, a.ID)
			switch {
			case errors.Is(err, ErrNotFound):
				out = append(out, a)
			case err != nil:
				return err
			}
		}
		return nil
	})
	return out, err
}

// Merge adds a replay's alerts to the stored ones. An alert not stored
// yet is stored as it is (state "new" when it has none). One already
// stored keeps its state, evidence, flow and endpoints; its count is
// the sum of both counts and its first/last seen cover both; its
// description (title, severity, category, MITRE technique) is taken from
// the newer one, so that an upgraded otsensor refreshes the wording.
// Alerts given twice with the same id are merged together first. The
// alerts passed in are not modified.
func (s *Store) Merge(alerts []*Alert) error {
	byID := make(map[string]*Alert, len(alerts))
	ids := make([]string, 0, len(alerts))
	for _, a := range alerts {
		if a == nil || a.ID == "" || a.ID == "schema" || strings.ContainsRune(a.ID, '/') {
			return fmt.Errorf("merge alerts: invalid alert id %q", alertIDOf(a))
		}
		if prev, ok := byID[a.ID]; ok {
			byID[a.ID] = mergeAlert(prev, a)
			continue
		}
		c := *a
		byID[a.ID] = &c
		ids = append(ids, a.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	// Read what is stored, then write in one batch: a replay may raise more
	// alerts than one Badger transaction holds.
	out := make([]*Alert, 0, len(ids))
	err := s.db.View(func(txn *badger.Txn) error {
		if err := checkStoreSchema(txn); err != nil {
			return err
		}
		for _, id := range ids {
			stored, err := loadAlert(txn, id)
			switch {
			case errors.Is(err, ErrNotFound):
				out = append(out, byID[id])
			case err != nil:
				return err
			default:
				out = append(out, mergeAlert(stored, byID[id]))
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.write(out)
}

func alertIDOf(a *Alert) string {
	if a == nil {
		return "<nil>"
	}
	return a.ID
}

// mergeAlert returns stored with next folded in (see Merge).
func mergeAlert(stored, next *Alert) *Alert {
	m := *stored
	m.Rule, m.Title, m.Severity, m.Engine, m.Category = next.Rule, next.Title, next.Severity, next.Engine, next.Category
	if next.MITRE != nil {
		t := *next.MITRE
		m.MITRE = &t
	}
	if m.AppProto == "" {
		m.AppProto = next.AppProto
	}
	if m.Source.MAC == "" {
		m.Source.MAC = next.Source.MAC
	}
	if m.Destination.MAC == "" {
		m.Destination.MAC = next.Destination.MAC
	}
	if m.FlowID == 0 {
		m.FlowID = next.FlowID
	}
	if m.Evidence == nil {
		m.Evidence = next.Evidence
	}
	m.Count += next.Count
	if !next.First.IsZero() && (m.First.IsZero() || next.First.Before(m.First)) {
		m.First = next.First
	}
	if next.Last.After(m.Last) {
		m.Last = next.Last
	}
	return &m
}

// Put stores alerts as they are, replacing the stored records of the same
// ids: for an owner that restored them into its engine (Engine.Restore)
// and holds their current counts (the daemon). Replays use Merge.
func (s *Store) Put(list []*Alert) error {
	for _, a := range list {
		if a == nil || a.ID == "" || a.ID == "schema" || strings.ContainsRune(a.ID, '/') {
			return fmt.Errorf("put alerts: invalid alert id %q", alertIDOf(a))
		}
	}
	return s.write(list)
}

// write stores alerts (whole records) and the schema version in one batch.
func (s *Store) write(alerts []*Alert) error {
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	sv, err := json.Marshal(storeSchemaRecord{V: SchemaVersion})
	if err != nil {
		return err
	}
	if err := wb.Set([]byte(keyStoreSchema), sv); err != nil {
		return err
	}
	for _, a := range alerts {
		a.V = SchemaVersion
		if a.State == "" {
			a.State = StateNew
		}
		v, err := json.Marshal(a)
		if err != nil {
			return fmt.Errorf("alert %s: %w", a.ID, err)
		}
		if err := wb.Set(storeKeyOf(a.ID), v); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("save alerts: %w", err)
	}
	return nil
}

// ValidState reports whether state is one of StateNew, StateAcknowledged,
// StateMuted and StateLearned.
func ValidState(state string) bool {
	return state == StateNew || state == StateAcknowledged || state == StateMuted || state == StateLearned
}

// SetState sets the state of the alert stored under id (a whole id) and
// returns it. It returns ErrNotFound when there is none.
func (s *Store) SetState(id, state string) (*Alert, error) {
	if !ValidState(state) {
		return nil, fmt.Errorf("alert state %q: want %s, %s, %s or %s", state, StateNew, StateAcknowledged, StateMuted, StateLearned)
	}
	var a *Alert
	err := s.db.Update(func(txn *badger.Txn) error {
		if err := checkStoreSchema(txn); err != nil {
			return err
		}
		var err error
		if a, err = loadAlert(txn, id); err != nil {
			return err
		}
		a.State = state
		v, err := json.Marshal(a)
		if err != nil {
			return err
		}
		return txn.Set(storeKeyOf(id), v)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}
