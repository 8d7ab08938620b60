package sinktest

import (
	"testing"
	"time"
)

func TestWaitN(t *testing.T) {
	calls := 0
	got := WaitN(t, time.Second, "items", 3, func() []int {
		calls++
		return make([]int, calls)
	})
	if len(got) != 3 || calls != 3 {
		t.Errorf("WaitN returned %d items after %d calls, want 3 after 3", len(got), calls)
	}
}
