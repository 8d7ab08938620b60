package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// truthCommon is what every make_truth.py file (see
// /work/shared/README.md) holds whatever the protocol; each protocol's
// truth type embeds it.
type truthCommon struct {
	SHA256   string   `json:"sha256"`
	DecodeAs []string `json:"tshark_decode_as"`
}

// craftedWithPrefix returns the names of the crafted captures that start
// with prefix, after the names in extra.
func craftedWithPrefix(prefix string, extra ...string) []string {
	names := extra
	for _, c := range captures() {
		if strings.HasPrefix(c.name, prefix) {
			names = append(names, c.name)
		}
	}
	return names
}

// checkTruthFiles runs, in a subtest per capture, check on the committed
// truth file of each named capture in pcaps/, after checking that the
// truth file was made from the capture's current bytes.
func checkTruthFiles[T any](t *testing.T, names []string, check func(t *testing.T, name string, tr *T)) {
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(committedDir, name))
			if err != nil {
				t.Fatal(err)
			}
			j, err := os.ReadFile(filepath.Join(committedDir, name+".truth.json"))
			if err != nil {
				t.Fatalf("%v: run make_truth.py (see the test's comment)", err)
			}
			var c truthCommon
			tr := new(T)
			if err := json.Unmarshal(j, &c); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(j, tr); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(b)
			if c.SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatalf("truth file is for other bytes: rerun make_truth.py --force")
			}
			check(t, name, tr)
		})
	}
}

// truthWant returns a check that reports what tshark did not see.
func truthWant(t *testing.T) func(what string, ok bool) {
	return func(what string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("tshark did not see %s", what)
		}
	}
}
