// Package file is the sink that appends messages to a JSON Lines file
// (file:///var/lib/otsensor/out.jsonl): one message body per line.
//
// Durability: Send writes the batch and fsyncs the file before it
// returns nil, so nil means on disk. A failed write or fsync truncates
// the file back to its size before the batch, so the resent batch is not
// duplicated. New files and renames are made durable by an fsync of the
// directory.
//
// Rotation: before a line would take the file past MaxFileBytes (default
// 64 MiB), the file is renamed to path.1, path.1 to path.2, and so on;
// path.MaxFiles (default 5) is deleted. The current file plus MaxFiles
// rotated files are kept, path.MaxFiles the oldest. A single line larger
// than MaxFileBytes gets a file of its own. If the file is moved or
// deleted by someone else (logrotate), the next Send starts a new file.
//
// Errors: a missing directory or a full disk is retryable (the
// "destination is down" case: a volume not mounted yet, space freed
// later). A permission error, a read-only file system, a path that is a
// directory or goes through a regular file are sink.Permanent: an
// operator has to fix them (the outbox still retries them slowly). A
// body that is not valid JSON is sink.Permanent too; a body holding a
// newline is compacted onto one line.
package file

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts/sink"
)

// Defaults for the rotation settings.
const (
	DefaultMaxFileBytes = 64 << 20
	DefaultMaxFiles     = 5
	// MaxMaxFiles bounds MaxFiles.
	MaxMaxFiles = 1000
	// FileMode is the mode of the files the sink creates (less the umask).
	FileMode = 0o640
)

// Sink appends batches to a JSON Lines file. It is safe for one Send at
// a time, as the outbox uses it.
type Sink struct {
	name     string
	path     string
	maxBytes int64
	maxFiles int
	// sync makes a file's data durable: (*os.File).Sync, replaced by
	// tests to inject failures.
	sync func(*os.File) error

	mu     sync.Mutex
	f      *os.File
	size   int64 // bytes in f, all of them synced
	needNL bool  // f ends with a partial line
	buf    []byte
	ends   []int // end offset in buf of each line
}

var _ sink.Sink = (*Sink)(nil)

// New validates cfg: a file:// URL with an absolute path, MaxFileBytes
// and MaxFiles not negative. The file is opened by the first Send; a
// missing directory is logged, not refused, since it may be a volume not
// mounted yet.
func New(cfg sink.Config, log *zap.Logger) (sink.Sink, error) {
	s, err := newSink(cfg)
	if err != nil {
		return nil, err
	}
	if log != nil {
		if fi, err := os.Stat(filepath.Dir(s.path)); err != nil || !fi.IsDir() {
			log.Warn("file sink: directory not there yet: sends will fail until it is",
				zap.String("sink", s.name), zap.String("dir", filepath.Dir(s.path)))
		}
	}
	return s, nil
}

func newSink(cfg sink.Config) (*Sink, error) {
	path, err := pathOf(cfg.URL)
	if err != nil {
		return nil, err
	}
	s := &Sink{
		name:     cfg.SinkName(),
		path:     path,
		maxBytes: cfg.MaxFileBytes,
		maxFiles: cfg.MaxFiles,
		sync:     (*os.File).Sync,
	}
	switch {
	case s.maxBytes < 0:
		return nil, fmt.Errorf("file sink max_file_bytes: %d is negative", s.maxBytes)
	case s.maxBytes == 0:
		s.maxBytes = DefaultMaxFileBytes
	}
	switch {
	case s.maxFiles < 0 || s.maxFiles > MaxMaxFiles:
		return nil, fmt.Errorf("file sink max_files: %d is not within 0 (default %d) .. %d", s.maxFiles, DefaultMaxFiles, MaxMaxFiles)
	case s.maxFiles == 0:
		s.maxFiles = DefaultMaxFiles
	}
	return s, nil
}

