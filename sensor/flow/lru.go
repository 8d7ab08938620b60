package flow

// lru is an intrusive list of flows, least recently touched first, so
// that expiry looks only at flows that are due.
type lru struct {
	head flowState // sentinel: head.next is the oldest, head.prev the newest
}

func (l *lru) init() { l.head.next, l.head.prev = &l.head, &l.head }

// pushBack makes f the newest, removing it from where it was.
func (l *lru) pushBack(f *flowState) {
	if f.next != nil {
		l.remove(f)
	}
	last := l.head.prev
	f.prev, f.next = last, &l.head
	last.next = f
	l.head.prev = f
}

func (l *lru) remove(f *flowState) {
	f.prev.next = f.next
	f.next.prev = f.prev
	f.prev, f.next = nil, nil
}

// oldest returns the least recently touched flow, or nil.
func (l *lru) oldest() *flowState {
	if l.head.next == &l.head {
		return nil
	}
	return l.head.next
}
