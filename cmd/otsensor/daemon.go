package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/forward"
	"github.com/otsensor/otsensor/alerts/message"
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor/api"
	"github.com/otsensor/otsensor/sensor/flow"
	"github.com/otsensor/otsensor/sensor/live"
	"github.com/otsensor/otsensor/sensor/metrics"
)

// daemon is `otsensor run`: live capture into the inventory and the alert
// engine, saved to the data dir and forwarded, with the local API and
// optional metrics. mu is the pipeline's lock: the capture workers hold it
// around every call into the observers, the daemon while it reads or
// changes what they keep (inventory, engine, baseline).
type daemon struct {
	a     *app
	opt   runSettings
	log   *zap.Logger
	clock func() time.Time

	mu       sync.Mutex
	db       *badger.DB
	inv      *inventory.Inventory
	store    *alerts.Store
	baseline *alerts.Baseline
	engine   *alerts.Engine
	fresh    []*alerts.Alert // new engine alerts not yet forwarded (under mu)
	devFP    map[string]string

	devices  atomic.Int64 // as counted by the last save
	sensorID string

	fw       *forward.Forwarding
	sensor   *live.Sensor
	registry *prometheus.Registry
	changes  *broadcaster
	started  time.Time

	extMu     sync.Mutex
	extAlerts []*alerts.Alert // sensor alerts (forwarding, capture) not yet stored
}

// openDaemon opens the data dir and builds the pipeline; nothing runs yet.
func (a *app) openDaemon(opt runSettings) (_ *daemon, err error) {
	d := &daemon{a: a, opt: opt, log: a.log, clock: a.clock, changes: newBroadcaster(), devFP: map[string]string{}, started: a.clock()}
	inv, db, err := a.openInventory(false)
	if err != nil {
		return nil, err
	}
	d.db, d.inv, d.store = db, inv, alerts.NewStore(db)
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	if d.baseline, err = d.store.LoadBaseline(alerts.BaselineConfig{}); err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	stored, err := d.store.Load()
	if err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	rules, err := d.loadRules()
	if err != nil {
		return nil, err
	}
	d.engine = alerts.NewEngine(alerts.Config{Baseline: d.baseline, Rules: rules,
		OnNew: func(al *alerts.Alert) { d.fresh = append(d.fresh, al) }})
	d.engine.Restore(stored...)
	fwCfg, err := a.forwardConfig(opt.sinks)
	if err != nil {
		return nil, err
	}
	d.sensorID = fwCfg.SensorID
	if d.fw, err = a.openForwarding(db, fwCfg, d.sensorAlert); err != nil {
		return nil, err
	}
	obs := metrics.NewObserver(metrics.ObserverOptions{})
	d.registry = prometheus.NewRegistry()
	d.registry.MustRegister(obs, metrics.NewCollector(d.metricSources()))
	d.sensor, err = live.New(live.Config{
		Interfaces: opt.capture.Interfaces, Workers: opt.capture.Workers,
		RingBytes: int(opt.capture.RingBytes), BlockBytes: int(opt.capture.BlockBytes),
		BlockTimeout: time.Duration(opt.capture.BlockTimeout), BPF: opt.capture.BPF,
		NoPromisc:  opt.capture.Promiscuous != nil && !*opt.capture.Promiscuous,
		QuietAfter: time.Duration(opt.capture.QuietAfter),
		Merge:      opt.capture.MergeInterfaces,
		Flow:       flow.DefaultConfig(),
		Dissectors: func() []dissectors.Dissector { return all.Dissectors(all.Options{}) },
		Observer:   flow.Tee{d.inv, d.engine, obs},
		Lock:       &d.mu,
		OnQuiet:    d.quiet,
		OnTraffic:  d.traffic,
		Log:        a.log,
	})
	if err != nil {
		return nil, &exitError{code: exitFailed, err: err}
	}
	return d, nil
}

// loadRules loads the configured custom rules; nil without any.
func (d *daemon) loadRules() (*alerts.RuleSet, error) {
	if len(d.opt.rules) == 0 {
		return nil, nil
	}
	rs, bad, err := d.a.loadRules(d.opt.rules)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		d.log.Warn("custom rules left out: they do not compile", zap.Int("bad", len(bad)), zap.Int("loaded", len(rs.Rules())))
	}
	return rs, nil
}

// reloadRules is SIGHUP: the rules are read again; on an error the old
// ones stay.
func (d *daemon) reloadRules() {
	rs, err := d.loadRules()
	if err != nil {
		d.log.Error("rules not reloaded", zap.Error(err))
		return
	}
	d.mu.Lock()
	d.engine.SetRules(rs)
	d.mu.Unlock()
	n := 0
	if rs != nil {
		n = len(rs.Rules())
	}
	d.log.Info("rules reloaded", zap.Int("rules", n))
}

