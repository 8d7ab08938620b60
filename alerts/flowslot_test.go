package alerts

import (
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

// TestModbusSlot checks the per-flow unit table: a gateway's poll cycle
// keeps its entries, a ninth unit replaces the oldest, and a slot taken
// by another flow starts empty.
func TestModbusSlot(t *testing.T) {
	e := NewEngine(Config{})
	f := &dissectors.Flow{ID: 42}
	ms := e.modbusSlot(f)
	for u := uint8(1); u <= slotUnits; u++ {
		if i := ms.index(u); i != int(u-1) {
			t.Fatalf("unit %d at %d", u, i)
		}
		ms.counted |= 1 << (u - 1)
		ms.learnt[u-1] = &blModbus{}
	}
	for u := uint8(1); u <= slotUnits; u++ { // the cycle again: same entries
		if i := ms.index(u); i != int(u-1) || ms.learnt[i] == nil {
			t.Fatalf("second cycle: unit %d at %d", u, i)
		}
	}
	if i := ms.index(200); i != 0 || ms.learnt[0] != nil || ms.counted&1 != 0 || ms.units[0] != 200 {
		t.Errorf("a ninth unit took entry %d (learnt %v, counted %b)", i, ms.learnt[0], ms.counted)
	}
	if i := ms.index(201); i != 1 {
		t.Errorf("a tenth unit took entry %d, want the next oldest", i)
	}
	other := &dissectors.Flow{ID: 42 + flowSlots} // same slot, another flow
	ms2 := e.modbusSlot(other)
	if ms2 != ms || ms2.n != 0 || ms2.counted != 0 {
		t.Errorf("a new flow in the slot kept %d units (reused table: %v)", ms2.n, ms2 == ms)
	}
	if e.slot(other).id != other.ID {
		t.Error("the slot does not hold the new flow")
	}
}
