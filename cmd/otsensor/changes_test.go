package main

import (
	"context"
	"testing"

	"github.com/otsensor/otsensor/sensor/api"
)

// TestBroadcaster: every subscriber gets the changes in order; one that
// does not read misses what overflows its buffer, counted, and never
// holds up the others; a cancelled subscription's channel closes.
func TestBroadcaster(t *testing.T) {
	b := newBroadcaster()
	ctx, cancel := context.WithCancel(context.Background())
	fast, slow := b.subscribe(ctx), b.subscribe(ctx)
	got := make(chan int)
	go func() {
		n := 0
		for range fast {
			n++
		}
		got <- n
	}()
	const total = changeBuffer + 10
	for range total {
		b.publish(api.Change{Kind: api.ChangeDevice})
	}
	if n := len(slow); n != changeBuffer {
		t.Errorf("slow subscriber holds %d, want its buffer (%d)", n, changeBuffer)
	}
	if d := b.droppedChanges(); d < 10 {
		t.Errorf("dropped %d, want at least the slow one's 10", d)
	}
	cancel()
	// What the fast one missed (if anything) is counted too.
	if n, missed := <-got, int(b.droppedChanges())-10; n != total-missed {
		t.Errorf("fast subscriber read %d, missed %d, of %d", n, missed, total)
	}
	for range slow { // closed after cancel
	}
}
