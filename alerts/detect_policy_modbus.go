package alerts

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// modbusRanges returns the address ranges r names: none, one, or two for
// FC 23 (its write and read parts).
func modbusRanges(r *modbus.Record) (rs [2]AddressRange, n int) {
	span := func(addr, qty uint16) AddressRange {
		hi := int(addr) + max(int(qty), 1) - 1
		return AddressRange{Lo: addr, Hi: uint16(min(hi, 0xFFFF))}
	}
	if r.Has(modbus.FieldAddress) {
		var q uint16
		if r.Has(modbus.FieldQuantity) {
			q = r.Quantity
		}
		rs[n] = span(r.Address, q)
		n++
	}
	if r.Has(modbus.FieldReadAddress) {
		rs[n] = span(r.ReadAddress, r.ReadQuantity)
		n++
	}
	return rs, n
}

// seen notes one more known request at t (usually later than all).
func (l *blModbus) seen(t time.Time) {
	if t.After(l.Last) {
		l.Last = t
	} else if t.Before(l.First) || l.First.IsZero() {
		l.First = t
	}
	l.Requests++
	l.reqs++
	l.dirty = true
}

func (e *Engine) policyModbus(ev *dissectors.Event, r *modbus.Record) {
	if r.Response {
		if r.DeviceID != nil && !r.Exception {
			e.policyModbusIdentity(ev, r)
		}
		return
	}
	b := e.cfg.Baseline
	f := ev.Flow
	rs, n := modbusRanges(r)
	ms := e.modbusSlot(f)
	i := ms.index(r.UnitID)
	req := mbRequest{ok: true, fc: r.FunctionCode, n: uint8(n), rs: rs}
	if ms.isKnown(i, req) { // a poll the baseline held before
		ms.learnt[i].seen(ev.Time)
		return
	}
	l := e.learntModbus(f, ms, i)
	if l != nil && l.fcs.has(r.FunctionCode) {
		fn := l.function(r.FunctionCode)
		known := true
		for j := range n {
			known = known && covers(fn.Ranges, rs[j])
		}
		if known {
			ms.addKnown(i, req)
			l.seen(ev.Time)
			return
		}
		if !e.protoSilent(f, ev.Time) {
			for j := range n {
				if !covers(fn.Ranges, rs[j]) {
					e.modbusAddressAlert(ev, r, mbKeyOf(f, r.UnitID), fn, rs[j])
				}
			}
		}
	} else if !e.protoSilent(f, ev.Time) {
		e.modbusFunctionAlert(ev, r, mbKeyOf(f, r.UnitID), l)
	}
	b.learnModbus(mbKeyOf(f, r.UnitID), r.FunctionCode, rs[:n], ev.Time)
}

func mbKeyOf(f *dissectors.Flow, unit uint8) mbKey {
	return mbKey{client: f.Client.Addr().Unmap(), server: f.Server.Addr().Unmap(), unit: unit}
}

// learntModbus returns the baseline's entry for f's client, server and
// the unit of ms's entry i, nil when it holds none. A polling flow asks for
// the same one again and again: what was found is kept in the flow's slot.
func (e *Engine) learntModbus(f *dissectors.Flow, ms *mbSlot, i int) *blModbus {
	if l := ms.learnt[i]; l != nil {
		return l
	}
	l := e.cfg.Baseline.proto.modbus[mbKeyOf(f, ms.units[i])]
	ms.learnt[i] = l
	return l
}

// modbusFunctionAlert raises policy.modbus_function; l is the learnt
// link, nil when unknown.
func (e *Engine) modbusFunctionAlert(ev *dissectors.Event, r *modbus.Record, k mbKey, l *blModbus) {
	f := ev.Flow
	wrote := e.cfg.Baseline.proto.mbWriters[k.client]
	ak := alertKey{rule: rulePolicyModbusFunction, src: hostOf(f.Client), dst: serviceOf(f.Server), n: uint32(r.UnitID)<<8 | uint32(r.FunctionCode)}
	e.raise(ak, ev.Time, f, func(a *Alert) {
		fn := r.Function + " (function code " + strconv.Itoa(int(r.FunctionCode)) + ", unit " + strconv.Itoa(int(r.UnitID)) + ")"
		a.Title = "Modbus function code not in the baseline: " + fn
		if modbusWrite(r.FunctionCode) {
			a.Severity = High
			if !wrote {
				a.Title = "Modbus write from a client that never wrote: " + fn
			}
		}
		var learnt []uint8
		if l != nil {
			learnt = l.fcs.list()
		}
		a.Evidence = evidence(map[string]any{
			"direction":        ev.Dir.String(),
			"modbus":           r,
			"learnt_functions": learnt,
			"client_wrote":     wrote,
		})
	})
}

