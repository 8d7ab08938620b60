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

// flowModbus is what a flow's Modbus records taught since the last fold.
type flowModbus struct {
	used       bool      // the flow carried Modbus
	requests   []fcCount // per function code, in order of first use
	requested  bitset256 // unit ids requests went to
	served     bitset256 // unit ids that answered (not through a gateway error)
	exceptions uint64
}

type fcCount struct {
	fc uint8
	n  uint64
}

type bitset256 [4]uint64

func (b *bitset256) set(i uint8)      { b[i>>6] |= 1 << (i & 63) }
func (b *bitset256) has(i uint8) bool { return b[i>>6]&(1<<(i&63)) != 0 }

// modbusRecord learns function codes and units per link, and units and
// identities per server. Counts go to the flow's accumulator (see fold);
// identities, which are rare, straight to the server.
func (inv *Inventory) modbusRecord(refs *flowRefs, r *modbus.Record) {
	m := &refs.modbus
	m.used = true
	if !r.Response {
		m.requests = countFC(m.requests, r.FunctionCode)
		m.requested.set(r.UnitID)
		return
	}
	if r.Exception {
		m.exceptions++
		if r.ExceptionCode == excGatewayPathUnavailable || r.ExceptionCode == excGatewayTargetFailed {
			return
		}
	}
	m.served.set(r.UnitID)
	if r.DeviceID == nil && (len(r.ServerID) == 0 || r.Exception) {
		return
	}
	h := inv.hostOf(refs.end(dissectors.ToClient))
	if h == nil {
		return
	}
	h.dirty = true
	mh := h.modbus()
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

// countFC counts one use of fc in s, kept in order of first use.
func countFC(s []fcCount, fc uint8) []fcCount {
	for i := range s {
		if s[i].fc == fc {
			s[i].n++
			return s
		}
	}
	return append(s, fcCount{fc, 1})
}

// foldModbus moves a flow's Modbus counts into its link and server.
func (inv *Inventory) foldModbus(r *flowRefs) {
	m := &r.modbus
	l := r.link
	lm := l.Modbus
	if lm == nil {
		lm = &LinkModbus{FunctionCodes: map[uint8]uint64{}}
		l.Modbus = lm
	}
	for i, c := range m.requests {
		lm.FunctionCodes[c.fc] += c.n
		m.requests[i].n = 0
	}
	lm.Exceptions += m.exceptions
	m.exceptions = 0
	var h *Host
	for u := 0; u < 256; u++ {
		id := uint8(u)
		if m.requested.has(id) {
			lm.UnitIDs = addSorted(lm.UnitIDs, id)
		}
		if m.served.has(id) {
			if h == nil {
				if h = inv.hostOf(r.end(dissectors.ToClient)); h == nil {
					break
				}
				h.dirty = true
			}
			mh := h.modbus()
			mh.UnitIDs = addSorted(mh.UnitIDs, id)
		}
	}
	m.requested, m.served = bitset256{}, bitset256{}
}

// modbus returns the host's Modbus record, made on first use.
func (h *Host) modbus() *ModbusHost {
	if h.Modbus == nil {
		h.Modbus = &ModbusHost{}
	}
	return h.Modbus
}

// merge keeps the newest non-empty value.
func merge(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}
