package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// newDeviceAlerts returns the stored policy.new_device alerts by source IP.
func newDeviceAlerts(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, a := range alertsJSON(t, dir, "--engine", "policy") {
		if str(t, a, "rule") == "policy.new_device" {
			out[str(t, obj(t, a, "source"), "ip")] = a
		}
	}
	return out
}

// TestAlertsLearn: after replay --learn of the plant, the port-5020
// session raises new_device for 10.0.0.10 and 10.0.0.21 (see
// TestBaselineLearnThenDetect). Learning the 10.0.0.10 alert closes it,
// and replaying the session again does not raise it. Then the baseline
// is reset and the plant relearnt, so that the baseline no longer holds
// the session's hosts: learning the alert again puts 10.0.0.10 back, and
// only 10.0.0.21, not learnt, alerts on the next replay.
func TestAlertsLearn(t *testing.T) {
	port5020 := filepath.Join(pcapsDir, "modbus_port5020.pcap")
	dir := filepath.Join(t.TempDir(), "data")
	mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", "--learn", plantPcap)
	mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", port5020)
	devs := newDeviceAlerts(t, dir)
	hmi, plc := devs["10.0.0.10"], devs["10.0.0.21"]
	if hmi == nil || plc == nil {
		t.Fatalf("new_device alerts %v, want 10.0.0.10 and 10.0.0.21", devs)
	}
	id := str(t, hmi, "id")
	count := num(t, hmi, "count")

	r := mustRun(t, exitOK, "--data-dir", dir, "alerts", "learn", id[:8])
	if want := "alert " + id + " learned: " + str(t, hmi, "title"); strings.TrimSpace(r.stdout) != want {
		t.Errorf("learn printed %q, want %q", r.stdout, want)
	}
	learned := alertsJSON(t, dir, "--state", "learned")
	if len(learned) != 1 || str(t, learned[0], "id") != id {
		t.Fatalf("learned alerts %v, want only %s", alertIDs(t, learned), id)
	}

	mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", port5020)
	after := newDeviceAlerts(t, dir)
	if len(after) != len(devs) {
		t.Errorf("new_device alerts %d after the replay, were %d", len(after), len(devs))
	}
	if a := after["10.0.0.10"]; str(t, a, "state") != "learned" || num(t, a, "count") != count {
		t.Errorf("after a replay: state %v count %v, want learned %d", a["state"], a["count"], count)
	}

	// The baseline forgets the session's hosts: replaying it would raise
	// both again. Learn the 10.0.0.10 alert (again) first.
	mustRun(t, exitOK, "--data-dir", dir, "baseline", "reset")
	mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", "--learn", plantPcap)
	mustRun(t, exitOK, "--data-dir", dir, "alerts", "learn", id)
	plcCount := num(t, after["10.0.0.21"], "count")
	mustRun(t, exitOK, "--data-dir", dir, "replay", "--no-progress", port5020)
	final := newDeviceAlerts(t, dir)
	if a := final["10.0.0.10"]; str(t, a, "state") != "learned" || num(t, a, "count") != count {
		t.Errorf("learnt after a reset: state %v count %v, want learned %d", a["state"], a["count"], count)
	}
	if a := final["10.0.0.21"]; num(t, a, "count") != plcCount+1 || str(t, a, "state") != "new" {
		t.Errorf("10.0.0.21, not learnt: state %v count %v, want new %d", a["state"], a["count"], plcCount+1)
	}
}

// TestAlertsLearnErrors: a non-policy alert is refused (exit 1, with the
// reason, its state unchanged); unknown ids, a missing data dir and a
// missing argument exit as ack and mute do.
func TestAlertsLearnErrors(t *testing.T) {
	dir := plantWithAlerts(t)
	r := mustRun(t, exitFailed, "--data-dir", dir, "alerts", "learn", idProgramming)
	if !strings.Contains(r.stderr, "only policy alerts describe a deviation from the baseline: ack or mute it instead") {
		t.Errorf("non-policy learn: stderr %q", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("non-policy learn wrote %q", r.stdout)
	}
	if a := alertsJSON(t, dir, "--severity", "critical")[0]; str(t, a, "state") != "new" {
		t.Errorf("refused learn changed the state to %v", a["state"])
	}
	mustRun(t, exitNoInput, "--data-dir", dir, "alerts", "learn", "ffff")
	mustRun(t, exitNoInput, "--data-dir", dir, "alerts", "learn", "a2a2") // two alerts
	mustRun(t, exitUsage, "--data-dir", dir, "alerts", "learn")
	mustRun(t, exitUsage, "--data-dir", dir, "alerts", "--state", "closed")
	mustRun(t, exitNoInput, "--data-dir", filepath.Join(t.TempDir(), "missing"), "alerts", "learn", idProgramming)
}
