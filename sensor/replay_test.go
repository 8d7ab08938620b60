package sensor_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor"
	"github.com/otsensor/otsensor/sensor/flow"
)

// sharedPcaps is the corpus of real captures made by other projects.
func sharedPcaps(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("..", "..", "shared", "pcaps")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the shared capture corpus is missing (%v): tests need ../shared/pcaps next to the checkout", err)
	}
	return dir
}

// truthFiles returns the truth files under dir that have the given
// protocol section, keyed by capture path.
func truthFiles(t testing.TB, dir, section string) map[string]map[string]json.RawMessage {
	t.Helper()
	out := map[string]map[string]json.RawMessage{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".truth.json") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(b, &doc); err != nil {
			return err
		}
		if raw, ok := doc[section]; ok && string(raw) != "null" {
			out[strings.TrimSuffix(path, ".truth.json")] = doc
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no truth files with %q under %s", section, dir)
	}
	return out
}

// forEachTruth runs check, as a subtest, on every capture whose truth file
// has section: those of the shared corpus (named by their path in it) and
// ours in pcaps/ (named "pcaps/..."), whose truth files pcaps/gen made
// with the same tool.
func forEachTruth(t *testing.T, section string, check func(t *testing.T, name, capPath string, doc map[string]json.RawMessage)) {
	for prefix, dir := range map[string]string{"": sharedPcaps(t), "pcaps/": filepath.Join("..", "pcaps")} {
		for capPath, doc := range truthFiles(t, dir, section) {
			name, _ := filepath.Rel(dir, capPath)
			t.Run(prefix+name, func(t *testing.T) { check(t, prefix+name, capPath, doc) })
		}
	}
}

// collector keeps copies of what a replay emits.
type collector struct {
	events    func(ev *dissectors.Event)
	anomalies map[string]int
}

func (c *collector) Event(ev *dissectors.Event) {
	if ev.Anomaly != nil {
		c.anomalies[ev.Anomaly.Name]++
		return
	}
	if c.events != nil {
		c.events(ev)
	}
}
func (c *collector) Flow(*flow.Update)       {}
func (c *collector) Neighbor(*flow.Neighbor) {}

// replay runs files through the pipeline into a fresh inventory.
func replay(t testing.TB, obs flow.Observer, files ...string) (*sensor.Summary, *inventory.Inventory) {
	t.Helper()
	inv := inventory.New()
	sum, err := sensor.Replay(context.Background(), files, sensor.ReplayConfig{
		Flow:       flow.DefaultConfig(),
		Dissectors: all.Dissectors(all.Options{}),
		Observer:   flow.Tee{inv, obs},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, fe := range sum.FileErrors {
		t.Errorf("%s: %v", fe.File, fe.Err)
	}
	return sum, inv
}
