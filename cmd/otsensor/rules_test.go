package main

import (
	"path/filepath"
	"strings"
	"testing"
)

var rulesDir = filepath.Join("..", "..", "alerts", "testdata", "rules")

// TestRulesCheck: good rules exit 0; bad ones exit 1 with file:line on
// stderr; a missing path is a usage error.
func TestRulesCheck(t *testing.T) {
	r := mustRun(t, exitOK, "rules", "check", filepath.Join(rulesDir, "good.yaml"))
	if !strings.Contains(r.stdout, "4 rules ok, 0 bad") {
		t.Errorf("stdout %q", r.stdout)
	}
	r = mustRun(t, exitFailed, "rules", "check", rulesDir)
	if !strings.Contains(r.stdout, "4 rules ok, 6 bad") {
		t.Errorf("stdout %q", r.stdout)
	}
	bad := filepath.Join(rulesDir, "with_errors.yaml")
	for _, want := range []string{
		bad + `:4:26: rule "unknown-field": condition: undefined field 'function_cod'`,
		bad + `:10:15: rule "wrong-type"`,
		bad + `:15:7: rule "modbus-write-plc21": duplicate id`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	mustRun(t, exitUsage, "rules", "check", filepath.Join(rulesDir, "missing.yaml"))
}

// TestReplayRules: replay --rules with bad rules reports them, goes on
// with the good ones, and the matching rule's alert is stored.
func TestReplayRules(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	r := mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", "--rules", rulesDir,
		filepath.Join(pcapsDir, "modbus_functions.pcap"))
	if !strings.Contains(r.stderr, `with_errors.yaml:4:26: rule "unknown-field"`) {
		t.Errorf("stderr lacks the bad rule:\n%s", r.stderr)
	}
	var list []struct {
		Rule   string `json:"rule"`
		Count  int    `json:"count"`
		Engine string `json:"engine"`
	}
	decode(t, mustRun(t, exitOK, "--data-dir", dir, "alerts", "-o", "json").stdout, &list)
	found := false
	for _, a := range list {
		if a.Rule == "custom.modbus-write-plc21" {
			found = true
			if a.Count != 6 || a.Engine != "policy" {
				t.Errorf("custom alert: count %d engine %s, want 6 policy", a.Count, a.Engine)
			}
		}
	}
	if !found {
		t.Errorf("no custom.modbus-write-plc21 alert in %+v", list)
	}
	mustRun(t, exitUsage, "--data-dir", dir, "replay", "--no-progress", "--rules", "nope.yaml",
		filepath.Join(pcapsDir, "modbus_functions.pcap"))
}
