package alerts

import "github.com/otsensor/otsensor/dissectors"

// flowSlots is the number of recent flows whose baseline entries the
// engine keeps at hand (a power of two).
const flowSlots = 1 << 12

// flowSlot is what the engine found for a recent flow: the baseline
// entries of its link and hosts and, for Modbus, of its unit ids. A
// flow's updates and events find it by the flow's id (a hash) without a
// map lookup; a slot taken by another flow is simply refilled. Baseline
// entries are never removed while an engine uses them, so the pointers
// stay valid.
type flowSlot struct {
	id     uint64
	link   *blLink
	client *blHost
	server *blHost
	mb     *mbSlot // made for the first Modbus flow in this slot, then reused
}

// slotUnits is how many unit ids of a Modbus flow its slot remembers: a
// gateway's poll cycles through its units; slotRequests how many distinct
// known requests per unit (a poll cycle reads a few tables).
const (
	slotUnits    = 8
	slotRequests = 4
)

// mbSlot is a Modbus flow's recent unit ids: for each, its learnt entry
// and whether the unit-id scan counted it in the current period.
type mbSlot struct {
	n       int
	next    int // the entry replaced when all are taken
	units   [slotUnits]uint8
	learnt  [slotUnits]*blModbus
	known   [slotUnits][slotRequests]mbRequest // recent requests of that unit the baseline holds
	nextReq [slotUnits]uint8                   // the known entry replaced next
	counted uint8                              // bit i: units[i] counted since period
	period  int64                              // start of the unit-id scan's refresh period (ns)
}

// mbRequest is a Modbus request as the policy engine checks it: its
// function code and address ranges. A poll repeats the same one.
type mbRequest struct {
	ok bool
	fc uint8
	n  uint8
	rs [2]AddressRange
}

// isKnown reports whether req is one of entry i's known requests.
func (m *mbSlot) isKnown(i int, req mbRequest) bool {
	for _, k := range &m.known[i] {
		if k == req {
			return true
		}
	}
	return false
}

// addKnown remembers req as known for entry i, replacing the oldest.
func (m *mbSlot) addKnown(i int, req mbRequest) {
	m.known[i][m.nextReq[i]] = req
	m.nextReq[i] = (m.nextReq[i] + 1) % slotRequests
}

// slot returns f's slot, emptied when it held another flow.
func (e *Engine) slot(f *dissectors.Flow) *flowSlot {
	s := &e.slots[f.ID&(flowSlots-1)]
	if s.id != f.ID {
		mb := s.mb
		*s = flowSlot{id: f.ID, mb: mb}
		if mb != nil {
			*mb = mbSlot{}
		}
	}
	return s
}

// modbusSlot returns the Modbus part of f's slot.
func (e *Engine) modbusSlot(f *dissectors.Flow) *mbSlot {
	s := e.slot(f)
	if s.mb == nil {
		s.mb = &mbSlot{}
	}
	return s.mb
}

// index returns the entry of unit, taking one (the oldest taken when all
// are) for a unit not there.
func (m *mbSlot) index(unit uint8) int {
	for i := range m.n {
		if m.units[i] == unit {
			return i
		}
	}
	i := m.n
	if m.n < slotUnits {
		m.n++
	} else {
		i = m.next
		m.next = (m.next + 1) % slotUnits
	}
	m.units[i], m.learnt[i], m.known[i], m.nextReq[i] = unit, nil, [slotRequests]mbRequest{}, 0
	m.counted &^= 1 << i
	return i
}
