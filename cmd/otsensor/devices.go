package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor/api"
)

func (a *app) devicesCmd() *cobra.Command {
	cmd := listCmd(a, &cobra.Command{
		Use:   "devices",
		Short: "List the devices in the inventory",
		Long: `List the devices learnt from traffic. A device is a station on the local
segment (its MAC and the IPs it owns), or an IP address seen through a router,
or a MAC that only speaks layer 2.`,
	}, func(s *inventory.Snapshot) []*inventory.Device { return s.Devices }, writeDeviceTable)
	var watch bool
	list := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if err := list(c, args); err != nil || !watch {
			return err
		}
		format, _ := c.Flags().GetString("output")
		return a.follow(c.Context(), api.ChangeDevice, format, deviceLine)
	}
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "then print devices as they appear or change, until interrupted (needs a running daemon)")
	cmd.AddCommand(a.deviceShowCmd())
	return cmd
}

// listCmd completes cmd as a listing of what rows picks from the
// inventory: -o table|wide through table, or json|yaml (an array, [] when
// empty).
func listCmd[T any](a *app, cmd *cobra.Command, rows func(*inventory.Snapshot) []T, table func(io.Writer, []T, bool) error) *cobra.Command {
	var format string
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(*cobra.Command, []string) error {
		if err := checkFormat(format, formatTable, formatWide, formatJSON, formatYAML); err != nil {
			return err
		}
		snap, err := a.snapshot()
		if err != nil {
			return err
		}
		list := rows(snap)
		switch format {
		case formatJSON, formatYAML:
			if list == nil {
				list = []T{}
			}
			return writeData(a.out, format, list)
		}
		return table(a.out, list, format == formatWide)
	}
	cmd.Flags().StringVarP(&format, "output", "o", formatTable, "table, wide, json or yaml")
	return cmd
}

func (a *app) deviceShowCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show ID|IP|MAC",
		Short: "Show one device and its links",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", formatJSON, formatYAML); err != nil {
				return err
			}
			snap, err := a.snapshot()
			if err != nil {
				return err
			}
			d, ok := snap.Find(args[0])
			if !ok {
				return &exitError{code: exitFailed, err: fmt.Errorf("no device matches %q (an ID, unique ID prefix, IP or MAC)", args[0])}
			}
			links := snap.LinksOf(d)
			if format != "text" {
				if links == nil {
					links = []*inventory.LinkView{}
				}
				return writeData(a.out, format, struct {
					*inventory.Device
					Links []*inventory.LinkView `json:"links"`
				}{d, links})
			}
			writeDeviceText(a.out, d)
			if len(links) == 0 {
				return nil
			}
			var buf bytes.Buffer
			if err := writeLinkTable(&buf, links, false); err != nil {
				return err
			}
			fmt.Fprintln(a.out, "links:")
			for _, line := range strings.SplitAfter(buf.String(), "\n") {
				if line != "" {
					fmt.Fprint(a.out, "  "+line)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "text", "text, json or yaml")
	return cmd
}

// snapshot opens the data dir read-only and derives the inventory view.
func (a *app) snapshot() (*inventory.Snapshot, error) {
	var snap *inventory.Snapshot
	if ok, err := a.viaDaemon(func(c *api.Client) (err error) {
		snap, err = c.Snapshot()
		return apiError(err)
	}); ok {
		return snap, err
	}
	inv, db, err := a.openInventory(true)
	if err != nil {
		return nil, err
	}
	if db != nil {
		defer db.Close()
	}
	return inv.Snapshot(), nil
}

