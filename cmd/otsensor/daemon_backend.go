package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/outbox"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor/api"
)

// daemonBackend is the daemon's side of the local API: it reads and
// changes the live state under the pipeline's lock, and the data dir.
type daemonBackend struct{ d *daemon }

var _ api.Backend = daemonBackend{}

func (d *daemon) backend() api.Backend { return daemonBackend{d} }

// Snapshot copies the inventory's view under the pipeline's lock: its
// links point into what the workers go on changing.
func (b daemonBackend) Snapshot() (*inventory.Snapshot, error) {
	type view struct {
		Devices []*inventory.Device
		Links   []*inventory.LinkView
	}
	b.d.mu.Lock()
	snap := b.d.inv.Snapshot()
	raw, err := json.Marshal(view{snap.Devices, snap.Links})
	b.d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var v view
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return inventory.NewSnapshot(v.Devices, v.Links), nil
}

// Alerts are the stored ones after the engine's changes are written.
func (b daemonBackend) Alerts() ([]*alerts.Alert, error) {
	if err := b.d.flushAlerts(); err != nil {
		return nil, err
	}
	return b.d.store.Load()
}

func (b daemonBackend) SetAlertState(id, state string) (*alerts.Alert, error) {
	al, err := b.find(id)
	if err != nil {
		return nil, err
	}
	return b.d.setState(al, state)
}

func (b daemonBackend) LearnAlert(id string) (*alerts.Alert, error) {
	al, err := b.find(id)
	if err != nil {
		return nil, err
	}
	b.d.mu.Lock()
	err = b.d.baseline.LearnAlert(al)
	if err == nil {
		err = b.d.store.SaveBaseline(b.d.baseline)
	}
	b.d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return b.d.setState(al, alerts.StateLearned)
}

func (b daemonBackend) find(id string) (*alerts.Alert, error) {
	list, err := b.Alerts()
	if err != nil {
		return nil, err
	}
	return api.FindAlert(list, id)
}

func (b daemonBackend) Baseline() (alerts.BaselineStatus, error) {
	b.d.mu.Lock()
	defer b.d.mu.Unlock()
	return b.d.baseline.Status(), nil
}

func (b daemonBackend) SwitchBaseline(verb string, learnFor time.Duration) (alerts.BaselineStatus, error) {
	d := b.d
	d.mu.Lock()
	defer d.mu.Unlock()
	switch verb {
	case "lock":
		d.baseline.Lock(d.baseline.Status().Last)
	case "learn":
		d.baseline.LearnFor(learnFor)
	case "reset":
		if err := d.store.ResetBaseline(); err != nil {
			return alerts.BaselineStatus{}, err
		}
		d.baseline = alerts.NewBaseline(alerts.BaselineConfig{})
		d.engine.SetBaseline(d.baseline)
	default:
		return alerts.BaselineStatus{}, api.Errorf(api.CodeInvalid, "baseline %q: want lock, learn or reset", verb)
	}
	if err := d.store.SaveBaseline(d.baseline); err != nil {
		return alerts.BaselineStatus{}, err
	}
	return d.baseline.Status(), nil
}

func (b daemonBackend) Outbox() (outbox.Status, error) { return b.d.fw.Outbox().Status() }

func (b daemonBackend) Status() (*api.Status, error) {
	d := b.d
	list, err := b.Alerts()
	if err != nil {
		return nil, err
	}
	ob, err := d.fw.Outbox().Status()
	if err != nil {
		return nil, err
	}
	now := d.clock()
	st := &api.Status{SensorID: d.sensorID, Version: version, DataDir: d.a.dataDir, Started: d.started, Uptime: now.Sub(d.started),
		Alerts: api.CountAlerts(list), Outbox: ob, Interfaces: []api.Interface{}}
	d.mu.Lock()
	st.Baseline = d.baseline.Status()
	st.Devices = len(d.inv.Devices())
	d.mu.Unlock()
	for _, ifc := range d.sensor.Stats().Interfaces {
		st.Interfaces = append(st.Interfaces, api.Interface{Name: ifc.Name, Packets: ifc.Packets, Bytes: ifc.Bytes,
			KernelDrops: ifc.KernelDrops, QueueFreezes: ifc.QueueFreezes, Quiet: ifc.Quiet, LastPacket: ifc.LastPacket})
	}
	return st, nil
}

func (b daemonBackend) Changes(ctx context.Context) (<-chan api.Change, error) {
	return b.d.changes.subscribe(ctx), nil
}

// flushAlerts writes the engine's changed alerts now, so that the store
// is current, and streams them.
func (d *daemon) flushAlerts() error {
	d.mu.Lock()
	changed := copyAlerts(d.engine.Changed())
	d.mu.Unlock()
	if err := d.store.Put(changed); err != nil {
		return err
	}
	for _, al := range changed {
		d.changes.publish(api.Change{Kind: api.ChangeAlert, Alert: al})
	}
	return nil
}

// setState sets an alert's state in the store and in the engine's copy.
func (d *daemon) setState(al *alerts.Alert, state string) (*alerts.Alert, error) {
	out, err := d.store.SetState(al.ID, state)
	if err != nil {
		return nil, fmt.Errorf("alert %s: %w", al.ID, err)
	}
	d.mu.Lock()
	for _, a := range d.engine.Alerts() {
		if a.ID == al.ID {
			a.State = state
		}
	}
	d.mu.Unlock()
	d.changes.publish(api.Change{Kind: api.ChangeAlert, Alert: out})
	return out, nil
}
