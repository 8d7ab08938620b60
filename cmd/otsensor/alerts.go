package main

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor/api"
	"github.com/otsensor/otsensor/sensor/eve"
)

func (a *app) alertsCmd() *cobra.Command {
	cmd := a.alertsListCmd(&cobra.Command{
		Use:   "alerts",
		Short: "List the alerts raised from traffic; show, acknowledge, mute or learn one",
		Long: `List the alerts that replays raised: protocol violations, dangerous OT
operations and weak security. The same cause between the same endpoints is one
alert whose count and last seen grow, across replays; its state (new,
acknowledged, muted, learned) is set by the user and kept. "alerts learn"
adds the cause of a policy alert to the baseline and closes it (learned).
"alerts" is "alerts list".
The list is sorted by severity (critical first), then last seen (latest first).`,
		Example: `  otsensor alerts
  otsensor alerts --severity high --state new -o wide
  otsensor alerts --device 192.168.10.21 -o json
  otsensor alerts show 3f2a
  otsensor alerts ack 3f2a9c0d17e4b6a8
  otsensor alerts learn 3f2a`,
	})
	cmd.AddCommand(
		a.alertsListCmd(&cobra.Command{Use: "list", Short: "List the alerts (the same as alerts)"}),
		a.alertShowCmd(),
		a.alertStateCmd("ack", alerts.StateAcknowledged, "Acknowledge an alert: seen, being handled"),
		a.alertStateCmd("mute", alerts.StateMuted, "Mute an alert: expected here, not worth attention"),
		a.alertLearnCmd(),
	)
	return cmd
}

// alertFilter selects alerts; zero fields select everything.
type alertFilter struct {
	severity, engine, state, device string
}

func (a *app) alertsListCmd(cmd *cobra.Command) *cobra.Command {
	var format string
	var f alertFilter
	var follow bool
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(c *cobra.Command, _ []string) error {
		if err := checkFormat(format, formatTable, formatWide, formatJSON, formatYAML); err != nil {
			return err
		}
		keep, err := f.compile()
		if err != nil {
			return err
		}
		snap, list, err := a.loadAlerts()
		if err != nil {
			return err
		}
		views := []*alertView{}
		for _, al := range list {
			ok, err := keep(snap, al)
			if err != nil {
				return err
			}
			if ok {
				views = append(views, newAlertView(snap, al))
			}
		}
		sortAlerts(views)
		switch format {
		case formatJSON, formatYAML:
			err = writeData(a.out, format, views)
		default:
			err = writeAlertTable(a.out, views, format == formatWide)
		}
		if err != nil || !follow {
			return err
		}
		return a.follow(c.Context(), api.ChangeAlert, format, func(ch api.Change) string {
			if ok, _ := keep(snap, ch.Alert); !ok {
				return ""
			}
			al := ch.Alert
			return fmt.Sprintf("%s  %s  %-8s  %-11s  %s  x%d  %s", stamp(al.Last), al.ID, al.Severity, al.Engine, al.Rule, al.Count, al.Title)
		})
	}
	fl := cmd.Flags()
	fl.StringVarP(&format, "output", "o", formatTable, "table, wide, json or yaml")
	fl.StringVar(&f.severity, "severity", "", "only alerts of this severity or above: low, medium, high, critical")
	fl.StringVar(&f.engine, "engine", "", "only alerts of this engine: protocol, operational, anomaly, policy")
	fl.StringVar(&f.state, "state", "", "only alerts in this state: new, acknowledged, muted, learned")
	fl.StringVar(&f.device, "device", "", "only alerts with this device (ID, IP or MAC) as source or destination")
	fl.BoolVarP(&follow, "follow", "f", false, "then print alerts as they are raised or change, until interrupted (needs a running daemon)")
	return cmd
}

