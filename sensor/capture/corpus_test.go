package capture

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpusDir is the shared capture corpus, relative to this package.
var corpusDir = filepath.Join("..", "..", "..", "shared", "pcaps")

// corpusFiles lists the real captures (not the peer-output directories).
func corpusFiles(t testing.TB) []string {
	t.Helper()
	if st, err := os.Stat(corpusDir); err != nil || !st.IsDir() {
		t.Fatalf("capture corpus missing at %s: %v", corpusDir, err)
	}
	all, err := Expand([]string{corpusDir})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range all {
		if !strings.Contains(filepath.ToSlash(p), ".peer/") {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no captures under %s", corpusDir)
	}
	return out
}

// truth is the part of a *.truth.json (made by tshark) this test uses.
type truth struct {
	General struct {
		PacketCount    int      `json:"packet_count"`
		FirstTimestamp *float64 `json:"first_timestamp"`
	} `json:"general"`
}

// TestCorpus reads every real capture to the end and compares the packet
// count and the first timestamp with tshark's. There are no accepted
// differences: every capture must read completely.
func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	for _, path := range files {
		raw, err := os.ReadFile(path + ".truth.json")
		if err != nil {
			t.Errorf("%s: no truth file: %v", path, err)
			continue
		}
		var tr truth
		if err := json.Unmarshal(raw, &tr); err != nil {
			t.Fatalf("%s.truth.json: %v", path, err)
		}
		f, err := Open(path)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		var (
			p     Packet
			n     int
			first float64
		)
		for {
			if err = f.Next(&p); err != nil {
				break
			}
			if n == 0 {
				first = float64(p.Info.Timestamp.UnixNano()) / 1e9
			}
			n++
		}
		done, total := f.Progress()
		f.Close()
		if err != io.EOF {
			t.Errorf("%s: after %d packets: %v", path, n, err)
			continue
		}
		if n != tr.General.PacketCount {
			t.Errorf("%s: %d packets, tshark counts %d", path, n, tr.General.PacketCount)
		}
		// tshark prints epoch seconds with 9 decimals; JSON keeps ~7.
		if ts := tr.General.FirstTimestamp; ts != nil && math.Abs(first-*ts) > 1e-6 {
			t.Errorf("%s: first timestamp %.9f, tshark %.9f", path, first, *ts)
		}
		if done != total {
			t.Errorf("%s: Progress %d/%d at the end", path, done, total)
		}
	}
	t.Logf("%d captures read", len(files))
}

// TestCorpusGzip reads every real capture gzip-compressed in memory and
// checks it gives the same packets as the file itself.
func TestCorpusGzip(t *testing.T) {
	for _, path := range corpusFiles(t) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := NewReader(path, bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		gz, err := NewReader(path+".gz", bytes.NewReader(gzipped(t, raw)))
		if err != nil {
			t.Fatal(err)
		}
		var p, q Packet
		n := 0
		for {
			err1, err2 := plain.Next(&p), gz.Next(&q)
			if err1 != err2 {
				t.Fatalf("%s: packet %d: %v vs %v", path, n, err1, err2)
			}
			if err1 != nil {
				break
			}
			if !bytes.Equal(p.Data, q.Data) || !p.Info.Timestamp.Equal(q.Info.Timestamp) || p.LinkType != q.LinkType {
				t.Fatalf("%s: packet %d differs", path, n)
			}
			n++
		}
	}
}

// smallestCaptures returns, for each protocol, the n smallest corpus
// captures in which tshark found it.
func smallestCaptures(t testing.TB, n int, protos ...string) []string {
	t.Helper()
	type entry struct {
		path string
		size int64
	}
	best := map[string][]entry{}
	for _, path := range corpusFiles(t) {
		raw, err := os.ReadFile(path + ".truth.json")
		if err != nil {
			t.Fatal(err)
		}
		var tr struct {
			Protocols []string `json:"protocols_present"`
		}
		if err := json.Unmarshal(raw, &tr); err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range tr.Protocols {
			best[p] = append(best[p], entry{path, st.Size()})
		}
	}
	var out []string
	for _, p := range protos {
		es := best[p]
		slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.size, b.size) })
		for i := 0; i < n && i < len(es); i++ {
			if !slices.Contains(out, es[i].path) {
				out = append(out, es[i].path)
			}
		}
	}
	return out
}
