package mqtt

// maxPendingFilters caps the topic filters kept per outstanding SUBSCRIBE
// or UNSUBSCRIBE, i.e. copied into the record of its ack.
const maxPendingFilters = 64

// awaiting is what an outstanding request waits for.
type awaiting uint8

const (
	awaitPubAck   awaiting = iota + 1 // PUBLISH QoS 1 or 2: PUBACK or PUBREC
	awaitPubRel                       // PUBREC seen: PUBREL, in the PUBLISH's direction
	awaitPubComp                      // PUBREL: PUBCOMP
	awaitSubAck                       // SUBSCRIBE: SUBACK
	awaitUnsubAck                     // UNSUBSCRIBE: UNSUBACK
)

// pending is one outstanding request. Its slot is reused.
type pending struct {
	seq     uint64 // when it was (re)placed; 0: free slot
	id      uint16
	wait    awaiting
	topic   string        // PUBLISH
	filters []TopicFilter // SUBSCRIBE, UNSUBSCRIBE (at most maxPendingFilters)
}

// pendingTable holds the requests sent in one direction of a flow, at most
// max, in slots that are reused (a request costs no allocation once the
// table has grown).
type pendingTable struct {
	max   int
	slots []pending
	seq   uint64
	stale uint64 // requests placed at or before it may have lost their acks
	// seen is set by a request, and cleared by a gap in the requests'
	// direction: until then an ack matching nothing is not an anomaly (its
	// request was sent before the capture started, or lost).
	seen bool
}

// find returns the slot of the request with packet id id, or -1.
func (t *pendingTable) find(id uint16) int {
	for i := range t.slots {
		if t.slots[i].seq != 0 && t.slots[i].id == id {
			return i
		}
	}
	return -1
}

// put places a request with packet id id, replacing one with the same id
// (a retransmission or a reused id), else in a free slot, else in place
// of the oldest, which raises mqtt.too_many_outstanding unless it may have
// lost its ack in a gap.
func (t *pendingTable) put(id uint16, wait awaiting, f *findings) *pending {
	t.seen = true
	i := t.find(id)
	if i < 0 {
		i = t.free()
	}
	if i < 0 {
		if len(t.slots) < t.max {
			t.slots = append(t.slots, pending{})
			i = len(t.slots) - 1
		} else {
			i = t.oldest()
			if t.slots[i].seq > t.stale {
				f.Add(anTooManyOutstanding, "outstanding request cap reached: oldest forgotten")
			}
		}
	}
	t.seq++
	e := &t.slots[i]
	e.seq, e.id, e.wait, e.topic, e.filters = t.seq, id, wait, "", e.filters[:0]
	return e
}

func (t *pendingTable) free() int {
	for i := range t.slots {
		if t.slots[i].seq == 0 {
			return i
		}
	}
	return -1
}

func (t *pendingTable) oldest() int {
	o := 0
	for i := range t.slots {
		if t.slots[i].seq < t.slots[o].seq {
			o = i
		}
	}
	return o
}

func (t *pendingTable) remove(i int) {
	t.slots[i].seq, t.slots[i].topic = 0, ""
}

// markStale notes that the acks of the requests now in the table may have
// been lost.
func (t *pendingTable) markStale() { t.stale = t.seq }

// clear forgets every request.
func (t *pendingTable) clear() {
	for i := range t.slots {
		t.remove(i)
	}
}

// match keeps the requests of direction d and pairs the acks of direction
// d with the requests of the other: an ack gets its request's topic
// (PUBACK, PUBREC, PUBREL, PUBCOMP) or topic filters (SUBACK, UNSUBACK).
func (p *Parser) match(d int, r *Record) {
	if !r.HasPacketID {
		return
	}
	own, other := &p.pending[d], &p.pending[d^1]
	switch r.Type {
	case Publish:
		if r.QoS == 1 || r.QoS == 2 {
			own.put(r.PacketID, awaitPubAck, &p.f).topic = r.Topic
		}
	case PubRel:
		topic := ""
		if i := own.find(r.PacketID); i >= 0 && (own.slots[i].wait == awaitPubRel || own.slots[i].wait == awaitPubAck) {
			topic = own.slots[i].topic
		}
		own.put(r.PacketID, awaitPubComp, &p.f).topic = topic
		if r.Topic == "" {
			r.Topic = topic
		}
	case Subscribe, Unsubscribe:
		wait := awaitSubAck
		if r.Type == Unsubscribe {
			wait = awaitUnsubAck
		}
		e := own.put(r.PacketID, wait, &p.f)
		e.filters = append(e.filters, r.Topics[:min(len(r.Topics), maxPendingFilters)]...)
	case PubAck, PubRec:
		if e := p.ack(other, r, awaitPubAck); e != nil {
			r.Topic = e.topic
			if r.Type == PubRec {
				e.wait = awaitPubRel
			} else {
				other.remove(other.find(r.PacketID))
			}
		}
	case PubComp:
		if e := p.ack(other, r, awaitPubComp); e != nil {
			r.Topic = e.topic
			other.remove(other.find(r.PacketID))
		}
	case SubAck, UnsubAck:
		wait := awaitSubAck
		if r.Type == UnsubAck {
			wait = awaitUnsubAck
		}
		if e := p.ack(other, r, wait); e != nil {
			r.Topics = append(r.Topics[:0], e.filters...)
			other.remove(other.find(r.PacketID))
		}
	}
}

// ack returns the request of t that ack r answers, or nil (raising
// mqtt.unmatched_ack once t has seen a request).
func (p *Parser) ack(t *pendingTable, r *Record, wait awaiting) *pending {
	if i := t.find(r.PacketID); i >= 0 && t.slots[i].wait == wait {
		return &t.slots[i]
	}
	if t.seen {
		p.f.Add(anUnmatchedAck, "no outstanding request with this packet id")
	}
	return nil
}
