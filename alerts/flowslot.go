package alerts

import "github.com/otsensor/otsensor/dissectors"

// flowSlots is the number of recent flows whose baseline entries the
// engine keeps at hand (a power of two).
const flowSlots = 1 << 12

// flowSlot is what the engine found for a recent flow: the baseline
// entries and watches of its link and hosts, the learnt Modbus entry of
// its last request, the last unit id it counted for the unit-id scan. A
// flow's updates and events find it by the flow's id (a hash) without a
// map lookup; a slot taken by another flow is simply refilled. Baseline
// entries are never removed while an engine uses them, so the pointers
// stay valid.
type flowSlot struct {
	id     uint64
	link   *blLink
	client *blHost
	server *blHost

	mb     *blModbus // for mbUnit
	mbUnit uint8

	unitOK bool  // unit was counted at unitT
	unit   uint8 // for the unit-id scan
	unitT  int64
}

// slot returns f's slot, emptied when it held another flow.
func (e *Engine) slot(f *dissectors.Flow) *flowSlot {
	s := &e.slots[f.ID&(flowSlots-1)]
	if s.id != f.ID {
		*s = flowSlot{id: f.ID}
	}
	return s
}
