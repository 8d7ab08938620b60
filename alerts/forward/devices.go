package forward

import (
	"errors"

	"github.com/dgraph-io/badger/v4"

	"github.com/otsensor/otsensor/alerts/message"
	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/inventory"
)

// prefixDevice keys the fingerprint of each device as last enqueued.
const prefixDevice = "fw/d/"

// Devices enqueues a device message for each device that is new or whose
// fingerprint (addresses, roles, protocols, identity: not times or
// counters) changed since it was last enqueued, and returns how many.
// The fingerprints sent are kept in the data dir and, once read, in
// memory: a daemon calls this every few seconds with every device.
func (f *Forwarding) Devices(devs []*inventory.Device) (int, error) {
	f.devMu.Lock()
	defer f.devMu.Unlock()
	var msgs []sink.Message
	var keys [][]byte
	var fps, ids []string
	err := f.db.View(func(txn *badger.Txn) error {
		for _, d := range devs {
			fp := message.DeviceFingerprint(d)
			if f.sentFP[d.ID] == fp {
				continue
			}
			k := []byte(prefixDevice + d.ID)
			item, err := txn.Get(k)
			switch {
			case err == nil:
				same := false
				if err := item.Value(func(v []byte) error { same = string(v) == fp; return nil }); err != nil {
					return err
				}
				if same {
					f.sentFP[d.ID] = fp
					continue
				}
			case !errors.Is(err, badger.ErrKeyNotFound):
				return err
			}
			m, err := message.Device(f.cfg.SensorID, d, fp)
			if err != nil {
				return err
			}
			msgs, keys, fps, ids = append(msgs, m), append(keys, k), append(fps, fp), append(ids, d.ID)
		}
		return nil
	})
	if err != nil || len(msgs) == 0 {
		return 0, err
	}
	if err := f.enqueue(msgs...); err != nil {
		return 0, err
	}
	wb := f.db.NewWriteBatch()
	defer wb.Cancel()
	for i, k := range keys {
		if err := wb.Set(k, []byte(fps[i])); err != nil {
			return 0, err
		}
	}
	if err := wb.Flush(); err != nil {
		return 0, err
	}
	for i, id := range ids {
		f.sentFP[id] = fps[i]
	}
	return len(msgs), nil
}
