package inventory

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/dissectors/mqtt"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// protocolEvent learns from one protocol record of a flow.
func (inv *Inventory) protocolEvent(ev *dissectors.Event, refs *flowRefs) {
	switch r := ev.Record.(type) {
	case *modbus.Record:
		inv.modbusRecord(refs, r)
	case *dnp3.Record:
		inv.dnp3Record(refs, ev.Dir, r)
	case *mqtt.Record:
		inv.mqttRecord(refs, ev.Dir, r)
	case *tls.Record:
		inv.tlsRecord(refs, ev.Time, r)
	}
}