// pathOf reads the file path out of a file:// URL.
func pathOf(raw string) (string, error) {
	const example = "file:///var/lib/otsensor/alerts.jsonl"
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("file sink url: cannot parse %q (want %s)", raw, example)
	}
	if !strings.EqualFold(u.Scheme, "file") {
		return "", fmt.Errorf("file sink url: scheme %q is not file (want %s)", u.Scheme, example)
	}
	if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
		return "", fmt.Errorf("file sink url: %q has host %q: a path needs three slashes (%s)", raw, u.Host, example)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("file sink url: %q has a query or fragment", raw)
	}
	p := u.Path
	if p == "" || !filepath.IsAbs(p) {
		return "", fmt.Errorf("file sink url: %q has no absolute path (want %s)", raw, example)
	}
	if strings.HasSuffix(p, "/") {
		return "", fmt.Errorf("file sink url: %q names a directory, not a file", raw)
	}
	return filepath.Clean(p), nil
}

// Name returns the configured name or the file URL.
func (s *Sink) Name() string { return s.name }

// Path returns the file the sink writes to; rotated files are Path()+".1"
// (newest) to Path()+".N" (oldest).
func (s *Sink) Path() string { return s.path }

// Send appends one line per message, rotating as needed, and fsyncs the
// file before it returns nil.
func (s *Sink) Send(ctx context.Context, batch []sink.Message) error {
	if len(batch) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("file sink %s: %w", s.path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.encode(batch); err != nil {
		return err
	}
	if err := s.ensureOpen(); err != nil {
		return err
	}
	start := 0 // first byte of buf not written yet
	for i, end := range s.ends {
		lineStart := 0
		if i > 0 {
			lineStart = s.ends[i-1]
		}
		pending := int64(lineStart - start)
		if s.size+pending > 0 && s.size+pending+int64(end-lineStart) > s.maxBytes {
			if err := s.write(s.buf[start:lineStart]); err != nil {
				return err
			}
			start = lineStart
			if err := s.rotate(); err != nil {
				return err
			}
		}
	}
	return s.write(s.buf[start:])
}

// encode fills buf with one line per message, compacting a body that
// spans lines, and ends with each line's end offset.
func (s *Sink) encode(batch []sink.Message) error {
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	for _, m := range batch {
		if !json.Valid(m.Body) {
			return sink.Permanent(fmt.Errorf("file sink: message %s (seq %d): body is not valid JSON", m.ID, m.Seq))
		}
		if bytes.ContainsAny(m.Body, "\r\n") {
			b := bytes.NewBuffer(s.buf)
			if err := json.Compact(b, m.Body); err != nil {
				return sink.Permanent(fmt.Errorf("file sink: message %s (seq %d): %w", m.ID, m.Seq, err))
			}
			s.buf = b.Bytes()
		} else {
			s.buf = append(s.buf, m.Body...)
		}
		s.buf = append(s.buf, '\n')
		s.ends = append(s.ends, len(s.buf))
	}
	return nil
}

// Close syncs and closes the file.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.sync(s.f)
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	s.f = nil
	if err != nil {
		return fmt.Errorf("file sink: close: %w", err)
	}
	return nil
}

// classify marks the errors an operator must fix as permanent; the rest
// (a missing directory, a full disk, I/O errors) are retryable.
func classify(op string, err error) error {
	e := fmt.Errorf("file sink: %s: %w", op, err)
	for _, errno := range []syscall.Errno{syscall.EACCES, syscall.EPERM, syscall.EROFS, syscall.EISDIR, syscall.ENOTDIR, syscall.ENAMETOOLONG, syscall.ELOOP} {
		if errors.Is(err, errno) {
			return sink.Permanent(e)
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("file sink: %s: directory %s is missing: %w", op, filepath.Dir(pathOfErr(err)), err)
	}
	return e
}

// pathOfErr returns the path an *fs.PathError names, or "".
func pathOfErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Path
	}
	return ""
}
