package file

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// lineLen is the length of one line written for sinktest.Messages (body
// + newline); every message has the same length.
func lineLen() int64 { return int64(len(sinktest.Messages(1, 1)[0].Body)) + 1 }

// newTestSink builds a sink writing to path or fails the test.
func newTestSink(t testing.TB, path string, maxBytes int64, maxFiles int) *Sink {
	t.Helper()
	s, err := New(sink.Config{URL: "file://" + path, MaxFileBytes: maxBytes, MaxFiles: maxFiles}, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s.(*Sink)
}

// readIDs parses every line of path as a message body and returns the
// ids; it fails the test on a line that is not a JSON object with an id.
// A missing file gives nil.
func readIDs(t testing.TB, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var doc struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &doc); err != nil || doc.ID == "" {
			t.Fatalf("%s line %d is not a message body (%v): %q", path, n, err, sc.Text())
		}
		ids = append(ids, doc.ID)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// idRange is "m%04d" for first..last.
func idRange(first, last int) []string {
	var out []string
	for i := first; i <= last; i++ {
		out = append(out, fmt.Sprintf("m%04d", i))
	}
	return out
}

func TestLinesWrittenAndParseable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.jsonl")
	s := newTestSink(t, path, 0, 0)
	ctx := context.Background()
	b1, b2 := sinktest.Messages(1, 3), sinktest.Messages(4, 2)
	if err := s.Send(ctx, b1); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, b2); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, m := range append(b1, b2...) {
		want = append(append(want, m.Body...), '\n')
	}
	if !bytes.Equal(data, want) {
		t.Errorf("file holds\n%s\nwant\n%s", data, want)
	}
	if got := readIDs(t, path); strings.Join(got, ",") != strings.Join(idRange(1, 5), ",") {
		t.Errorf("ids %v", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// 0640 less the umask: never readable by others, always by the owner.
	if perm := fi.Mode().Perm(); perm&^FileMode != 0 || perm&0o600 != 0o600 {
		t.Errorf("mode %v, want %v (less the umask)", perm, os.FileMode(FileMode))
	}
	if s.Name() != "file://"+path {
		t.Errorf("Name() = %q", s.Name())
	}
}

func TestBodyWithNewlinesIsCompacted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.jsonl")
	s := newTestSink(t, path, 0, 0)
	pretty := []byte("{\r\n  \"schema\": \"otsensor.message\",\n  \"id\": \"p1\",\n  \"note\": \"a\\nb\"\n}\n")
	if err := s.Send(context.Background(), []sink.Message{{ID: "p1", Body: pretty}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The escaped \n inside the string stays escaped; the layout goes.
	want := `{"schema":"otsensor.message","id":"p1","note":"a\nb"}` + "\n"
	if string(data) != want {
		t.Errorf("file holds %q, want %q", data, want)
	}
}

func TestInvalidBodyIsPermanentAndWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.jsonl")
	s := newTestSink(t, path, 0, 0)
	batch := sinktest.Messages(1, 2)
	batch[1].Body = []byte("{\"id\":\"m0002\",\n") // truncated JSON with a newline
	err := s.Send(context.Background(), batch)
	if !sink.IsPermanent(err) || !strings.Contains(err.Error(), "m0002") {
		t.Fatalf("err = %v, want a permanent error naming m0002", err)
	}
	if ids := readIDs(t, path); len(ids) != 0 {
		t.Errorf("wrote %v for a refused batch", ids)
	}
}

func TestRotationKeepsNFiles(t *testing.T) {
	// Three lines fit a file; 20 lines make files of lines 1-3, 4-6, ...,
	// 16-18 and 19-20. The current file and two rotated ones are kept:
	// path = 19-20, path.1 = 16-18, path.2 = 13-15; 1-12 are dropped.
	for _, perBatch := range []int{1, 4, 20} {
		t.Run(fmt.Sprintf("batch%d", perBatch), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "otsensor.jsonl")
			s := newTestSink(t, path, 3*lineLen(), 2)
			for i := 1; i <= 20; i += perBatch {
				n := min(perBatch, 21-i)
				if err := s.Send(context.Background(), sinktest.Messages(i, n)); err != nil {
					t.Fatalf("Send %d..: %v", i, err)
				}
			}
			want := map[string][]string{
				path:        idRange(19, 20),
				path + ".1": idRange(16, 18),
				path + ".2": idRange(13, 15),
			}
			for p, w := range want {
				if got := readIDs(t, p); strings.Join(got, ",") != strings.Join(w, ",") {
					t.Errorf("%s holds %v, want %v", filepath.Base(p), got, w)
				}
				if fi, err := os.Stat(p); err != nil || fi.Size() > 3*lineLen() {
					t.Errorf("%s: %v, size over the cap", p, err)
				}
			}
			matches, _ := filepath.Glob(path + "*")
			if len(matches) != 3 {
				t.Errorf("files %v, want 3", matches)
			}
		})
	}
}

func TestRotationCountsExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.jsonl")
	s := newTestSink(t, path, 3*lineLen(), 5)
	if err := s.Send(context.Background(), sinktest.Messages(1, 2)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// A new sink (a restart) appends to the existing two lines and
	// rotates after the third.
	s2 := newTestSink(t, path, 3*lineLen(), 5)
	if err := s2.Send(context.Background(), sinktest.Messages(3, 2)); err != nil {
		t.Fatal(err)
	}
	if got := readIDs(t, path+".1"); strings.Join(got, ",") != "m0001,m0002,m0003" {
		t.Errorf("path.1 holds %v", got)
	}
	if got := readIDs(t, path); strings.Join(got, ",") != "m0004" {
		t.Errorf("path holds %v", got)
	}
}

func TestOversizedLineGetsItsOwnFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.jsonl")
	s := newTestSink(t, path, lineLen()/2, 3)
	if err := s.Send(context.Background(), sinktest.Messages(1, 3)); err != nil {
		t.Fatal(err)
	}
	for p, id := range map[string]string{path + ".2": "m0001", path + ".1": "m0002", path: "m0003"} {
		if got := readIDs(t, p); len(got) != 1 || got[0] != id {
			t.Errorf("%s holds %v, want [%s]", filepath.Base(p), got, id)
		}
	}
}

func TestFsyncEachBatchAndFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.jsonl")
	s := newTestSink(t, path, 0, 0)
	var syncs int
	fail := false
	s.sync = func(f *os.File) error {
		syncs++
		if fail {
			return errors.New("injected fsync failure")
		}
		return f.Sync()
	}
	ctx := context.Background()
	if err := s.Send(ctx, sinktest.Messages(1, 2)); err != nil {
		t.Fatal(err)
	}
	if syncs != 1 {
		t.Fatalf("%d fsyncs for one batch, want 1", syncs)
	}
	fail = true
	err := s.Send(ctx, sinktest.Messages(3, 2))
	if err == nil || sink.IsPermanent(err) || !strings.Contains(err.Error(), "fsync") {
		t.Fatalf("err = %v, want a retryable fsync error", err)
	}
	// The unsynced batch was cut off again: the resend is not duplicated.
	if got := readIDs(t, path); strings.Join(got, ",") != "m0001,m0002" {
		t.Fatalf("after a failed fsync the file holds %v", got)
	}
	fail = false
	if err := s.Send(ctx, sinktest.Messages(3, 2)); err != nil {
		t.Fatal(err)
	}
	if got := readIDs(t, path); strings.Join(got, ",") != strings.Join(idRange(1, 4), ",") {
		t.Errorf("file holds %v", got)
	}
	if syncs != 3 {
		t.Errorf("%d fsyncs for three batches, want 3", syncs)
	}
}

func TestMissingDirectoryThenCreated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not-mounted-yet")
	path := filepath.Join(dir, "otsensor.jsonl")
	s := newTestSink(t, path, 0, 0)
	err := s.Send(context.Background(), sinktest.Messages(1, 1))
	if err == nil || sink.IsPermanent(err) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("err = %v, want a retryable error naming %s", err, dir)
	}
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), sinktest.Messages(1, 2)); err != nil {
		t.Fatalf("Send once the directory exists: %v", err)
	}
	if got := readIDs(t, path); strings.Join(got, ",") != "m0001,m0002" {
		t.Errorf("file holds %v", got)
	}
}

func TestDirectoryMovedAwayAndBack(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "otsensor.jsonl")
	s := newTestSink(t, path, 0, 0)
	ctx := context.Background()
	if err := s.Send(ctx, sinktest.Messages(1, 1)); err != nil {
		t.Fatal(err)
	}
	// The open descriptor would still write into the moved directory;
	// the sink must notice the path is gone.
	if err := os.Rename(dir, dir+".away"); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, sinktest.Messages(2, 1)); err == nil || sink.IsPermanent(err) {
		t.Fatalf("err = %v, want a retryable error", err)
	}
	if got := readIDs(t, filepath.Join(dir+".away", "otsensor.jsonl")); len(got) != 1 {
		t.Errorf("the moved file holds %v, want only m0001", got)
	}
	if err := os.Rename(dir+".away", dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, sinktest.Messages(2, 1)); err != nil {
		t.Fatal(err)
	}
	if got := readIDs(t, path); strings.Join(got, ",") != "m0001,m0002" {
		t.Errorf("file holds %v", got)
	}
}