// compile checks the filter's values and returns its predicate.
func (f alertFilter) compile() (func(*inventory.Snapshot, *alerts.Alert) (bool, error), error) {
	var minSev alerts.Severity
	if f.severity != "" {
		s, err := alerts.ParseSeverity(f.severity)
		if err != nil {
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("--severity: %w", err)}
		}
		minSev = s
	}
	engines := []string{alerts.EngineProtocol, alerts.EngineOperational, alerts.EngineAnomaly, alerts.EnginePolicy}
	if f.engine != "" && !slices.Contains(engines, f.engine) {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("--engine %q: want one of %s", f.engine, strings.Join(engines, ", "))}
	}
	if f.state != "" && !alerts.ValidState(f.state) {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("--state %q: want %s, %s, %s or %s", f.state, alerts.StateNew, alerts.StateAcknowledged, alerts.StateMuted, alerts.StateLearned)}
	}
	var onDevice func(alerts.Endpoint) bool
	return func(snap *inventory.Snapshot, al *alerts.Alert) (bool, error) {
		if al.Severity < minSev || (f.engine != "" && al.Engine != f.engine) || (f.state != "" && al.State != f.state) {
			return false, nil
		}
		if f.device == "" {
			return true, nil
		}
		if onDevice == nil {
			m, err := deviceMatcher(snap, f.device)
			if err != nil {
				return false, err
			}
			onDevice = m
		}
		return onDevice(al.Source) || onDevice(al.Destination), nil
	}, nil
}

// deviceMatcher returns whether an endpoint belongs to the device q names
// (an ID, IP or MAC, as devices show takes). An IP or MAC the inventory
// does not know still matches endpoints with that address.
func deviceMatcher(snap *inventory.Snapshot, q string) (func(alerts.Endpoint) bool, error) {
	var ips []netip.Addr
	var macs []inventory.MAC
	if d, ok := snap.Find(q); ok {
		ips, macs = d.IPs, d.MACs
	} else if ip, err := netip.ParseAddr(q); err == nil {
		ips = []netip.Addr{ip.Unmap()}
	} else if m, ok := inventory.ParseMAC(q); ok {
		macs = []inventory.MAC{m}
	} else {
		return nil, &exitError{code: exitNoInput, err: fmt.Errorf("--device: no device matches %q (an ID, unique ID prefix, IP or MAC)", q)}
	}
	return func(ep alerts.Endpoint) bool {
		if ep.IP.IsValid() && slices.Contains(ips, ep.IP.Unmap()) {
			return true
		}
		m, ok := inventory.ParseMAC(ep.MAC)
		return ok && slices.Contains(macs, m)
	}, nil
}

// loadAlerts opens the data dir read-only and returns the inventory view
// (to name devices) and the stored alerts. A missing data dir has none.
func (a *app) loadAlerts() (*inventory.Snapshot, []*alerts.Alert, error) {
	var (
		snap *inventory.Snapshot
		list []*alerts.Alert
	)
	if ok, err := a.viaDaemon(func(c *api.Client) (err error) {
		if snap, err = c.Snapshot(); err == nil {
			list, err = c.Alerts()
		}
		return apiError(err)
	}); ok {
		return snap, list, err
	}
	inv, db, err := a.openInventory(true)
	if err != nil {
		return nil, nil, err
	}
	if db == nil {
		return inv.Snapshot(), nil, nil
	}
	defer db.Close()
	if list, err = alerts.NewStore(db).Load(); err != nil {
		return nil, nil, &exitError{code: exitFailed, err: err}
	}
	return inv.Snapshot(), list, nil
}

// alertView is an alert as the CLI shows it: its endpoints name the
// inventory's devices.
type alertView struct {
	*alerts.Alert
	Source      endpointView `json:"source"`
	Destination endpointView `json:"destination"`
}

type endpointView struct {
	alerts.Endpoint
	DeviceID string `json:"device_id,omitempty"`
}

func newAlertView(snap *inventory.Snapshot, al *alerts.Alert) *alertView {
	return &alertView{Alert: al, Source: viewEndpoint(snap, al.Source), Destination: viewEndpoint(snap, al.Destination)}
}

func viewEndpoint(snap *inventory.Snapshot, ep alerts.Endpoint) endpointView {
	v := endpointView{Endpoint: ep}
	var d *inventory.Device
	var ok bool
	switch {
	case ep.IP.IsValid():
		d, ok = snap.Find(ep.IP.Unmap().String())
	case ep.MAC != "":
		if m, isMAC := inventory.ParseMAC(ep.MAC); isMAC {
			d, ok = snap.Find(m.String())
		}
	}
	if ok {
		v.DeviceID = d.ID
	}
	return v
}