// modbusAddressAlert raises policy.modbus_address for the range rg of a
// learnt function fn.
func (e *Engine) modbusAddressAlert(ev *dissectors.Event, r *modbus.Record, k mbKey, fn *ModbusFunction, rg AddressRange) {
	f := ev.Flow
	span := strconv.Itoa(int(rg.Lo)) + "-" + strconv.Itoa(int(rg.Hi))
	ak := alertKey{rule: rulePolicyModbusAddress, src: hostOf(f.Client), dst: serviceOf(f.Server), n: uint32(r.UnitID)<<8 | uint32(r.FunctionCode), s: span}
	e.raise(ak, ev.Time, f, func(a *Alert) {
		a.Title = "Modbus address range not in the baseline: " + r.Function + " " + span + " (unit " + strconv.Itoa(int(k.unit)) + ")"
		a.Evidence = evidence(map[string]any{
			"direction":     ev.Dir.String(),
			"modbus":        r,
			"range":         rg,
			"learnt_ranges": fn.Ranges,
		})
	})
}

// policyModbusIdentity checks and learns a Read Device Identification
// response.
func (e *Engine) policyModbusIdentity(ev *dissectors.Event, r *modbus.Record) {
	d := r.DeviceID
	id := BaselineIdentity{Protocol: "modbus", Vendor: d.VendorName, Product: d.ProductCode, Revision: d.Revision}
	if id.Vendor == "" && id.Product == "" && id.Revision == "" {
		return
	}
	f := ev.Flow
	k := identKey{server: f.Server.Addr().Unmap(), proto: identModbus, addr: uint16(r.UnitID)}
	e.policyIdentity(ev, k, id, true)
}

// policyIdentity checks id, reported by the server k (the flow's server
// when fromServer), against the learnt identity, then learns it.
func (e *Engine) policyIdentity(ev *dissectors.Event, k identKey, id BaselineIdentity, fromServer bool) {
	b := e.cfg.Baseline
	if l := b.proto.idents[k]; l != nil && sameIdentity(&l.BaselineIdentity, &id) {
		if ev.Time.After(l.Last) || ev.Time.Before(l.First) {
			widen(&l.First, &l.Last, ev.Time)
			l.dirty = true
		}
		return
	}
	if !e.protoSilent(ev.Flow, ev.Time) {
		if old, fields := b.proto.identityChange(k, &id); len(fields) > 0 {
			e.identityAlert(ev, k, *old, id, fields, fromServer)
		}
	}
	b.learnIdentity(k, &id, ev.Time)
}

// identityAlert raises policy.identity_change.
func (e *Engine) identityAlert(ev *dissectors.Event, k identKey, old, id BaselineIdentity, fields []string, fromServer bool) {
	f := ev.Flow
	cur := old
	mergeIdentity(&cur, &id)
	s := cur.Vendor + "|" + cur.Product + "|" + cur.Revision + "|" + cur.Model + "|" + cur.SoftwareVersion + "|" + cur.HardwareVersion
	ak := alertKey{rule: rulePolicyIdentityChange, dst: netip.AddrPortFrom(k.server, 0), n: uint32(k.proto)<<16 | uint32(k.addr), s: s}
	e.raise(ak, ev.Time, f, func(a *Alert) {
		proto := "Modbus"
		if k.proto == identDNP3 {
			proto = "DNP3"
		}
		a.Title = proto + " device identity changed:"
		for i, name := range fields {
			if i > 0 {
				a.Title += ","
			}
			a.Title += " " + name + " " + strconv.Quote(identField(&old, name)) + " -> " + strconv.Quote(identField(&cur, name))
		}
		if fromServer {
			swapEnds(a)
		}
		a.Evidence = evidence(map[string]any{
			"direction": ev.Dir.String(),
			"learnt":    old,
			"reported":  id,
			"changed":   fields,
		})
	})
}

func identField(id *BaselineIdentity, name string) string {
	switch name {
	case "vendor":
		return id.Vendor
	case "product":
		return id.Product
	case "revision":
		return id.Revision
	case "model":
		return id.Model
	case "software_version":
		return id.SoftwareVersion
	case "hardware_version":
		return id.HardwareVersion
	}
	return ""
}
