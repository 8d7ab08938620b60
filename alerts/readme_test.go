package alerts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMEDocumentsDetections keeps the README's table of detections in
// step with the catalogue.
func TestREADMEDocumentsDetections(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range Detections {
		if !strings.Contains(string(b), "| `"+d.Rule+"` | "+d.Severity.String()) {
			t.Errorf("README.md does not document %s (severity %s)", d.Rule, d.Severity)
		}
	}
}
