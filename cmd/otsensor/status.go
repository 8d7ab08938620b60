package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/outbox"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor/api"
)

// sensorStatus is `otsensor status -o json`.
type sensorStatus struct {
	SensorID string `json:"sensor_id"`
	Version  string `json:"version"`
	DataDir  string `json:"data_dir"`
	// Daemon is true when a running daemon answered; Started, UptimeS and
	// Interfaces are its.
	Daemon     bool                  `json:"daemon"`
	Started    *time.Time            `json:"started,omitempty"`
	UptimeS    int64                 `json:"uptime_s,omitempty"`
	Interfaces []api.Interface       `json:"interfaces"`
	Baseline   alerts.BaselineStatus `json:"baseline"`
	Devices    int                   `json:"devices"`
	Alerts     api.AlertCounts       `json:"alerts"`
	Outbox     outboxStatus          `json:"outbox"`
}

func (a *app) statusCmd() *cobra.Command {
	var format string
	var so sinkOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the sensor's state: baseline, devices, alerts, outbox and sinks",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := checkFormat(format, "text", formatJSON, formatYAML); err != nil {
				return err
			}
			st, err := a.sensorStatus(so)
			if err != nil {
				return err
			}
			if format != "text" {
				return writeData(a.out, format, st)
			}
			writeStatusText(a.out, st)
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "text", "text, json or yaml")
	cmd.Flags().StringVar(&so.sensorID, "sensor-id", "", "the sensor's name (default: sensor_id from --config, else the host name)")
	return cmd
}

func (a *app) sensorStatus(so sinkOptions) (sensorStatus, error) {
	var ds *api.Status
	if ok, err := a.viaDaemon(func(c *api.Client) (err error) {
		ds, err = c.Status()
		return apiError(err)
	}); ok {
		if err != nil {
			return sensorStatus{}, err
		}
		return sensorStatus{SensorID: ds.SensorID, Version: ds.Version, DataDir: ds.DataDir, Daemon: true,
			Started: &ds.Started, UptimeS: int64(ds.Uptime / time.Second), Interfaces: ds.Interfaces,
			Baseline: ds.Baseline, Devices: ds.Devices,
			Alerts: ds.Alerts,
			Outbox: outboxStatusOf(ds.Outbox, a.clock())}, nil
	}
	cfg, err := a.forwardConfig(so)
	if err != nil {
		return sensorStatus{}, err
	}
	st := sensorStatus{SensorID: cfg.SensorID, Version: version, DataDir: a.dataDir, Interfaces: []api.Interface{},
		Baseline: alerts.NewBaseline(alerts.BaselineConfig{}).Status(),
		Alerts:   api.CountAlerts(nil),
		Outbox:   outboxStatusOf(outbox.Status{}, a.clock())}
	if _, err := os.Stat(a.dataDir); err != nil {
		return st, nil
	}
	db, err := inventory.OpenDB(a.dataDir, false, a.log)
	if err != nil {
		return st, &exitError{code: exitFailed, err: err}
	}
	defer db.Close()
	inv := inventory.New()
	if err := inventory.NewStore(db).Load(inv); err != nil {
		return st, &exitError{code: exitFailed, err: err}
	}
	st.Devices = len(inv.Devices())
	store := alerts.NewStore(db)
	b, err := store.LoadBaseline(alerts.BaselineConfig{})
	if err != nil {
		return st, &exitError{code: exitFailed, err: err}
	}
	st.Baseline = b.Status()
	list, err := store.Load()
	if err != nil {
		return st, &exitError{code: exitFailed, err: err}
	}
	st.Alerts = api.CountAlerts(list)
	ob, err := outbox.Open(db, cfg.Outbox)
	if err != nil {
		return st, &exitError{code: exitFailed, err: err}
	}
	defer ob.Close()
	obst, err := ob.Status()
	if err != nil {
		return st, &exitError{code: exitFailed, err: err}
	}
	st.Outbox = outboxStatusOf(obst, a.clock())
	return st, nil
}

func writeStatusText(w io.Writer, st sensorStatus) {
	fmt.Fprintf(w, "sensor:  %s (otsensor %s), data in %s\n", st.SensorID, st.Version, st.DataDir)
	if st.Daemon {
		fmt.Fprintf(w, "daemon:  running for %s\n", time.Duration(st.UptimeS)*time.Second)
		for _, ifc := range st.Interfaces {
			quiet := ""
			if ifc.Quiet {
				quiet = ", quiet"
			}
			fmt.Fprintf(w, "capture: %s: %d packets, %s, %d dropped by the kernel%s\n", ifc.Name, ifc.Packets, humanBytes(int64(ifc.Bytes)), ifc.KernelDrops, quiet)
		}
	} else {
		fmt.Fprintln(w, "daemon:  not running (read from the data dir)")
	}
	writeBaselineText(w, st.Baseline)
	fmt.Fprintf(w, "devices: %d\n", st.Devices)
	fmt.Fprintf(w, "alerts:  %d", st.Alerts.Total)
	for _, s := range []string{alerts.StateNew, alerts.StateAcknowledged, alerts.StateMuted, alerts.StateLearned} {
		if n := st.Alerts.ByState[s]; n > 0 {
			fmt.Fprintf(w, ", %d %s", n, s)
		}
	}
	fmt.Fprintln(w)
	writeOutboxText(w, st.Outbox)
}
