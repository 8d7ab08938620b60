package main

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/otsensor/otsensor/sensor/api"
	"github.com/otsensor/otsensor/sensor/metrics"
)

// run runs the daemon until ctx ends or capture fails, then stops in
// order: capture (draining the rings and ending the flows), a last save,
// a short flush of the outbox, the API. hup reloads the rules.
func (d *daemon) run(ctx context.Context, hup <-chan os.Signal) error {
	svcCtx, stopSvc := context.WithCancel(context.Background())
	defer stopSvc()
	var wg sync.WaitGroup
	goRun := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(svcCtx); err != nil && !errors.Is(err, context.Canceled) {
				d.log.Error(name+" stopped", zap.Error(err))
			}
		}()
	}
	goRun("api", func(ctx context.Context) error {
		return api.NewServer(d.backend(), d.log).Serve(ctx, d.opt.socket, d.opt.socketMode, d.opt.socketGroup)
	})
	if d.opt.metricsListen != "" {
		goRun("metrics", func(ctx context.Context) error { return metrics.Serve(ctx, d.opt.metricsListen, d.registry, d.log) })
	}
	goRun("forwarding", d.fw.Run)
	goRun("saver", func(ctx context.Context) error { return d.every(ctx, d.opt.saveEvery, d.save) })
	goRun("heartbeat", func(ctx context.Context) error { return d.every(ctx, d.opt.heartbeatEvery, d.heartbeat) })
	go func() {
		for {
			select {
			case <-hup:
				d.reloadRules()
			case <-svcCtx.Done():
				return
			}
		}
	}()

	d.log.Info("capturing", zap.Strings("interfaces", d.opt.capture.Interfaces), zap.Int("workers", max(d.opt.capture.Workers, 1)),
		zap.String("socket", d.opt.socket), zap.String("data_dir", d.a.dataDir), zap.Strings("sinks", d.fw.Sinks()))
	capErr := d.sensor.Run(ctx)
	d.log.Info("capture stopped; saving")
	saveErr := d.save()
	if err := d.heartbeat(); err != nil {
		d.log.Warn("last heartbeat", zap.Error(err))
	}
	if len(d.fw.Sinks()) > 0 && d.opt.shutdownFlush > 0 {
		fctx, cancel := context.WithTimeout(context.Background(), d.opt.shutdownFlush)
		if err := d.fw.Flush(fctx); err != nil {
			d.log.Warn("not everything was forwarded before stopping: it stays in the outbox", zap.Error(err))
		}
		cancel()
	}
	stopSvc()
	wg.Wait()
	if err := d.save(); err != nil && saveErr == nil { // what forwarding raised while it stopped
		saveErr = err
	}
	return errors.Join(capErr, saveErr)
}

// every runs fn every period until ctx ends, logging its errors.
func (d *daemon) every(ctx context.Context, period time.Duration, fn func() error) error {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := fn(); err != nil {
				d.log.Warn("periodic work failed", zap.Error(err))
			}
		}
	}
}

// metricSources gives the metrics collector read access to the daemon.
func (d *daemon) metricSources() metrics.Sources {
	return metrics.Sources{
		Capture: func() []metrics.IfaceStats {
			var out []metrics.IfaceStats
			for _, ifc := range d.sensor.Stats().Interfaces {
				out = append(out, metrics.IfaceStats{Name: ifc.Name, Packets: ifc.Packets, Bytes: ifc.Bytes,
					KernelDrops: ifc.KernelDrops, QueueFreezes: ifc.QueueFreezes, Quiet: ifc.Quiet, LastPacket: ifc.LastPacket})
			}
			return out
		},
		Drops: d.drops,
		Alerts: func() metrics.AlertCounts {
			d.mu.Lock()
			defer d.mu.Unlock()
			return metrics.AlertCounts{Held: metrics.CountAlerts(d.engine.Alerts()), Stats: d.engine.Stats()}
		},
		Outbox:  d.fw.Outbox().Status,
		Devices: func() int { return int(d.devices.Load()) },
		Baseline: func() string {
			d.mu.Lock()
			defer d.mu.Unlock()
			return d.baseline.Status().Mode
		},
	}
}

// drops counts packets lost or not fully used, by reason.
func (d *daemon) drops() map[string]uint64 {
	m := map[string]uint64{"api_stream": d.changes.droppedChanges()}
	for _, ifc := range d.sensor.Stats().Interfaces {
		m["kernel"] += ifc.KernelDrops
		m["read_error"] += ifc.ReadErrors
		for _, w := range ifc.Workers {
			m["decode_error"] += w.DecodeErrors
			m["truncated"] += w.Truncated
			m["unsupported_link"] += w.Unsupported
			m["flow_table_full"] += w.Flow.FlowTableFull
			m["stream_gap"] += w.Flow.Gaps
			m["buffer_overflow"] += w.Flow.BufferOverflows
			m["parser_panic"] += w.Flow.ParserPanics
		}
	}
	return m
}
