package pcaps_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// eachGoldenEvent decodes every line of golden/*.events.jsonl into a
// fresh T and passes it to fn. It fails the test when there are no golden
// event files or a line is not a T.
func eachGoldenEvent[T any](t *testing.T, fn func(ev *T)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("golden", "*.events.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden event files (%v)", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for line := range bytes.Lines(b) {
			line = bytes.TrimSuffix(line, []byte("\n"))
			if len(line) == 0 {
				continue
			}
			var ev T
			if err := json.Unmarshal(line, &ev); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			fn(&ev)
		}
	}
}

// goldenAnomaly is the anomaly part of a golden event, embedded in each
// coverage test's event type.
type goldenAnomaly struct {
	Anomaly *struct{ Event string } `json:"anomaly"`
}

// mark records the anomaly's name in seen, if the event is one.
func (a goldenAnomaly) mark(seen map[string]bool) {
	if a.Anomaly != nil {
		seen[a.Anomaly.Event] = true
	}
}

// markTrue records in seen each name whose condition holds.
func markTrue(seen map[string]bool, conds map[string]bool) {
	for k, ok := range conds {
		if ok {
			seen[k] = true
		}
	}
}

// requireSeen reports every name in want that seen lacks.
func requireSeen(t *testing.T, seen map[string]bool, want []string) {
	t.Helper()
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no bundled capture gives %s", w)
		}
	}
}
