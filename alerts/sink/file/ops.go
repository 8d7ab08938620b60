package file

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ensureOpen opens the file unless the open one is still at the path: a
// file moved or deleted by someone else (logrotate, an operator, a
// directory unmounted) is closed and the path opened again.
func (s *Sink) ensureOpen() error {
	if s.f != nil {
		cur, err1 := os.Stat(s.path)
		open, err2 := s.f.Stat()
		if err1 == nil && err2 == nil && os.SameFile(cur, open) {
			return nil
		}
		s.f.Close()
		s.f = nil
	}
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_APPEND|os.O_CREATE, FileMode)
	if err != nil {
		return classify("open", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return classify("stat", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return classify("open", &fs.PathError{Op: "open", Path: s.path, Err: errors.New("not a regular file")})
	}
	needNL := false
	if n := fi.Size(); n > 0 {
		var last [1]byte
		if _, err := f.ReadAt(last[:], n-1); err != nil {
			f.Close()
			return classify("read", err)
		}
		needNL = last[0] != '\n'
	}
	// Make the file's directory entry durable if it was just created.
	if err := syncDir(filepath.Dir(s.path)); err != nil {
		f.Close()
		return classify("sync directory", err)
	}
	s.f, s.size, s.needNL = f, fi.Size(), needNL
	return nil
}

// write appends p (whole lines) and fsyncs the file. On failure the file
// is truncated back to its last synced size and closed, so that a resent
// batch is neither duplicated nor glued to a partial line.
func (s *Sink) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if s.needNL {
		p = append([]byte{'\n'}, p...)
	}
	_, err := s.f.Write(p)
	op := "write"
	if err == nil {
		op = "fsync"
		err = s.sync(s.f)
	}
	if err != nil {
		_ = s.f.Truncate(s.size)
		s.f.Close()
		s.f = nil
		return classify(op, err)
	}
	s.size += int64(len(p))
	s.needNL = false
	return nil
}

// rotate renames path.(N-1) .. path.1 one up (dropping path.N), the
// current file to path.1, and opens a new file at the path.
func (s *Sink) rotate() error {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
	name := func(i int) string { return fmt.Sprintf("%s.%d", s.path, i) }
	if err := os.Remove(name(s.maxFiles)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return classify("rotate", err)
	}
	for i := s.maxFiles - 1; i >= 1; i-- {
		if err := os.Rename(name(i), name(i+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return classify("rotate", err)
		}
	}
	if err := os.Rename(s.path, name(1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return classify("rotate", err)
	}
	return s.ensureOpen() // also syncs the directory
}

// syncDir fsyncs a directory, making the entries created or renamed in
// it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
