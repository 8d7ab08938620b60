package main

import (
	"context"
	"sync"

	"github.com/otsensor/otsensor/sensor/api"
)

// changeBuffer is how many changes a slow subscriber may lag behind
// before it misses some.
const changeBuffer = 256

// broadcaster fans device and alert changes out to the API's streams. A
// subscriber that does not keep up misses changes; the daemon never
// waits for one.
type broadcaster struct {
	mu      sync.Mutex
	subs    map[chan api.Change]struct{}
	dropped uint64 // changes a full subscriber missed
}

func newBroadcaster() *broadcaster { return &broadcaster{subs: map[chan api.Change]struct{}{}} }

// subscribe returns a channel of changes, closed when ctx ends.
func (b *broadcaster) subscribe(ctx context.Context) <-chan api.Change {
	ch := make(chan api.Change, changeBuffer)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	go func() {
		<-ctx.Done()
		b.mu.Lock()
		delete(b.subs, ch)
		b.mu.Unlock()
		close(ch)
	}()
	return ch
}

// publish hands c to every subscriber that has room.
func (b *broadcaster) publish(c api.Change) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- c:
		default:
			b.dropped++
		}
	}
}

// droppedChanges counts the changes subscribers missed.
func (b *broadcaster) droppedChanges() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}
