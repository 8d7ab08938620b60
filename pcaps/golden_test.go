// Golden tests: every capture in this directory is replayed through the
// whole pipeline and its events, devices, links and summary are compared
// with golden/<capture>.events.jsonl and golden/<capture>.inventory.json.
// Run `go test ./pcaps -update` to regenerate them after a deliberate
// change, and read the diff.
package pcaps_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor"
	"github.com/otsensor/otsensor/sensor/capture"
	"github.com/otsensor/otsensor/sensor/eve"
	"github.com/otsensor/otsensor/sensor/flow"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// captures returns the bundled captures.
func captures(t *testing.T) []string {
	t.Helper()
	files, err := capture.Expand([]string{"."})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.Contains(f, string(filepath.Separator)) { // not in gen/, synth/, golden/
			out = append(out, f)
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d captures in pcaps/: run go run ./pcaps/gen", len(out))
	}
	return out
}

// result is what one replay produced, as the golden files hold it.
type result struct {
	events    []byte
	inventory []byte
}

// eventLines collects events as EVE JSON lines.
type eventLines struct {
	buf bytes.Buffer
	err error
}

func (e *eventLines) Event(ev *dissectors.Event) {
	b, err := eve.Append(nil, ev)
	if err != nil && e.err == nil {
		e.err = err
	}
	e.buf.Write(b)
	e.buf.WriteByte('\n')
}
func (e *eventLines) Flow(*flow.Update)       {}
func (e *eventLines) Neighbor(*flow.Neighbor) {}

func replay(t *testing.T, files ...string) result {
	t.Helper()
	inv := inventory.New()
	events := &eventLines{}
	sum, err := sensor.Replay(context.Background(), files, sensor.ReplayConfig{
		Flow:       flow.DefaultConfig(),
		Dissectors: all.Dissectors(all.Options{}),
		Observer:   flow.Tee{inv, events},
	})
	if err != nil || events.err != nil {
		t.Fatal(err, events.err)
	}
	snap := inv.Snapshot()
	sum.Duration, sum.DurationSeconds, sum.PacketsPerSecond = 0, 0, 0
	sum.Devices = len(snap.Devices)
	links := snap.Links
	if links == nil {
		links = []*inventory.LinkView{}
	}
	b, err := json.MarshalIndent(map[string]any{"summary": sum, "devices": snap.Devices, "links": links}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return result{events: events.buf.Bytes(), inventory: append(b, '\n')}
}

func TestGolden(t *testing.T) {
	for _, c := range captures(t) {
		t.Run(c, func(t *testing.T) {
			got := replay(t, c)
			compareGolden(t, filepath.Join("golden", c+".events.jsonl"), got.events)
			compareGolden(t, filepath.Join("golden", c+".inventory.json"), got.inventory)
		})
	}
}

func compareGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pcaps -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from line %d:\n got  %s\n want %s\n(go test ./pcaps -update rewrites it; read the diff)", path, i+1, g, w)
			}
		}
	}
}

// TestReplayIsDeterministic replays all captures together twice: the
// same input must give byte-identical output.
func TestReplayIsDeterministic(t *testing.T) {
	files := captures(t)
	a, b := replay(t, files...), replay(t, files...)
	if !bytes.Equal(a.events, b.events) || !bytes.Equal(a.inventory, b.inventory) {
		t.Fatal("two replays of the same captures differ")
	}
}