func TestFileMovedByLogrotate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.jsonl")
	s := newTestSink(t, path, 0, 0)
	ctx := context.Background()
	if err := s.Send(ctx, sinktest.Messages(1, 1)); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path, path+"-20250102"); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, sinktest.Messages(2, 1)); err != nil {
		t.Fatal(err)
	}
	if got := readIDs(t, path); strings.Join(got, ",") != "m0002" {
		t.Errorf("new file holds %v, want [m0002]", got)
	}
	if got := readIDs(t, path+"-20250102"); strings.Join(got, ",") != "m0001" {
		t.Errorf("moved file holds %v, want [m0001]", got)
	}
}

func TestPartialLastLineIsTerminated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.jsonl")
	// A previous writer died mid-line.
	if err := os.WriteFile(path, []byte(`{"schema":"otsensor.message","id":"m0001"}`+"\n"+`{"schema":"otsen`), 0o640); err != nil {
		t.Fatal(err)
	}
	s := newTestSink(t, path, 0, 0)
	if err := s.Send(context.Background(), sinktest.Messages(2, 1)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 3 || lines[1] != `{"schema":"otsen` || lines[2] != string(sinktest.Messages(2, 1)[0].Body) {
		t.Errorf("file holds %q", data)
	}
}

func TestPermanentErrors(t *testing.T) {
	dir := t.TempDir()
	regular := filepath.Join(dir, "regular")
	if err := os.WriteFile(regular, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	isDir := filepath.Join(dir, "adir.jsonl")
	if err := os.Mkdir(isDir, 0o750); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"parent is a regular file": filepath.Join(regular, "x.jsonl"),
		"path is a directory":      isDir,
	} {
		s := newTestSink(t, path, 0, 0)
		if err := s.Send(context.Background(), sinktest.Messages(1, 1)); !sink.IsPermanent(err) {
			t.Errorf("%s: err = %v, want permanent", name, err)
		}
	}
}

func TestCancelledContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.jsonl")
	s := newTestSink(t, path, 0, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, sinktest.Messages(1, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if ids := readIDs(t, path); len(ids) != 0 {
		t.Errorf("wrote %v with a cancelled ctx", ids)
	}
}

func TestNewValidation(t *testing.T) {
	tests := []struct {
		cfg     sink.Config
		wantErr string
	}{
		{sink.Config{URL: "file:///var/lib/otsensor/out.jsonl"}, ""},
		{sink.Config{URL: "file://localhost/var/lib/otsensor/out.jsonl"}, ""},
		{sink.Config{URL: "file://var/lib/out.jsonl"}, "three slashes"},
		{sink.Config{URL: "file:out.jsonl"}, "absolute"},
		{sink.Config{URL: "file:///var/lib/otsensor/"}, "directory"},
		{sink.Config{URL: "file:///x.jsonl?max_files=3"}, "query"},
		{sink.Config{URL: "https://example.com/x"}, "scheme"},
		{sink.Config{URL: "file:///x.jsonl", MaxFiles: -1}, "max_files"},
		{sink.Config{URL: "file:///x.jsonl", MaxFiles: MaxMaxFiles + 1}, "max_files"},
		{sink.Config{URL: "file:///x.jsonl", MaxFileBytes: -5}, "max_file_bytes"},
	}
	for _, tc := range tests {
		_, err := New(tc.cfg, nil)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%+v: %v", tc.cfg, err)
		case tc.wantErr != "" && err == nil:
			t.Errorf("%+v: accepted, want an error about %q", tc.cfg, tc.wantErr)
		case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
			t.Errorf("%+v: error %q does not mention %q", tc.cfg, err, tc.wantErr)
		}
	}
	s, err := New(sink.Config{URL: "file:///var/x.jsonl"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fs := s.(*Sink); fs.maxBytes != DefaultMaxFileBytes || fs.maxFiles != DefaultMaxFiles {
		t.Errorf("defaults %d, %d", fs.maxBytes, fs.maxFiles)
	}
}
