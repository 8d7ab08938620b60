package inventory

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// protocolEvent learns from one protocol record of a flow.
func (inv *Inventory) protocolEvent(ev *dissectors.Event, refs *flowRefs) {
	switch r := ev.Record.(type) {
	case *modbus.Record:
		inv.modbusRecord(refs, r)
	}
}
