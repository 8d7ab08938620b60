package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// baselineMode reads `baseline status -o json`.
func baselineMode(t *testing.T, dir string) (mode string, hosts int) {
	t.Helper()
	var st struct {
		Mode  string `json:"mode"`
		Hosts int    `json:"host_count"`
	}
	decode(t, mustRun(t, exitOK, "--data-dir", dir, "baseline", "status", "-o", "json").stdout, &st)
	return st.Mode, st.Hosts
}

// policyAlerts lists the policy alerts' titles and sources.
func policyAlerts(t *testing.T, dir string) []string {
	t.Helper()
	var list []struct {
		Title  string `json:"title"`
		Source struct {
			IP string `json:"ip"`
		} `json:"source"`
	}
	decode(t, mustRun(t, exitOK, "--data-dir", dir, "alerts", "--engine", "policy", "-o", "json").stdout, &list)
	var out []string
	for _, a := range list {
		out = append(out, a.Title+" "+a.Source.IP)
	}
	return out
}

// TestBaselineLearnThenDetect: replay --learn the plant, then a capture
// with a host the plant does not have (10.0.0.10 and 10.0.0.21 of the
// port-5020 session) raises new-device alerts; the plant again raises
// none; learn and reset switch back to learning.
func TestBaselineLearnThenDetect(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if mode, _ := baselineMode(t, dir); mode != "learning" {
		t.Errorf("a new data dir is %q, want learning", mode)
	}
	mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", "--learn", plantPcap)
	mode, hosts := baselineMode(t, dir)
	if mode != "operational" || hosts == 0 {
		t.Fatalf("after --learn: mode %q, %d hosts", mode, hosts)
	}
	mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", plantPcap)
	if got := policyAlerts(t, dir); len(got) != 0 {
		t.Errorf("the learnt capture again raised %q", got)
	}
	mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", filepath.Join(pcapsDir, "modbus_port5020.pcap"))
	got := strings.Join(policyAlerts(t, dir), "; ")
	for _, want := range []string{"New device 10.0.0.10", "New device 10.0.0.21"} {
		if !strings.Contains(got, want) {
			t.Errorf("policy alerts %q lack %q", got, want)
		}
	}
	text := mustRun(t, exitOK, "--data-dir", dir, "baseline", "learn").stdout
	if !strings.Contains(text, "mode:    learning") {
		t.Errorf("baseline learn printed %q", text)
	}
	mustRun(t, exitOK, "--data-dir", dir, "baseline", "reset")
	if mode, hosts := baselineMode(t, dir); mode != "learning" || hosts != 0 {
		t.Errorf("after reset: mode %q, %d hosts", mode, hosts)
	}
	r := cli(t, "--data-dir", filepath.Join(t.TempDir(), "none"), "baseline", "lock")
	if r.code != exitNoInput {
		t.Errorf("baseline lock without a data dir: exit %d, want %d", r.code, exitNoInput)
	}
}

// TestBaselineLearnFor: `baseline learn --for 2s` makes the next replay of
// the plant (4 s of traffic) lock the baseline by itself.
func TestBaselineLearnFor(t *testing.T) {
	dir := replayInto(t, plantPcap)
	if text := mustRun(t, exitOK, "--data-dir", dir, "baseline", "learn", "--for", "2s").stdout; !strings.Contains(text, "locks itself after 2s") {
		t.Errorf("baseline learn --for printed %q", text)
	}
	mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", plantPcap)
	if mode, _ := baselineMode(t, dir); mode != "operational" {
		t.Errorf("after 4 s of traffic with a 2 s learning period: %s", mode)
	}
	mustRun(t, exitUsage, "--data-dir", dir, "baseline", "learn", "--for", "soon")
	if d, err := parseLearningPeriod("7d"); err != nil || d != 7*24*time.Hour {
		t.Errorf("7d = %v, %v", d, err)
	}
}