// sortAlerts sorts by severity (highest first), last seen (latest first),
// then id.
func sortAlerts(vs []*alertView) {
	slices.SortFunc(vs, func(x, y *alertView) int {
		if c := cmp.Compare(y.Severity, x.Severity); c != 0 {
			return c
		}
		if c := y.Last.Compare(x.Last); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
}

// endpointCell is an endpoint in a table cell: ip, ip:port, or the MAC.
func endpointCell(ep alerts.Endpoint) string {
	switch {
	case ep.IP.IsValid() && ep.Port != 0:
		return netip.AddrPortFrom(ep.IP, ep.Port).String()
	case ep.IP.IsValid():
		return ep.IP.String()
	}
	return ep.MAC
}

func writeAlertTable(w io.Writer, vs []*alertView, wide bool) error {
	header := []string{"ID", "SEVERITY", "ENGINE", "TITLE", "SOURCE", "DESTINATION", "COUNT", "LAST SEEN", "STATE"}
	if wide {
		header = append(header, "FIRST SEEN", "RULE", "MITRE")
	}
	t := newTable(w, header...)
	for _, v := range vs {
		row := []string{v.ID, v.Severity.String(), v.Engine, v.Title, endpointCell(v.Source.Endpoint),
			endpointCell(v.Destination.Endpoint), u64(v.Count), stamp(v.Last), v.State}
		if wide {
			mitre := ""
			if v.MITRE != nil {
				mitre = v.MITRE.ID
			}
			row = append(row, stamp(v.First), v.Rule, mitre)
		}
		t.row(row...)
	}
	return t.flush()
}

// findAlert is api.FindAlert with the CLI's exit status.
func findAlert(list []*alerts.Alert, q string) (*alerts.Alert, error) {
	al, err := api.FindAlert(list, q)
	return al, apiError(err)
}

func (a *app) alertShowCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one alert, with its evidence",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", formatJSON, formatYAML); err != nil {
				return err
			}
			snap, list, err := a.loadAlerts()
			if err != nil {
				return err
			}
			al, err := findAlert(list, args[0])
			if err != nil {
				return err
			}
			v := newAlertView(snap, al)
			if format != "text" {
				return writeData(a.out, format, v)
			}
			writeAlertText(a.out, v)
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "text", "text, json or yaml")
	return cmd
}

func writeAlertText(w io.Writer, v *alertView) {
	p := func(k, val string) {
		if val == "" {
			val = "-"
		}
		fmt.Fprintf(w, "%-12s %s\n", k+":", val)
	}
	p("id", v.ID)
	p("title", v.Title)
	p("rule", v.Rule)
	p("severity", v.Severity.String())
	p("engine", v.Engine)
	p("category", v.Category)
	p("state", v.State)
	p("source", endpointText(v.Source))
	p("destination", endpointText(v.Destination))
	p("app proto", v.AppProto)
	if v.FlowID != 0 {
		p("flow id", u64(v.FlowID))
	}
	p("first seen", stamp(v.First))
	p("last seen", stamp(v.Last))
	p("count", u64(v.Count))
	if v.MITRE != nil {
		p("mitre", v.MITRE.ID+" "+v.MITRE.Name)
	}
	if len(v.Evidence) > 0 {
		p("evidence", string(v.Evidence))
	}
}

// endpointText is an endpoint with its MAC and device, for alerts show.
func endpointText(v endpointView) string {
	s := endpointCell(v.Endpoint)
	var more []string
	if v.MAC != "" && s != v.MAC {
		more = append(more, "mac "+v.MAC)
	}
	if v.DeviceID != "" {
		more = append(more, "device "+v.DeviceID)
	}
	if len(more) > 0 {
		s += " (" + strings.Join(more, ", ") + ")"
	}
	return s
}

