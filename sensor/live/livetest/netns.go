package livetest

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// threadNS opens the network namespace of the calling thread.
func threadNS() (*os.File, error) {
	return os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
}

// newNS creates an anonymous network namespace and returns a descriptor
// that keeps it alive; closing the last reference deletes it.
func newNS() (*os.File, error) {
	var ns *os.File
	err := onThread(func(orig *os.File) error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("unshare: %w", err)
		}
		var err error
		ns, err = threadNS()
		return err
	})
	return ns, err
}

// inNS runs fn on a thread that has entered ns. Sockets fn opens stay in
// ns wherever they are used later; commands it starts run in ns.
func inNS(ns *os.File, fn func() error) error {
	return onThread(func(*os.File) error {
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("setns: %w", err)
		}
		return fn()
	})
}

// onThread runs fn on a locked thread of its own, then moves the thread
// back to the namespace it started in. If that fails the thread stays
// locked and dies with its goroutine, so no other goroutine runs on it.
func onThread(fn func(orig *os.File) error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := threadNS()
		if err != nil {
			done <- err
			return
		}
		defer orig.Close()
		ferr := fn(orig)
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns back: %w", err)
			return
		}
		runtime.UnlockOSThread()
		done <- ferr
	}()
	return <-done
}