func writeDeviceTable(w io.Writer, devices []*inventory.Device, wide bool) error {
	header := []string{"ID", "IPS", "MACS", "VENDOR", "ROLES", "FIRST SEEN", "LAST SEEN"}
	if wide {
		header = append(header, "VLANS", "PROTOCOLS", "IDENTITY", "UNITS", "PACKETS")
	}
	t := newTable(w, header...)
	for _, d := range devices {
		row := []string{d.ID, join(d.IPs), join(d.MACs), d.Vendor, strings.Join(d.Roles, ","), stamp(d.FirstSeen), stamp(d.LastSeen)}
		if wide {
			row = append(row, uints(d.VLANs), strings.Join(d.Protocols, ","), identity(d.Identity), units(d.Modbus),
				strconv.FormatUint(d.Counters.PacketsSent+d.Counters.PacketsReceived, 10))
		}
		t.row(row...)
	}
	return t.flush()
}

func writeDeviceText(w io.Writer, d *inventory.Device) {
	p := func(k, v string) {
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(w, "%-17s %s\n", k+":", v)
	}
	p("id", d.ID)
	p("ips", join(d.IPs))
	p("macs", join(d.MACs))
	p("vendor", d.Vendor)
	p("identity", identity(d.Identity))
	p("roles", strings.Join(d.Roles, ", "))
	p("protocols", strings.Join(d.Protocols, ", "))
	p("vlans", uints(d.VLANs))
	if d.Modbus != nil {
		p("modbus units", units(d.Modbus))
	}
	if m := d.MQTT; m != nil {
		p("mqtt client ids", strings.Join(m.ClientIDs, ", "))
		if len(m.Usernames) > 0 {
			p("mqtt usernames", strings.Join(m.Usernames, ", "))
		}
		p("mqtt topics", fmt.Sprintf("%d published, %d subscribed", len(m.Published), len(m.Subscribed)))
		if m.PlaintextCredentials > 0 {
			p("mqtt cleartext", fmt.Sprintf("credentials sent unencrypted in %d CONNECTs", m.PlaintextCredentials))
		}
	}
	if m := d.TLS; m != nil {
		if len(m.ServerNames) > 0 {
			p("tls names", strings.Join(m.ServerNames, ", "))
		}
		if len(m.ServerVersions) > 0 {
			p("tls served", strings.Join(m.ServerVersions, ", "))
		}
		for _, c := range m.Certificates {
			p("tls cert", certificateLine(c))
		}
		if len(m.JA4) > 0 {
			p("tls ja4", strings.Join(m.JA4, ", "))
		}
	}
	if d.DNP3 != nil {
		if len(d.DNP3.MasterAddresses) > 0 {
			p("dnp3 master", uints(d.DNP3.MasterAddresses))
		}
		if len(d.DNP3.OutstationAddresses) > 0 {
			p("dnp3 outstation", uints(d.DNP3.OutstationAddresses))
		}
	}
	p("first seen", stamp(d.FirstSeen))
	p("last seen", stamp(d.LastSeen))
	if d.Router {
		p("router", "yes (its MAC carries many IPs)")
	}
	if len(d.Gateways) > 0 {
		p("via router", join(d.Gateways))
	}
	c := d.Counters
	p("packets", fmt.Sprintf("%d sent, %d received", c.PacketsSent, c.PacketsReceived))
	p("bytes", fmt.Sprintf("%d sent, %d received", c.BytesSent, c.BytesReceived))
	p("flows", fmt.Sprintf("%d initiated, %d accepted", c.FlowsInitiated, c.FlowsAccepted))
}

// certificateLine is one certificate in a line: subject, validity, and
// what a user should notice.
func certificateLine(c inventory.TLSCertificate) string {
	s := c.Subject + ", until " + c.NotAfter.UTC().Format("2006-01-02")
	if c.SelfSigned {
		s += ", self-signed"
	}
	if c.ExpiredWhenSeen {
		s += ", EXPIRED when seen"
	}
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

func uints[T ~uint8 | ~uint16](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(int(x))
	}
	return strings.Join(s, ",")
}

func units(m *inventory.DeviceModbus) string {
	if m == nil {
		return ""
	}
	return uints(m.UnitIDs)
}

func identity(id inventory.Identity) string {
	var parts []string
	for _, s := range []string{id.Vendor, id.Product, id.Model, id.Firmware, id.Serial} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}
