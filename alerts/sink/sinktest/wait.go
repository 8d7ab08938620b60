package sinktest

import (
	"testing"
	"time"
)

// WaitN calls get every few milliseconds until it returns at least n
// items, and returns them; after timeout it fails the test, naming what
// it waited for and how many items there were.
func WaitN[T any](t testing.TB, timeout time.Duration, what string, n int, get func() []T) []T {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := get()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d, want %d, after %v", what, len(got), n, timeout)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
