package file

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/otsensor/otsensor/alerts/outbox/outboxtest"
	"github.com/otsensor/otsensor/alerts/sink"
)

// peer is a file sink's directory: Stop moves it away (the sink's open
// file no longer is at its path, and new files cannot be created), Start
// moves it back. Small files make the outage also cross rotations.
func peer(t *testing.T) outboxtest.Peer {
	const maxFiles = 50
	dir := filepath.Join(t.TempDir(), "out")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "otsensor.jsonl")
	return outboxtest.Peer{
		NewSink: func(t testing.TB) sink.Sink { return newTestSink(t, path, 16<<10, maxFiles) },
		Stop: func(t testing.TB) {
			if err := os.Rename(dir, dir+".down"); err != nil {
				t.Fatal(err)
			}
		},
		Start: func(t testing.TB) {
			if err := os.Rename(dir+".down", dir); err != nil {
				t.Fatal(err)
			}
		},
		Received: func(t testing.TB) []string {
			d := dir
			if _, err := os.Stat(d); err != nil {
				d = dir + ".down"
			}
			p := filepath.Join(d, filepath.Base(path))
			if _, err := os.Stat(fmt.Sprintf("%s.%d", p, maxFiles)); err == nil {
				t.Fatalf("%d rotated files: the oldest may have been dropped", maxFiles)
			}
			var ids []string
			for i := maxFiles; i >= 1; i-- {
				ids = append(ids, completeIDs(t, fmt.Sprintf("%s.%d", p, i))...)
			}
			return append(ids, completeIDs(t, p)...)
		},
	}
}

func TestOutage(t *testing.T) { outboxtest.RunOutage(t, peer(t), 200) }

func TestCapDrop(t *testing.T) { outboxtest.RunCapDrop(t, peer(t), 200) }

// completeIDs returns the ids of path's complete lines: the harness polls
// while the sink may be writing, and a line is only there once its
// newline is.
func completeIDs(t testing.TB, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		var doc struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(data[:i], &doc); err != nil || doc.ID == "" {
			t.Fatalf("%s: a line is not a message body (%v): %q", path, err, data[:i])
		}
		ids = append(ids, doc.ID)
		data = data[i+1:]
	}
	return ids
}
