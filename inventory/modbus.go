package inventory

import (
	"encoding/hex"
	"strconv"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// Gateway exceptions say the unit is not reachable, not that it exists.
const (
	excGatewayPathUnavailable = 10
	excGatewayTargetFailed    = 11
)

// modbusRecord learns function codes and units per link, and units and
// identities per server.
func (inv *Inventory) modbusRecord(f *dissectors.Flow, refs *flowRefs, r *modbus.Record) {
	l := refs.link
	lm := l.Modbus
	if lm == nil {
		lm = &LinkModbus{FunctionCodes: map[uint8]uint64{}}
		l.Modbus = lm
	}
	if !r.Response {
		lm.FunctionCodes[r.FunctionCode]++
		lm.UnitIDs = addSorted(lm.UnitIDs, r.UnitID)
		return
	}
	if r.Exception {
		lm.Exceptions++
		if r.ExceptionCode == excGatewayPathUnavailable || r.ExceptionCode == excGatewayTargetFailed {
			return
		}
	}
	h := inv.hostOf(inv.end(f, refs, dissectors.ToClient))
	if h == nil {
		return
	}
	h.dirty = true
	mh := h.Modbus
	if mh == nil {
		mh = &ModbusHost{}
		h.Modbus = mh
	}
	mh.UnitIDs = addSorted(mh.UnitIDs, r.UnitID)
	if id := r.DeviceID; id != nil {
		if mh.Identities == nil {
			mh.Identities = map[uint8]Identity{}
		}
		cur := mh.Identities[r.UnitID]
		merge(&cur.Vendor, id.VendorName)
		merge(&cur.Product, id.ProductCode)
		merge(&cur.Firmware, id.Revision)
		merge(&cur.VendorURL, id.VendorURL)
		merge(&cur.ProductName, id.ProductName)
		merge(&cur.Model, id.ModelName)
		merge(&cur.Application, id.UserApplicationName)
		if !cur.Empty() {
			cur.Source = "modbus_read_device_identification unit " + strconv.Itoa(int(r.UnitID))
			mh.Identities[r.UnitID] = cur
		}
	}
	if len(r.ServerID) > 0 && !r.Exception {
		if mh.ServerIDs == nil {
			mh.ServerIDs = map[uint8]string{}
		}
		mh.ServerIDs[r.UnitID] = hex.EncodeToString(r.ServerID)
	}
}

// merge keeps the newest non-empty value.
func merge(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}
