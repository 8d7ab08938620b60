package api

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// shutdownTimeout bounds the graceful shutdown of Serve: requests still
// running after it are cut.
const shutdownTimeout = 5 * time.Second

// Serve answers on a unix socket at path until ctx ends, then stops
// accepting, ends the change streams, waits (up to 5s) for the requests
// being answered, removes the socket and returns nil.
//
// The socket's directory is created (0750) when missing. A socket file
// left by a daemon that died is removed; when a process answers on it,
// Serve refuses to start, and it never replaces a file that is not a
// socket. The socket gets mode (e.g. 0660) and, when group is not empty,
// that group (by name: an unknown group is an error) before it appears
// at path, so that it is never reachable with other permissions.
func (s *Server) Serve(ctx context.Context, path string, mode os.FileMode, group string) error {
	l, fi, err := listenUnix(path, mode, group)
	if err != nil {
		return err
	}
	errLog, err := zap.NewStdLogAt(s.log, zapcore.DebugLevel)
	if err != nil {
		l.Close()
		removeSocket(path, fi)
		return err
	}
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 5 * time.Second,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    64 << 10,
		// Requests live in ctx: its end ends the change streams, which
		// Shutdown would otherwise wait for.
		BaseContext: func(net.Listener) context.Context { return ctx },
		ErrorLog:    errLog,
	}
	s.log.Debug("api listening", zap.String("socket", path))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err = <-errc:
		removeSocket(path, fi)
		return fmt.Errorf("api on %s: %w", path, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
	}
	<-errc
	removeSocket(path, fi)
	return nil
}

// listenUnix listens on a socket at path with mode and group (see Serve).
// It binds a temporary name in the same directory, sets the permissions,
// then renames it into place. It returns the listener and the socket's
// file info, to remove only that socket later.
func listenUnix(path string, mode os.FileMode, group string) (*net.UnixListener, os.FileInfo, error) {
	if path == "" {
		return nil, nil, errors.New("api socket: no path")
	}
	gid := -1
	if group != "" {
		g, err := user.LookupGroup(group)
		if err != nil {
			return nil, nil, fmt.Errorf("api socket group: %w", err)
		}
		if gid, err = strconv.Atoi(g.Gid); err != nil {
			return nil, nil, fmt.Errorf("api socket group %s: gid %q: %w", group, g.Gid, err)
		}
	}
	dir := filepath.Dir(path)
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, nil, fmt.Errorf("api socket directory: %w", err)
		}
	}
	if err := clearStale(path); err != nil {
		return nil, nil, err
	}
	tmp := filepath.Join(dir, "."+strconv.Itoa(os.Getpid())+".sock")
	_ = os.Remove(tmp) // left by a crash of a process with our pid
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, nil, fmt.Errorf("api socket %s: %w", path, err)
	}
	l.SetUnlinkOnClose(false)
	fail := func(err error) (*net.UnixListener, os.FileInfo, error) {
		l.Close()
		os.Remove(tmp)
		return nil, nil, fmt.Errorf("api socket %s: %w", path, err)
	}
	if gid >= 0 {
		if err := os.Chown(tmp, -1, gid); err != nil {
			return fail(fmt.Errorf("group %s: %w", group, err))
		}
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return fail(err)
	}
	fi, err := os.Lstat(tmp)
	if err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fail(err)
	}
	return l, fi, nil
}

// clearStale removes a socket at path that nobody answers on. It refuses
// a socket that answers and a file that is not a socket.
func clearStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("api socket: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("api socket %s: the file exists and is not a socket: not replacing it", path)
	}
	c, err := net.DialTimeout("unix", path, DialTimeout)
	if err == nil {
		c.Close()
		return fmt.Errorf("api socket %s: another process answers on it (is otsensor already running?)", path)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("api socket %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("api socket %s: remove stale socket: %w", path, err)
	}
	return nil
}

// removeSocket removes path if it is still the socket fi describes.
func removeSocket(path string, fi os.FileInfo) {
	if cur, err := os.Lstat(path); err == nil && os.SameFile(cur, fi) {
		_ = os.Remove(path)
	}
}
