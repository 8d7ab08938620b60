package main

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor/eve"
)

func TestVersion(t *testing.T) {
	r := mustRun(t, exitOK, "version", "-o", "json")
	var v map[string]any
	decode(t, r.stdout, &v)
	if str(t, v, "version") != version || str(t, v, "go") != runtime.Version() {
		t.Errorf("version %v go %v, want %q %q", v["version"], v["go"], version, runtime.Version())
	}
	if num(t, v, "event_schema") != eve.SchemaVersion || num(t, v, "inventory_schema") != inventory.SchemaVersion || num(t, v, "alert_schema") != alerts.SchemaVersion {
		t.Errorf("schemas %v/%v/%v, want %d/%d/%d", v["event_schema"], v["inventory_schema"], v["alert_schema"], eve.SchemaVersion, inventory.SchemaVersion, alerts.SchemaVersion)
	}

	yml := mustRun(t, exitOK, "version", "-o", "yaml").stdout
	if !strings.Contains(yml, fmt.Sprintf("event_schema: %d", eve.SchemaVersion)) || !strings.Contains(yml, "go: "+runtime.Version()) {
		t.Errorf("version yaml:\n%s", yml)
	}
	text := mustRun(t, exitOK, "version").stdout
	if !strings.HasPrefix(text, "otsensor "+version) || !strings.Contains(text, fmt.Sprintf("event schema %d, inventory schema %d", eve.SchemaVersion, inventory.SchemaVersion)) {
		t.Errorf("version text %q", text)
	}
}

// TestHelp: help is not an error and names the commands.
func TestHelp(t *testing.T) {
	r := mustRun(t, exitOK, "--help")
	for _, c := range []string{"replay", "devices", "links", "version", "--data-dir", "--log-level"} {
		if !strings.Contains(r.stdout, c) {
			t.Errorf("help lacks %q:\n%s", c, r.stdout)
		}
	}
}
