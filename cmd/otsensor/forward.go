package main

import (
	"os"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/spf13/pflag"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/forward"
	"github.com/otsensor/otsensor/alerts/outbox"
	"github.com/otsensor/otsensor/alerts/sink"
	sinkall "github.com/otsensor/otsensor/alerts/sink/all"
)

// sinkOptions are the forwarding flags of replay and outbox flush.
type sinkOptions struct {
	urls     []string
	sensorID string
}

func (o *sinkOptions) flags(f *pflag.FlagSet) {
	f.StringArrayVar(&o.urls, "sink", nil, "forward alerts, device changes and heartbeats to URL (repeatable): "+sinkall.Schemes+"; secrets via ?password_env=, ?connection_string_env= (see README)")
	f.StringVar(&o.sensorID, "sensor-id", "", "the sensor's name in what it forwards (default: sensor_id from --config, else the host name)")
}

// forwardConfig is the forwarding configuration: the sinks of the config
// file (--config) and of --sink flags.
func (a *app) forwardConfig(o sinkOptions) (forward.Config, error) {
	fc, err := a.fileConfig()
	if err != nil {
		return forward.Config{}, err
	}
	cfg := forward.Config{
		SensorID: o.sensorID,
		Version:  version,
		Sinks:    fc.Sinks,
		Outbox: outbox.Config{
			MaxBytes:     int64(fc.Outbox.MaxBytes),
			SyncInterval: time.Duration(fc.Outbox.SyncInterval),
			Synchronous:  fc.Outbox.Synchronous,
		},
		Now: a.clock,
		Log: a.log,
	}
	if cfg.SensorID == "" {
		cfg.SensorID = fc.SensorID
	}
	if cfg.SensorID == "" {
		cfg.SensorID, _ = os.Hostname()
	}
	for _, u := range o.urls {
		sc, err := sink.ParseURL(u)
		if err != nil {
			return forward.Config{}, &exitError{code: exitUsage, err: err}
		}
		cfg.Sinks = append(cfg.Sinks, sc)
	}
	cfg.NewSink = sinkall.Factory(cfg.SensorID, version)
	return cfg, nil
}

// openForwarding opens the outbox in db with the sinks of cfg (see
// forwardConfig); the sensor alerts forwarding raises go to onAlert.
func (a *app) openForwarding(db *badger.DB, cfg forward.Config, onAlert func(*alerts.Alert)) (*forward.Forwarding, error) {
	cfg.OnAlert = onAlert
	fw, err := forward.Open(db, cfg)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: err}
	}
	return fw, nil
}