// sensorAlert keeps an alert about the sensor itself (raised by
// forwarding or capture) until the next save, and streams it.
func (d *daemon) sensorAlert(al *alerts.Alert) {
	d.extMu.Lock()
	d.extAlerts = append(d.extAlerts, al)
	d.extMu.Unlock()
	d.changes.publish(api.Change{Kind: api.ChangeAlert, Alert: al})
}

// quiet and traffic raise the capture's health alerts.
func (d *daemon) quiet(iface string, last time.Time) {
	d.log.Warn("no traffic on a capture interface", zap.String("interface", iface), zap.Time("last_packet", last))
	d.raiseSensor("sensor.no_traffic", iface, "No traffic on "+iface, map[string]any{"interface": iface, "last_packet": last})
}

func (d *daemon) traffic(iface string, quiet time.Duration) {
	d.log.Info("traffic resumed on a capture interface", zap.String("interface", iface), zap.Duration("quiet", quiet))
	d.raiseSensor("sensor.traffic_resumed", iface, "Traffic resumed on "+iface, map[string]any{"interface": iface, "quiet": quiet.String()})
}

func (d *daemon) raiseSensor(rule, key, title string, ev map[string]any) {
	al, err := alerts.SensorAlert(rule, key, title, d.clock(), ev)
	if err != nil {
		d.log.Error("sensor alert", zap.Error(err))
		return
	}
	if err := d.fw.Alert(al); err != nil {
		d.log.Warn("sensor alert not forwarded", zap.String("rule", rule), zap.Error(err))
	}
	d.sensorAlert(al)
}

// save writes what changed to the data dir and hands new alerts and
// device changes to forwarding and to the API's streams. The inventory
// and baseline are written while the pipeline waits (they are read in
// place); alerts are copied under the lock and written after.
func (d *daemon) save() error {
	alertErr := d.flushAlerts()
	d.mu.Lock()
	fresh := copyAlerts(d.fresh)
	d.fresh = nil
	invErr := inventory.NewStore(d.db).Save(d.inv)
	blErr := d.store.SaveBaseline(d.baseline)
	devices := d.inv.Devices()
	d.mu.Unlock()
	d.devices.Store(int64(len(devices)))

	d.extMu.Lock()
	ext := d.extAlerts
	d.extAlerts = nil
	d.extMu.Unlock()
	errs := []error{alertErr, invErr, blErr, d.store.Merge(ext)}
	for _, al := range fresh {
		errs = append(errs, d.fw.Alert(al))
	}
	for _, dev := range devices {
		if fp := message.DeviceFingerprint(dev); d.devFP[dev.ID] != fp {
			d.devFP[dev.ID] = fp
			d.changes.publish(api.Change{Kind: api.ChangeDevice, Device: dev})
		}
	}
	if _, err := d.fw.Devices(devices); err != nil {
		errs = append(errs, err)
	}
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("save: %w", err)
		}
	}
	return nil
}

// copyAlerts copies the engine's alerts: the engine goes on changing its
// own once the lock is released.
func copyAlerts(list []*alerts.Alert) []*alerts.Alert {
	out := make([]*alerts.Alert, len(list))
	for i, a := range list {
		c := *a
		if a.MITRE != nil {
			m := *a.MITRE
			c.MITRE = &m
		}
		out[i] = &c
	}
	return out
}

// heartbeat enqueues a heartbeat with the capture's counters.
func (d *daemon) heartbeat() error {
	st := d.sensor.Stats()
	hb := message.Heartbeat{Time: d.clock(), UptimeS: int64(d.clock().Sub(d.started) / time.Second)}
	for _, ifc := range st.Interfaces {
		hb.Packets += ifc.Packets
		hb.Drops += ifc.KernelDrops
	}
	hb.Devices = int(d.devices.Load())
	d.mu.Lock()
	hb.Alerts = d.engine.Stats().Alerts
	d.mu.Unlock()
	return d.fw.Heartbeat(hb)
}

// close releases what openDaemon opened.
func (d *daemon) close() {
	if d.sensor != nil {
		d.sensor.Close()
	}
	if d.fw != nil {
		if err := d.fw.Close(); err != nil {
			d.log.Warn("forwarding close", zap.Error(err))
		}
	}
	if d.db != nil {
		if err := d.db.Close(); err != nil {
			d.log.Warn("data dir close", zap.Error(err))
		}
	}
}
