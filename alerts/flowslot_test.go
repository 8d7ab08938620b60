package alerts

import (
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
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

// TestModbusKnownRequest: a poll the baseline holds is remembered per
// flow and unit (and still counted); another address on the same flow is
// checked again and alerts.
func TestModbusKnownRequest(t *testing.T) {
	b := NewBaseline(BaselineConfig{})
	f := newFlow(9, "modbus", "10.0.0.10:40000", "10.0.0.21:502")
	read := func(addr uint16) *modbus.Record {
		r := mbReq(3, "read_holding_registers", 1)
		r.Address, r.Quantity, r.Present = addr, 10, modbus.FieldAddress|modbus.FieldQuantity
		return r
	}
	feed(NewEngine(Config{Baseline: b, Learn: true}), []input{newFlowUpdate(f, at(0), 1), rec(f, at(0), dissectors.ToServer, read(0))})
	b.Lock(at(time.Second))
	e := NewEngine(Config{Baseline: b})
	feed(e, repeat(5, func(i int) input { return rec(f, at(time.Duration(2+i)*time.Second), dissectors.ToServer, read(0)) }))
	ms := e.modbusSlot(f)
	if !ms.isKnown(ms.index(1), mbRequest{ok: true, fc: 3, n: 1, rs: [2]AddressRange{{0, 9}}}) {
		t.Error("the known poll was not remembered")
	}
	l := b.proto.modbus[mbKeyOf(f, 1)]
	if l == nil || l.Requests != 6 || !l.Last.Equal(at(6*time.Second)) {
		t.Fatalf("learnt entry %+v: want 6 requests, last at 6 s", l)
	}
	feed(e, []input{rec(f, at(7*time.Second), dissectors.ToServer, read(500))})
	if a := e.Alerts(); len(a) != 1 || a[0].Rule != "policy.modbus_address" {
		t.Errorf("alerts %v, want one policy.modbus_address", a)
	}
}
