package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"golang.org/x/term"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailed  = 1 // the command ran but something failed (e.g. a damaged capture)
	exitUsage   = 2
	exitNoInput = 3
)

// exitError carries an exit status up to run.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// app holds what every command shares: output streams, logger, clock.
type app struct {
	out, errOut io.Writer
	clock       func() time.Time
	isTerminal  func(w io.Writer) bool
	getenv      func(string) string

	// ctx, when set, is the commands' context (tests stop a daemon with it).
	ctx context.Context

	dataDir    string
	configPath string
	socket     string
	logLevel   string
	log        *zap.Logger
}

func newApp(out, errOut io.Writer) *app {
	return &app{
		out:    out,
		errOut: errOut,
		clock:  time.Now,
		getenv: os.Getenv,
		isTerminal: func(w io.Writer) bool {
			f, ok := w.(*os.File)
			return ok && term.IsTerminal(int(f.Fd()))
		},
	}
}

func (a *app) run(args []string) int {
	root := a.rootCmd()
	root.SetArgs(args)
	ctx := a.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	err := root.ExecuteContext(ctx)
	if a.log != nil {
		_ = a.log.Sync()
	}
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(a.errOut, "otsensor:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(a.errOut, "otsensor:", err)
	return exitUsage
}

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "otsensor",
		Short:         "Passive network sensor for OT/IoT networks",
		Long:          "otsensor listens to traffic (replayed captures today), dissects OT protocols, and keeps a device inventory.",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(a.logLevel, a.errOut, a.isTerminal(a.errOut))
			if err != nil {
				return err
			}
			a.log = log
			return nil
		},
	}
	root.SetOut(a.out)
	root.SetErr(a.errOut)
	pf := root.PersistentFlags()
	pf.StringVar(&a.dataDir, "data-dir", a.defaultDataDir(), "where the inventory is stored (env OTSENSOR_DATA_DIR)")
	pf.StringVar(&a.configPath, "config", "", "configuration file (YAML; see deploy/otsensor.example.yaml): sensor id, outbox, sinks")
	pf.StringVar(&a.socket, "socket", "", "the daemon's local API socket (default api.socket of --config, else $OTSENSOR_SOCKET, else "+defaultSocket+")")
	pf.StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.AddCommand(a.runCmd(), a.replayCmd(), a.devicesCmd(), a.linksCmd(), a.alertsCmd(), a.baselineCmd(), a.rulesCmd(), a.outboxCmd(), a.statusCmd(), a.versionCmd())
	return root
}

// defaultDataDir is $OTSENSOR_DATA_DIR, else $XDG_DATA_HOME/otsensor, else
// ~/.local/share/otsensor.
func (a *app) defaultDataDir() string {
	if d := a.getenv("OTSENSOR_DATA_DIR"); d != "" {
		return d
	}
	if d := a.getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "otsensor")
	}
	if home := a.getenv("HOME"); home != "" {
		return filepath.Join(home, ".local", "share", "otsensor")
	}
	return "otsensor-data"
}

// newLogger builds the one logger: human-readable on a terminal, JSON
// otherwise.
func newLogger(level string, w io.Writer, tty bool) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("--log-level: %w", err)}
	}
	var enc zapcore.Encoder
	if tty {
		cfg := zap.NewDevelopmentEncoderConfig()
		cfg.EncodeLevel = zapcore.CapitalColorLevelEncoder
		enc = zapcore.NewConsoleEncoder(cfg)
	} else {
		enc = zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	}
	core := zapcore.NewCore(enc, zapcore.AddSync(w), lvl)
	core = zapcore.NewSamplerWithOptions(core, time.Second, 20, 100)
	return zap.New(core), nil
}
