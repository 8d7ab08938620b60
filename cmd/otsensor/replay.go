package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/forward"
	"github.com/otsensor/otsensor/alerts/message"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor"
	"github.com/otsensor/otsensor/sensor/capture"
	"github.com/otsensor/otsensor/sensor/eve"
	"github.com/otsensor/otsensor/sensor/flow"
)

// maxPayloadPreview caps --mqtt-payload-preview: a preview, not a copy.
const maxPayloadPreview = 1024

type replayOptions struct {
	events     string
	format     string
	noProgress bool
	learn      bool
	rules      []string
	dissectors all.Options
	sinks      sinkOptions
	flushWait  time.Duration
}

func (a *app) replayCmd() *cobra.Command {
	var o replayOptions
	cmd := &cobra.Command{
		Use:   "replay [flags] FILE|DIR...",
		Short: "Replay capture files through the sensor and update the inventory",
		Long: `Replay reads pcap and pcapng files (gzip-compressed or not; a directory is
searched recursively) as if their packets were arriving now, in order: flows,
reassembly, dissection and the inventory all run on packet time, so two replays
of the same files give the same result. The inventory in --data-dir is merged
with what the replay learns, and the alerts it raises with the stored ones
(see otsensor alerts): counts add up, states set by the user stay.

New alerts, new or changed devices and a heartbeat go to the outbox in the data
dir and are forwarded to the sinks (--sink, or sinks: in --config); what cannot
be delivered within --flush-timeout stays there (otsensor outbox).`,
		Example: `  otsensor replay pcaps/
  otsensor replay --learn normal.pcap && otsensor replay suspect.pcap
  otsensor replay --events events.json plant.pcapng
  otsensor replay --events - capture.pcap.gz | jq 'select(.event_type=="modbus")'
  OTSENSOR_KAFKA_PW=... otsensor replay --sink 'kafka://broker:9092/otsensor?password_env=OTSENSOR_KAFKA_PW' plant.pcap`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.replay(cmd.Context(), args, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.events, "events", "", "write events and new alerts as JSON lines to FILE (- for stdout; not with -o json)")
	f.StringVarP(&o.format, "output", "o", "text", "summary format: text (on stderr) or json (on stdout)")
	f.BoolVar(&o.noProgress, "no-progress", false, "no progress bar, even on a terminal")
	f.BoolVar(&o.learn, "learn", false, "learn these captures into the baseline as normal, then lock it (see otsensor baseline)")
	f.StringArrayVar(&o.rules, "rules", nil, "custom alert rules: a YAML file or a directory of *.yaml (repeatable); rules that do not compile are reported and left out")
	f.IntVar(&o.dissectors.MQTTPayloadPreview, "mqtt-payload-preview", 0, "show the first N bytes of each MQTT PUBLISH payload in events (0: none; payloads may be sensitive)")
	o.sinks.flags(f)
	f.DurationVar(&o.flushWait, "flush-timeout", 30*time.Second, "how long to try delivering to the sinks at the end; what is left stays in the outbox (otsensor outbox flush)")
	return cmd
}

func (a *app) replay(ctx context.Context, args []string, o replayOptions) error {
	if err := checkFormat(o.format, "text", formatJSON); err != nil {
		return err
	}
	if o.events == "-" && o.format == formatJSON {
		return &exitError{code: exitUsage, err: fmt.Errorf("--events - and -o json would both write to stdout: give --events a file")}
	}
	if n := o.dissectors.MQTTPayloadPreview; n < 0 || n > maxPayloadPreview {
		return &exitError{code: exitUsage, err: fmt.Errorf("--mqtt-payload-preview %d: want 0..%d bytes", n, maxPayloadPreview)}
	}
	var rules *alerts.RuleSet
	if len(o.rules) > 0 {
		rs, bad, err := a.loadRules(o.rules)
		if err != nil {
			return err
		}
		if len(bad) > 0 {
			a.log.Warn("custom rules left out: they do not compile", zap.Int("bad", len(bad)), zap.Int("loaded", len(rs.Rules())))
		}
		rules = rs
	}
	files, err := capture.Expand(args)
	if err != nil {
		return &exitError{code: exitNoInput, err: err}
	}
	if len(files) == 0 {
		return &exitError{code: exitNoInput, err: fmt.Errorf("no capture files in %v", args)}
	}
	inv, db, err := a.openInventory(false)
	if err != nil {
		return err
	}
	defer db.Close()
	var (
		fwMu     sync.Mutex
		fwAlerts []*alerts.Alert // alerts about forwarding itself
	)
	fwCfg, err := a.forwardConfig(o.sinks)
	if err != nil {
		return err
	}
	fw, err := a.openForwarding(db, fwCfg, func(al *alerts.Alert) {
		fwMu.Lock()
		fwAlerts = append(fwAlerts, al)
		fwMu.Unlock()
	})
	if err != nil {
		return err
	}
	defer fw.Close()

	obs := flow.Tee{inv}
	var events *eve.Writer
	if o.events != "" {
		w, closeEvents, err := a.openEvents(o.events)
		if err != nil {
			return err
		}
		defer closeEvents()
		events = eve.NewWriter(w)
		obs = append(obs, events)
	}
	// The engine comes after the events writer: an alert line follows the
	// event that raised it. It is written once, when the alert is new in
	// this replay; repeats only raise the stored count.
	store := alerts.NewStore(db)
	baseline, err := store.LoadBaseline(alerts.BaselineConfig{})
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	acfg := alerts.Config{Baseline: baseline, Learn: o.learn, Rules: rules}
	if events != nil {
		acfg.OnNew = func(al *alerts.Alert) { events.WriteAlert(eveAlert(al)) }
	}
	engine := alerts.NewEngine(acfg)
	obs = append(obs, engine)

	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := sensor.ReplayConfig{
		Flow:       flow.DefaultConfig(),
		Dissectors: all.Dissectors(o.dissectors),
		Observer:   obs,
		Clock:      a.clock,
	}
	if !o.noProgress && a.isTerminal(a.errOut) {
		bar := newProgressBar(a.errOut)
		cfg.Progress = func(done, total int64) {
			bar.ChangeMax64(total)
			_ = bar.Set64(done)
		}
		defer bar.Close()
	}
	a.log.Debug("replay", zap.Strings("files", files), zap.String("data_dir", a.dataDir))
	sum, runErr := sensor.Replay(ctx, files, cfg)
	if events != nil {
		if err := events.Flush(); err != nil {
			return &exitError{code: exitFailed, err: fmt.Errorf("write events: %w", err)}
		}
		if events.Skipped > 0 {
			a.log.Warn("events left out: their records could not be encoded", zap.Uint64("events", events.Skipped))
		}
	}
	if err := inventory.NewStore(db).Save(inv); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	raised := engine.Alerts()
	if st := engine.Stats(); st.DroppedAlerts > 0 || st.DroppedState > 0 {
		a.log.Warn("alert engine at its limits: some alerts or detection state left out",
			zap.Uint64("dropped_alerts", st.DroppedAlerts), zap.Uint64("dropped_state", st.DroppedState))
	}
	for _, rs := range engine.RuleStats() {
		if rs.Errors > 0 {
			a.log.Warn("custom rule evaluation errors", zap.String("rule", rs.ID),
				zap.Uint64("errors", rs.Errors), zap.Uint64("evals", rs.Evals), zap.String("first", rs.FirstError))
		}
	}
	fresh, err := store.Unknown(raised)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if err := store.Merge(raised); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if o.learn {
		baseline.Lock(baseline.Status().Last)
	}
	if err := store.SaveBaseline(baseline); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	devices := inv.Devices()
	sum.Devices = len(devices)
	if err := a.forwardReplay(ctx, fw, fresh, devices, sum, len(raised), o.flushWait); err != nil {
		return err
	}
	fwMu.Lock()
	err = store.Merge(fwAlerts)
	fwMu.Unlock()
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if o.format == formatJSON {
		if err := writeData(a.out, formatJSON, replaySummary{sum, len(raised)}); err != nil {
			return err
		}
	} else {
		sum.WriteText(a.errOut)
		fmt.Fprintf(a.errOut, "  %-16s %d\n", "alerts", len(raised))
	}
	for _, fe := range sum.FileErrors {
		a.log.Warn("capture file not read to its end", zap.String("file", fe.File), zap.Error(fe.Err))
	}
	switch {
	case runErr != nil:
		return &exitError{code: exitFailed, err: runErr}
	case len(sum.FileErrors) > 0:
		return &exitError{code: exitFailed, err: fmt.Errorf("%d of %d capture files had errors", len(sum.FileErrors), sum.Files)}
	}
	return nil
}

// forwardReplay enqueues what the replay has to forward (its new alerts,
// new or changed devices, a heartbeat) and delivers it to the sinks
// within wait; what is left stays in the outbox, with a warning.
func (a *app) forwardReplay(ctx context.Context, fw *forward.Forwarding, fresh []*alerts.Alert, devices []*inventory.Device, sum *sensor.Summary, nAlerts int, wait time.Duration) error {
	for _, al := range fresh {
		if err := fw.Alert(al); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
	}
	if _, err := fw.Devices(devices); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	hb := message.Heartbeat{Time: a.clock(), Packets: sum.Packets, Drops: sum.Truncated + sum.FlowTableFull, Devices: len(devices), Alerts: nAlerts}
	if err := fw.Heartbeat(hb); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if len(fw.Sinks()) == 0 || wait <= 0 {
		return nil
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait)
	defer cancel()
	if err := fw.Flush(fctx); err != nil {
		a.log.Warn("not everything was delivered: it stays in the outbox (otsensor outbox status, otsensor outbox flush)", zap.Error(err))
	}
	return nil
}

// replaySummary is the JSON summary of a replay: the sensor's, and the
// number of distinct alerts this replay raised (new or already stored).
type replaySummary struct {
	*sensor.Summary
	Alerts int `json:"alerts"`
}

// openEvents opens the --events destination.
func (a *app) openEvents(name string) (io.Writer, func(), error) {
	if name == "-" {
		return a.out, func() {}, nil
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, nil, &exitError{code: exitFailed, err: err}
	}
	return f, func() { f.Close() }, nil
}

func newProgressBar(w io.Writer) *progressbar.ProgressBar {
	return progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("replaying"),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)
}