// alertStateCmd is `alerts ack` or `alerts mute`: it sets the state of
// one stored alert. Later replays add to its count and keep the state.
func (a *app) alertStateCmd(name, state, short string) *cobra.Command {
	return &cobra.Command{
		Use:   name + " ID",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if ok, err := a.viaDaemon(func(c *api.Client) error {
				al, err := c.SetAlertState(args[0], state)
				if err != nil {
					return apiError(err)
				}
				fmt.Fprintf(a.out, "alert %s %s: %s\n", al.ID, state, al.Title)
				return nil
			}); ok {
				return err
			}
			return a.withStoredAlert(args[0], func(st *alerts.Store, al *alerts.Alert) error {
				al, err := st.SetState(al.ID, state)
				if err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				fmt.Fprintf(a.out, "alert %s %s: %s\n", al.ID, state, al.Title)
				return nil
			})
		},
	}
}

// alertLearnCmd is `alerts learn`: it adds the cause of one policy alert
// to the baseline and closes the alert (state learned).
func (a *app) alertLearnCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "learn ID",
		Short: "Learn a policy alert's cause into the baseline as normal, and close the alert",
		Long: `Learn adds what a policy alert reports as new (a device, a link, a Modbus or
DNP3 function code or address range, a device identity, an MQTT client id or
wildcard subscription, a TLS fingerprint or certificate) to the baseline, as
if it had been seen while learning, and sets the alert's state to learned.
Alerts of the other engines describe no deviation from the baseline: ack or
mute them instead.`,
		Example: `  otsensor alerts --engine policy
  otsensor alerts learn 3f2a`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if ok, err := a.viaDaemon(func(c *api.Client) error {
				al, err := c.LearnAlert(args[0])
				if err != nil {
					return apiError(err)
				}
				fmt.Fprintf(a.out, "alert %s %s: %s\n", al.ID, alerts.StateLearned, al.Title)
				return nil
			}); ok {
				return err
			}
			return a.withStoredAlert(args[0], func(st *alerts.Store, al *alerts.Alert) error {
				b, err := st.LoadBaseline(alerts.BaselineConfig{})
				if err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				if err := b.LearnAlert(al); err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				if err := st.SaveBaseline(b); err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				if al, err = st.SetState(al.ID, alerts.StateLearned); err != nil {
					return &exitError{code: exitFailed, err: err}
				}
				fmt.Fprintf(a.out, "alert %s %s: %s\n", al.ID, alerts.StateLearned, al.Title)
				return nil
			})
		},
	}
}

// withStoredAlert opens the data dir for writing and runs fn on the
// stored alert q names (an ID or a unique ID prefix).
func (a *app) withStoredAlert(q string, fn func(*alerts.Store, *alerts.Alert) error) error {
	if _, err := os.Stat(a.dataDir); errors.Is(err, fs.ErrNotExist) {
		return &exitError{code: exitNoInput, err: fmt.Errorf("no alerts in %s: run `otsensor replay FILE...` first", a.dataDir)}
	}
	db, err := inventory.OpenDB(a.dataDir, false, a.log)
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	defer db.Close()
	st := alerts.NewStore(db)
	list, err := st.Load()
	if err != nil {
		return &exitError{code: exitFailed, err: err}
	}
	al, err := findAlert(list, q)
	if err != nil {
		return err
	}
	return fn(st, al)
}

// eveAlert is al as an alert line of the events output.
func eveAlert(al *alerts.Alert) *eve.Alert {
	e := &eve.Alert{
		Time:     al.First,
		FlowID:   al.FlowID,
		Src:      netip.AddrPortFrom(al.Source.IP, al.Source.Port),
		Dest:     netip.AddrPortFrom(al.Destination.IP, al.Destination.Port),
		AppProto: al.AppProto,
		Alert: eve.AlertInfo{ID: al.ID, Rule: al.Rule, Title: al.Title, Severity: al.Severity.String(),
			Engine: al.Engine, Category: al.Category, Count: al.Count},
	}
	if al.MITRE != nil {
		e.Alert.MITRE = &eve.Technique{ID: al.MITRE.ID, Name: al.MITRE.Name}
	}
	return e
}
