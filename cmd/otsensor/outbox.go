package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/outbox"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor/api"
)

func (a *app) outboxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "outbox",
		Short: "What waits to be forwarded, and delivering it",
		Long: `Every alert, device change and heartbeat is written once to the outbox in the
data dir, then forwarded to each sink (--sink URL, or sinks: in --config); a
message leaves the outbox when every sink confirmed it. When a sink is down,
messages wait, up to the outbox's size cap (outbox.max_bytes, default 64MiB);
beyond it the oldest are dropped and counted per sink.`,
	}
	cmd.AddCommand(a.outboxStatusCmd(), a.outboxFlushCmd(), a.outboxForgetCmd())
	return cmd
}

func (a *app) outboxStatusCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the outbox's depth and each sink's delivery",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := checkFormat(format, "text", formatJSON, formatYAML); err != nil {
				return err
			}
			st, err := a.readOutboxStatus()
			if err != nil {
				return err
			}
			if format != "text" {
				return writeData(a.out, format, st)
			}
			writeOutboxText(a.out, st)
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "text", "text, json or yaml")
	return cmd
}

func (a *app) outboxFlushCmd() *cobra.Command {
	var (
		so      sinkOptions
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "flush [--sink URL]... [--timeout D]",
		Short: "Deliver what is pending to the sinks, then exit (non-zero if some is still pending)",
		Example: `  otsensor outbox flush --sink file:///var/log/otsensor/alerts.jsonl
  otsensor --config /etc/otsensor/otsensor.yaml outbox flush --timeout 5m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.outboxFlush(cmd.Context(), so, timeout)
		},
	}
	so.flags(cmd.Flags())
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "give up after this long")
	return cmd
}

func (a *app) outboxFlush(ctx context.Context, so sinkOptions, timeout time.Duration) error {
	if ok, err := a.viaDaemon(func(*api.Client) error {
		return &exitError{code: exitUsage, err: errors.New("a daemon is running: it forwards continuously to its sinks (otsensor outbox status)")}
	}); ok {
		return err
	}
	if err := os.MkdirAll(a.dataDir, 0o750); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	db, err := inventory.OpenDB(a.dataDir, false, a.log)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	defer db.Close()
	var (
		mu     sync.Mutex
		raised []*alerts.Alert
	)
	fwCfg, err := a.forwardConfig(so)
	if err != nil {
		return err
	}
	fw, err := a.openForwarding(db, fwCfg, func(al *alerts.Alert) {
		mu.Lock()
		raised = append(raised, al)
		mu.Unlock()
	})
	if err != nil {
		return err
	}
	if len(fw.Sinks()) == 0 {
		fw.Close()
		return &exitError{code: exitUsage, err: errors.New("no sink to flush to: give --sink URL, or sinks: in --config")}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	flushErr := fw.Flush(ctx)
	st, stErr := fw.Outbox().Status()
	if err := fw.Close(); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	mu.Lock()
	defer mu.Unlock()
	if err := alerts.NewStore(db).Merge(raised); err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	if stErr == nil {
		writeOutboxText(a.errOut, outboxStatusOf(st, a.clock()))
	}
	if flushErr != nil {
		return &exitError{code: exitFailed, err: fmt.Errorf("still pending: %w", flushErr)}
	}
	return nil
}

func (a *app) outboxForgetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "forget SINK",
		Short: "Stop keeping messages for a sink that is no longer used (its name as outbox status shows it)",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			return a.withOutbox(func(ob *outbox.Outbox) error {
				st, err := ob.Status()
				if err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				for _, s := range st.Sinks {
					if s.Name == args[0] {
						if err := ob.Forget(s.Name); err != nil {
							return &exitError{code: exitFailed, err: err}
						}
						fmt.Fprintf(a.errOut, "forgot sink %s: %d pending messages no longer kept for it\n", s.Name, s.Pending)
						return nil
					}
				}
				return &exitError{code: exitUsage, err: fmt.Errorf("no sink %q in the outbox (otsensor outbox status lists them)", args[0])}
			})
		},
	}
}

// readOutboxStatus reads the outbox: the daemon's, else the data dir's
// (without forwarding).
func (a *app) readOutboxStatus() (outboxStatus, error) {
	var st outbox.Status
	if ok, err := a.viaDaemon(func(c *api.Client) (err error) {
		st, err = c.Outbox()
		return apiError(err)
	}); ok {
		return outboxStatusOf(st, a.clock()), err
	}
	if _, err := os.Stat(a.dataDir); err != nil {
		return outboxStatusOf(outbox.Status{}, a.clock()), nil
	}
	err := a.withOutbox(func(ob *outbox.Outbox) (err error) {
		if st, err = ob.Status(); err != nil {
			return &exitError{code: exitFailed, err: err}
		}
		return nil
	})
	return outboxStatusOf(st, a.clock()), err
}

// withOutbox opens the data dir's outbox, with the configuration's
// settings but no sink, for fn.
func (a *app) withOutbox(fn func(*outbox.Outbox) error) error {
	db, err := inventory.OpenDB(a.dataDir, false, a.log)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	defer db.Close()
	cfg, err := a.forwardConfig(sinkOptions{})
	if err != nil {
		return err
	}
	ob, err := outbox.Open(db, cfg.Outbox)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	defer ob.Close()
	return fn(ob)
}

// outboxStatus is `outbox status -o json`: the outbox's status and the
// age of its oldest message.
type outboxStatus struct {
	outbox.Status
	OldestAgeS int64 `json:"oldest_age_s"`
}

func outboxStatusOf(st outbox.Status, now time.Time) outboxStatus {
	out := outboxStatus{Status: st}
	if out.Sinks == nil {
		out.Sinks = []outbox.SinkStatus{}
	}
	if !st.Oldest.IsZero() {
		out.OldestAgeS = int64(now.Sub(st.Oldest) / time.Second)
	}
	return out
}

func writeOutboxText(w io.Writer, st outboxStatus) {
	fmt.Fprintf(w, "outbox:  %d messages, %s of %s", st.Depth, humanBytes(st.Bytes), humanBytes(st.MaxBytes))
	if !st.Oldest.IsZero() {
		fmt.Fprintf(w, ", oldest %s old", time.Duration(st.OldestAgeS)*time.Second)
	}
	fmt.Fprintln(w)
	if len(st.Sinks) == 0 {
		fmt.Fprintln(w, "sinks:   none yet (--sink URL, or sinks: in --config)")
		return
	}
	t := newTable(w, "SINK", "PENDING", "SENT", "FAILED", "DROPPED", "BYTES", "LAST HOUR", "PER DAY (EST.)", "LAST ERROR")
	for _, s := range st.Sinks {
		last := s.LastError
		if s.LastErrorPermanent {
			last = "permanent: " + last
		}
		if !s.Failing && last != "" {
			last = "(recovered) " + last
		}
		t.row(s.Name, fmt.Sprint(s.Pending), fmt.Sprint(s.Sent), fmt.Sprint(s.Failed), fmt.Sprint(s.Dropped),
			humanBytes(s.BytesSent), humanBytes(s.BytesLastHour), humanBytes(s.BytesPerDay), last)
	}
	t.flush()
}

// humanBytes writes n bytes with a binary unit.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
