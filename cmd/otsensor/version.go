package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor/eve"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

type versionInfo struct {
	Version         string `json:"version"`
	Commit          string `json:"commit,omitempty"`
	Go              string `json:"go"`
	EventSchema     int    `json:"event_schema"`
	InventorySchema int    `json:"inventory_schema"`
	AlertSchema     int    `json:"alert_schema"`
}

func buildInfo() versionInfo {
	v := versionInfo{Version: version, Go: runtime.Version(), EventSchema: eve.SchemaVersion, InventorySchema: inventory.SchemaVersion, AlertSchema: alerts.SchemaVersion}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v.Commit = s.Value
			}
		}
	}
	return v
}

func (a *app) versionCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version and the schema versions of the JSON formats",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := checkFormat(format, "text", formatJSON, formatYAML); err != nil {
				return err
			}
			v := buildInfo()
			if format != "text" {
				return writeData(a.out, format, v)
			}
			fmt.Fprintf(a.out, "otsensor %s", v.Version)
			if v.Commit != "" {
				fmt.Fprintf(a.out, " (%.12s)", v.Commit)
			}
			fmt.Fprintf(a.out, " %s, event schema %d, inventory schema %d\n", v.Go, v.EventSchema, v.InventorySchema)
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "text", "text, json or yaml")
	return cmd
}
