package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// pcapsDir holds the captures bundled with the repository.
var pcapsDir = filepath.Join("..", "..", "pcaps")

// plantPcap is the small plant capture (pcaps/README.md).
var plantPcap = filepath.Join(pcapsDir, "modbus_plant.pcap.gz")

// result is what one in-process run of the CLI produced.
type result struct {
	code           int
	stdout, stderr string
}

// cli runs the CLI in-process: no terminal, an environment with only
// OTSENSOR_DATA_DIR (a fresh temp dir, so a forgotten --data-dir never
// touches the real home), and a clock that advances one second per call.
func cli(t *testing.T, args ...string) result {
	t.Helper()
	return cliEnv(t, map[string]string{"OTSENSOR_DATA_DIR": filepath.Join(t.TempDir(), "default")}, args...)
}

func cliEnv(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	a := newApp(&out, &errOut)
	a.getenv = func(k string) string { return env[k] }
	a.isTerminal = func(io.Writer) bool { return false }
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a.clock = func() time.Time {
		now = now.Add(time.Second)
		return now
	}
	code := a.run(args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// mustRun runs the CLI and fails the test unless it exits with want.
func mustRun(t *testing.T, want int, args ...string) result {
	t.Helper()
	r := cli(t, args...)
	if r.code != want {
		t.Fatalf("otsensor %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, want, r.stdout, r.stderr)
	}
	return r
}

// replayInto replays files into a new data dir and returns it.
func replayInto(t *testing.T, files ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	mustRun(t, exitOK, append([]string{"--data-dir", dir, "replay", "--no-progress"}, files...)...)
	return dir
}

// decode unmarshals JSON output into v, failing the test on bad JSON.
func decode(t *testing.T, s string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("output is not JSON (%v):\n%s", err, s)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value in output:\n%s", s)
	}
}

// jsonDevice is a device as `devices -o json` writes it, kept loose so
// that types can be checked field by field.
type jsonDevice = map[string]any

// devicesJSON runs `devices -o json` on dir.
func devicesJSON(t *testing.T, dir string) []jsonDevice {
	t.Helper()
	r := mustRun(t, exitOK, "--data-dir", dir, "devices", "-o", "json")
	var ds []jsonDevice
	decode(t, r.stdout, &ds)
	return ds
}

// byIP returns the device listing ip, failing if none or several do.
func byIP(t *testing.T, ds []jsonDevice, ip string) jsonDevice {
	t.Helper()
	var found jsonDevice
	for _, d := range ds {
		for _, a := range strs(t, d, "ips") {
			if a == ip {
				if found != nil {
					t.Fatalf("two devices list %s", ip)
				}
				found = d
			}
		}
	}
	if found == nil {
		t.Fatalf("no device lists IP %s", ip)
	}
	return found
}

// byMAC returns the device listing mac.
func byMAC(t *testing.T, ds []jsonDevice, mac string) jsonDevice {
	t.Helper()
	for _, d := range ds {
		for _, m := range strs(t, d, "macs") {
			if m == mac {
				return d
			}
		}
	}
	t.Fatalf("no device lists MAC %s", mac)
	return nil
}

// strs returns d[key] as a list of strings, failing unless it is a JSON
// array of strings.
func strs(t *testing.T, d map[string]any, key string) []string {
	t.Helper()
	raw, ok := d[key].([]any)
	if !ok {
		t.Fatalf("%s is %T (%v), want an array", key, d[key], d[key])
	}
	out := make([]string, len(raw))
	for i, v := range raw {
		s, ok := v.(string)
		if !ok {
			t.Fatalf("%s[%d] is %T, want a string", key, i, v)
		}
		out[i] = s
	}
	return out
}

// ints returns d[key] as a list of integers, failing unless it is a JSON
// array of numbers.
func ints(t *testing.T, d map[string]any, key string) []int64 {
	t.Helper()
	raw, ok := d[key].([]any)
	if !ok {
		t.Fatalf("%s is %T (%v), want an array of numbers", key, d[key], d[key])
	}
	out := make([]int64, len(raw))
	for i, v := range raw {
		n, ok := v.(json.Number)
		if !ok {
			t.Fatalf("%s[%d] is %T, want a number", key, i, v)
		}
		x, err := n.Int64()
		if err != nil {
			t.Fatalf("%s[%d] = %s: %v", key, i, n, err)
		}
		out[i] = x
	}
	return out
}

// num returns d[key] as an integer, failing unless it is a JSON integer.
func num(t *testing.T, d map[string]any, key string) int64 {
	t.Helper()
	n, ok := d[key].(json.Number)
	if !ok {
		t.Fatalf("%s is %T (%v), want a number", key, d[key], d[key])
	}
	x, err := n.Int64()
	if err != nil {
		t.Fatalf("%s = %s, want an integer", key, n)
	}
	return x
}

// obj returns d[key] as a JSON object.
func obj(t *testing.T, d map[string]any, key string) map[string]any {
	t.Helper()
	o, ok := d[key].(map[string]any)
	if !ok {
		t.Fatalf("%s is %T (%v), want an object", key, d[key], d[key])
	}
	return o
}

// str returns d[key] as a string.
func str(t *testing.T, d map[string]any, key string) string {
	t.Helper()
	s, ok := d[key].(string)
	if !ok {
		t.Fatalf("%s is %T (%v), want a string", key, d[key], d[key])
	}
	return s
}

// writeFile writes a file into a temp dir and returns its path.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMain fails loudly when the bundled captures are missing instead of
// letting every test report a confusing exit 3.
func TestMain(m *testing.M) {
	if _, err := os.Stat(plantPcap); err != nil {
		os.Stderr.WriteString("bundled captures missing (run go run ./pcaps/gen): " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool { return reflect.DeepEqual(a, b) }
