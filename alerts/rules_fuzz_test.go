package alerts

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzRules feeds arbitrary bytes to the rule loader, seeded with the rule
// files of testdata: it must report errors, never panic, and keep only
// rules that compiled.
func FuzzRules(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "rules", "*.yaml"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed rules (%v)", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := NewRuleSet()
		if err != nil {
			t.Fatal(err)
		}
		_ = rs.AddYAML("fuzz.yaml", data)
		for _, r := range rs.Rules() {
			if r.ID == "" || r.Condition == "" {
				t.Fatalf("rule kept without id or condition: %+v", r)
			}
		}
	})
}
