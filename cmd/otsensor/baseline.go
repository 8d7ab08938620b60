package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/spf13/cobra"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor/api"
)

func (a *app) baselineCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "baseline",
		Short: "Show or switch the learnt baseline: learning or operational",
		Long: `The baseline is what the sensor learnt as normal: the devices and the links
between them (client, server, transport, server port). While it is learning
(the default on a new data dir) replays add to it and raise no policy alerts.
Once locked (operational), a device or link it does not hold raises
policy.new_device or policy.new_link; a new device then learns its own links
for 7 days of packet time. "replay --learn" learns from its captures and
locks the baseline afterwards.`,
		Example: `  otsensor replay --learn normal.pcap
  otsensor replay suspect.pcap
  otsensor baseline status
  otsensor baseline learn     # back to learning
  otsensor baseline learn --for 7d   # learn 7 days of traffic, then lock
  otsensor baseline reset     # forget everything learnt`,
	}
	cmd.AddCommand(a.baselineStatusCmd(), a.baselineSwitchCmd("lock"), a.baselineSwitchCmd("learn"), a.baselineSwitchCmd("reset"))
	return cmd
}

// parseLearningPeriod reads a duration, with "d" for days ("7d").
func parseLearningPeriod(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("learning period %q: want a duration such as 7d or 36h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("learning period %q: want a duration such as 7d or 36h", s)
	}
	return d, nil
}

func (a *app) baselineStatusCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the baseline's mode and what it holds",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := checkFormat(format, "text", formatJSON, formatYAML); err != nil {
				return err
			}
			st := alerts.NewBaseline(alerts.BaselineConfig{}).Status()
			ok, err := a.viaDaemon(func(c *api.Client) (err error) {
				st, err = c.Baseline()
				return apiError(err)
			})
			if err != nil {
				return err
			}
			if _, statErr := os.Stat(a.dataDir); !ok && statErr == nil {
				db, err := inventory.OpenDB(a.dataDir, true, a.log)
				if err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				b, err := alerts.NewStore(db).LoadBaseline(alerts.BaselineConfig{})
				db.Close()
				if err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				st = b.Status()
			}
			if format != "text" {
				return writeData(a.out, format, st)
			}
			writeBaselineText(a.out, st)
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "text", "text, json or yaml")
	return cmd
}

func writeBaselineText(w io.Writer, st alerts.BaselineStatus) {
	fmt.Fprintf(w, "mode:    %s", st.Mode)
	if st.Mode == alerts.ModeOperational {
		fmt.Fprintf(w, " since %s", stamp(st.LockedAt))
	}
	if st.Mode == alerts.ModeLearning && st.LockAfter > 0 {
		fmt.Fprintf(w, ", locks itself after %s of traffic", st.LockAfter)
		if !st.LearnFrom.IsZero() {
			fmt.Fprintf(w, " from %s", stamp(st.LearnFrom))
		}
	}
	fmt.Fprintf(w, "\nlearnt:  %d devices, %d links", st.HostCount, st.LinkCount)
	if !st.First.IsZero() {
		fmt.Fprintf(w, " (traffic from %s to %s)", stamp(st.First), stamp(st.Last))
	}
	fmt.Fprintln(w)
	if st.DroppedHosts > 0 || st.DroppedLinks > 0 {
		fmt.Fprintf(w, "full:    %d devices and %d links not learnt (caps reached)\n", st.DroppedHosts, st.DroppedLinks)
	}
}

// baselineSwitchCmd makes lock, learn and reset.
func (a *app) baselineSwitchCmd(verb string) *cobra.Command {
	short := map[string]string{
		"lock":  "Lock the baseline: from now on, what it does not hold raises policy alerts",
		"learn": "Put the baseline back in learning mode (it keeps what it learnt)",
		"reset": "Forget everything the baseline learnt and start learning again",
	}[verb]
	var period string
	cmd := &cobra.Command{
		Use:   verb,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			var learnFor time.Duration
			if period != "" {
				d, err := parseLearningPeriod(period)
				if err != nil {
					return &exitError{code: exitUsage, err: err}
				}
				learnFor = d
			}
			if ok, err := a.viaDaemon(func(c *api.Client) error {
				st, err := c.SwitchBaseline(verb, learnFor)
				if err != nil {
					return apiError(err)
				}
				writeBaselineText(a.out, st)
				return nil
			}); ok {
				return err
			}
			if _, err := os.Stat(a.dataDir); errors.Is(err, fs.ErrNotExist) {
				return &exitError{code: exitNoInput, err: fmt.Errorf("no baseline in %s: run `otsensor replay FILE...` first", a.dataDir)}
			}
			db, err := inventory.OpenDB(a.dataDir, false, a.log)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			defer db.Close()
			st, err := switchBaseline(db, verb, learnFor)
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			writeBaselineText(a.out, st)
			return nil
		},
	}
	if verb == "learn" {
		cmd.Flags().StringVar(&period, "for", "", "learn for this long of packet time (e.g. 7d, 36h), then lock by itself")
	}
	return cmd
}

// switchBaseline applies verb to the stored baseline. A lock takes the
// packet time of the newest traffic learnt: operational from there on.
func switchBaseline(db *badger.DB, verb string, learnFor time.Duration) (alerts.BaselineStatus, error) {
	store := alerts.NewStore(db)
	if verb == "reset" {
		if err := store.ResetBaseline(); err != nil {
			return alerts.BaselineStatus{}, err
		}
	}
	b, err := store.LoadBaseline(alerts.BaselineConfig{})
	if err != nil {
		return alerts.BaselineStatus{}, err
	}
	switch verb {
	case "lock":
		b.Lock(b.Status().Last)
	case "learn":
		b.LearnFor(learnFor)
	}
	if err := store.SaveBaseline(b); err != nil {
		return alerts.BaselineStatus{}, err
	}
	return b.Status(), nil
}
