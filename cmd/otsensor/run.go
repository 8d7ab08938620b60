package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/sensor/live"
)

// The daemon's defaults.
const (
	defaultSocket         = "/run/otsensor/otsensor.sock"
	defaultSocketGroup    = "otsensor"
	defaultSaveEvery      = 10 * time.Second
	defaultHeartbeatEvery = time.Minute
	defaultShutdownFlush  = 5 * time.Second
	// daemonMemoryLimit is the Go runtime's soft limit in the daemon (when
	// GOMEMLIMIT is not set): with the capture rings and Badger's mapped
	// tables on top, it keeps the process within an appliance's 300 MiB.
	// Replays keep sensor.DefaultMemoryLimit, tuned for throughput.
	daemonMemoryLimit = 144 << 20
)

// runOptions are run's flags; they override the configuration file.
type runOptions struct {
	ifaces        []string
	workers       int
	rules         []string
	metricsListen string
	sinks         sinkOptions
}

// runSettings is the daemon's configuration: the file's, the flags' and
// the defaults, merged.
type runSettings struct {
	capture        captureConfig
	rules          []string
	sinks          sinkOptions
	socket         string
	socketMode     os.FileMode
	socketGroup    string
	metricsListen  string
	saveEvery      time.Duration
	heartbeatEvery time.Duration
	shutdownFlush  time.Duration
}

func (a *app) runCmd() *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run [--config FILE] [--iface eth1,eth2]",
		Short: "Capture live from network interfaces until stopped (the sensor daemon)",
		Long: `Run captures from one or more interfaces (a SPAN/mirror port or a TAP) with
AF_PACKET, runs the same pipeline as replay on what it hears, keeps the data dir
up to date (every 10 s), forwards alerts, device changes and heartbeats to the
sinks, and answers the CLI on a local unix socket (--socket). It needs
CAP_NET_RAW and CAP_NET_ADMIN (root, or the systemd unit in deploy/).
SIGTERM or SIGINT stop it cleanly (exit 0); SIGHUP reloads the custom rules.`,
		Example: `  otsensor run --iface eth1 --data-dir /var/lib/otsensor
  otsensor --config /etc/otsensor/otsensor.yaml run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runDaemon(cmd.Context(), cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.ifaces, "iface", nil, "interfaces to capture from, comma-separated (overrides capture.interfaces)")
	f.IntVar(&o.workers, "workers", 0, "capture workers per interface (default capture.workers, else 1)")
	f.StringArrayVar(&o.rules, "rules", nil, "custom alert rules: a YAML file or a directory (repeatable; added to rules: in --config)")
	f.StringVar(&o.metricsListen, "metrics-listen", "", "serve Prometheus metrics on this address, e.g. 127.0.0.1:9108 (default metrics.listen; none)")
	o.sinks.flags(f)
	return cmd
}

// runDaemon runs the daemon until a signal stops it.
func (a *app) runDaemon(ctx context.Context, cmd *cobra.Command, o runOptions) error {
	s, err := a.runSettings(cmd, o)
	if err != nil {
		return err
	}
	if a.getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(daemonMemoryLimit)
	}
	d, err := a.openDaemon(s)
	if err != nil {
		return err
	}
	defer d.close()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	if err := d.run(ctx, hup); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	a.log.Info("stopped")
	return nil
}

// runSettings merges the configuration file, run's flags and defaults.
func (a *app) runSettings(cmd *cobra.Command, o runOptions) (runSettings, error) {
	fc, err := a.fileConfig()
	if err != nil {
		return runSettings{}, err
	}
	if fc.DataDir != "" && !cmd.Flags().Changed("data-dir") && a.getenv("OTSENSOR_DATA_DIR") == "" {
		a.dataDir = fc.DataDir
	}
	s := runSettings{capture: fc.Capture, rules: append(fc.Rules, o.rules...), sinks: o.sinks,
		socket: a.socketPath(fc), socketMode: 0o660, metricsListen: fc.Metrics.Listen,
		saveEvery: durationOr(fc.Daemon.SaveInterval, defaultSaveEvery), heartbeatEvery: durationOr(fc.Daemon.HeartbeatInterval, defaultHeartbeatEvery),
		shutdownFlush: durationOr(fc.Daemon.ShutdownFlush, defaultShutdownFlush)}
	if len(o.ifaces) > 0 {
		s.capture.Interfaces = o.ifaces
	}
	if o.workers > 0 {
		s.capture.Workers = o.workers
	}
	if o.metricsListen != "" {
		s.metricsListen = o.metricsListen
	}
	if s.capture.Filter != "" {
		if s.capture.BPF != "" {
			return s, &exitError{code: exitUsage, err: fmt.Errorf("config: capture.filter and capture.bpf both given: choose one")}
		}
		prog, err := compileFilter(s.capture.Filter)
		if err != nil {
			return s, &exitError{code: exitUsage, err: err}
		}
		s.capture.BPF = prog
	}
	if len(s.capture.Interfaces) == 0 {
		return s, &exitError{code: exitUsage, err: fmt.Errorf("no interface to capture: give --iface eth1, or capture.interfaces in --config")}
	}
	if fc.API.Mode != "" {
		m, err := strconv.ParseUint(fc.API.Mode, 8, 32)
		if err != nil || m&^0o777 != 0 {
			return s, &exitError{code: exitUsage, err: fmt.Errorf("config: api.mode %q: want an octal mode such as 0660", fc.API.Mode)}
		}
		s.socketMode = os.FileMode(m)
	}
	s.socketGroup = fc.API.Group
	if s.socketGroup == "" {
		if _, err := user.LookupGroup(defaultSocketGroup); err == nil {
			s.socketGroup = defaultSocketGroup
		}
	}
	return s, nil
}

// compileFilter compiles a tcpdump expression for Ethernet capture ports
// into the classic BPF text live.Config.BPF reads, with tcpdump itself
// (the reference compiler: libpcap's, without linking it).
func compileFilter(expr string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.Command("tcpdump", "-ddd", "-y", "EN10MB", expr)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("capture.filter %q: %s (tcpdump compiles it: install tcpdump, or give the compiled form as capture.bpf)", expr, msg)
	}
	if _, err := live.ParseBPF(string(out)); err != nil {
		return "", fmt.Errorf("capture.filter %q: %w", expr, err)
	}
	return string(out), nil
}

// socketPath is --socket, else api.socket of the configuration, else
// $OTSENSOR_SOCKET, else the default.
func (a *app) socketPath(fc fileConfig) string {
	switch {
	case a.socket != "":
		return a.socket
	case fc.API.Socket != "":
		return fc.API.Socket
	case a.getenv("OTSENSOR_SOCKET") != "":
		return a.getenv("OTSENSOR_SOCKET")
	}
	return defaultSocket
}

// durationOr is d, or def when d is not set.
func durationOr(d sink.Duration, def time.Duration) time.Duration {
	if d > 0 {
		return time.Duration(d)
	}
	return def
}
