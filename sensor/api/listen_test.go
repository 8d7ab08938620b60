package api

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The socket gets its mode and group, its missing directory 0750, and
// goes when the server stops.
func TestSocketModeAndGroup(t *testing.T) {
	g, err := user.LookupGroup("daemon") // exists on Debian
	if err != nil {
		t.Fatalf("group daemon: %v", err)
	}
	gid, _ := strconv.Atoi(g.Gid)
	dir := filepath.Join(t.TempDir(), "run", "otsensor")
	path := filepath.Join(dir, "otsensor.sock")
	s := serveAt(t, newFake(), path, 0o660, "daemon")

	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket mode %s, want a socket with 0660", fi.Mode())
	}
	if st := fi.Sys().(*syscall.Stat_t); int(st.Gid) != gid {
		t.Errorf("socket group %d, want daemon (%d)", st.Gid, gid)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o750 {
		t.Errorf("created directory mode %s, want 0750", di.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.sock")); len(left) != 0 {
		t.Errorf("temporary socket left: %v", left)
	}

	s.stop(t)
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket still there after stop: %v", err)
	}
	if Running(path) {
		t.Error("Running after stop")
	}
}

// Another mode is honoured: it is not a constant.
func TestSocketModeOther(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.sock")
	serveAt(t, newFake(), path, 0o600, "")
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v; want 0600", fi.Mode(), err)
	}
}

func serveErr(t *testing.T, path string, group string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- NewServer(newFake(), nil).Serve(ctx, path, 0o660, group) }()
	select {
	case err := <-errc:
		return err
	case <-time.After(3 * time.Second):
		cancel()
		<-errc
		t.Fatal("Serve started where it should have refused")
		return nil
	}
}

func TestUnknownGroupFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.sock")
	err := serveErr(t, path, "no-such-group-otsensor")
	if err == nil || !strings.Contains(err.Error(), "no-such-group-otsensor") {
		t.Fatalf("Serve with an unknown group: %v", err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a socket was left: %v", err)
	}
}

// staleSocket leaves a socket file at path that nobody listens on: what a
// daemon killed with SIGKILL leaves.
func staleSocket(t *testing.T, path string) {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatal(err)
	}
}

func TestStaleSocketReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.sock")
	staleSocket(t, path)
	if err := Probe(path); !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "nothing listens") {
		t.Fatalf("Probe on a stale socket: %v", err)
	}
	s := serveAt(t, newFake(), path, 0o660, "")
	if _, err := s.client(t).Status(); err != nil {
		t.Fatal(err)
	}
}

func TestLiveSocketRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.sock")
	first := serveAt(t, newFake(), path, 0o660, "")
	before, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	err = serveErr(t, path, "")
	if err == nil || !strings.Contains(err.Error(), "another process answers") {
		t.Fatalf("second Serve: %v", err)
	}
	after, err := os.Lstat(path)
	if err != nil || !os.SameFile(before, after) {
		t.Fatalf("the first daemon's socket was touched: %v", err)
	}
	if _, err := first.client(t).Status(); err != nil {
		t.Fatalf("the first daemon no longer answers: %v", err)
	}
}

// A file that is not a socket is never removed.
func TestNonSocketRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.sock")
	if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := serveErr(t, path, ""); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("Serve over a regular file: %v", err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "keep me" {
		t.Fatalf("the file was touched: %q %v", b, err)
	}
}

// Stopping one server does not remove a socket another one put at the
// same path since.
func TestStopLeavesAnotherSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "otsensor.sock")
	first := serveAt(t, newFake(), path, 0o660, "")
	if err := os.Remove(path); err != nil { // an operator removed it...
		t.Fatal(err)
	}
	second := serveAt(t, newFake(), path, 0o660, "") // ...and started another
	first.stop(t)
	if !Running(path) {
		t.Fatal("stopping the first server removed the second's socket")
	}
	second.stop(t)
}

// A client against a missing socket fails fast, saying so.
func TestClientMissingSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none", "otsensor.sock")
	start := time.Now()
	_, err := Dial(path)
	if d := time.Since(start); d > DialTimeout {
		t.Errorf("Dial took %s", d)
	}
	if !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "no socket at "+path) {
		t.Fatalf("Dial: %v", err)
	}
	if Running(path) {
		t.Error("Running on a missing socket")
	}
	// A client made without Dial fails the same way on its first call.
	_, err = NewClient(path).Status()
	if !errors.Is(err, ErrNoDaemon) {
		t.Fatalf("Status: %v", err)
	}
}

// A socket that accepts but does not speak the API is not a daemon.
func TestProbeNotOurs(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot here\n"))
			c.Close()
		}
	}()
	err = Probe(path)
	if err == nil || errors.Is(err, ErrNoDaemon) {
		t.Fatalf("Probe on a foreign socket: %v", err)
	}
	if Running(path) {
		t.Error("Running on a foreign socket")
	}
}
