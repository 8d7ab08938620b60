package inventory

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// protocolEvent learns from one protocol record on link l.
func (inv *Inventory) protocolEvent(ev *dissectors.Event, l *Link) {
	switch r := ev.Record.(type) {
	case *modbus.Record:
		inv.modbusRecord(ev.Flow, l, r)
	}
}
