package alerts

import (
	"slices"
	"strconv"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// Modbus function codes that program or replace what a PLC runs.
const (
	fcProgramConcept    = 40
	fcUMAS              = 90
	fcFirmwareReplace   = 125
	fcRemoteProgramming = 126
	// A flow that keeps polling the same unit ids counts each in the scan
	// state again only every UnitScanWindow/unitRefreshFrac.
	unitRefreshFrac = 4
)

func (e *Engine) modbus(ev *dissectors.Event, r *modbus.Record) {
	if r.Response {
		if r.Exception {
			e.modbusException(ev, r)
		}
		return
	}
	switch r.FunctionCode {
	case fcProgramConcept, fcUMAS, fcFirmwareReplace, fcRemoteProgramming:
		e.modbusProgramming(ev, r)
	}
	e.modbusUnit(ev, r)
}

// modbusProgramming raises modbus.programming, unless the client is a
// known programming station for that server (programming.go).
func (e *Engine) modbusProgramming(ev *dissectors.Event, r *modbus.Record) {
	f := ev.Flow
	if e.knownModbusProgrammer(f, r) {
		return
	}
	k := alertKey{rule: ruleModbusProgramming, src: hostOf(f.Client), dst: serviceOf(f.Server), n: uint32(r.FunctionCode)}
	e.raise(k, ev.Time, f, func(a *Alert) {
		a.Title = "Modbus PLC programming operation: " + r.Function + " (function code " + strconv.Itoa(int(r.FunctionCode)) + ")"
		if r.FunctionCode == fcFirmwareReplace || r.FunctionCode == fcRemoteProgramming {
			a.MITRE = techModuleFirmware
		}
		a.Evidence = recordEvidence(ev)
	})
}

// modbusException raises modbus.exceptions when exceptions from one
// server to one client reach the configured rate.
func (e *Engine) modbusException(ev *dissectors.Event, r *modbus.Record) {
	f := ev.Flow
	t, w := ev.Time.UnixNano(), int64(e.cfg.ModbusExceptionWindow)
	ring := e.excepts.get(link(f), t, w, e.cfg.MaxTracked, &e.stats.DroppedState)
	if ring == nil || !ring.add(t, w, e.cfg.ModbusExceptions) {
		return
	}
	k := alertKey{rule: ruleModbusExceptions, src: hostOf(f.Client), dst: serviceOf(f.Server)}
	e.raise(k, ev.Time, f, func(a *Alert) {
		a.Evidence = evidence(map[string]any{
			"threshold": e.cfg.ModbusExceptions,
			"window":    e.cfg.ModbusExceptionWindow.String(),
			"modbus":    r,
		})
	})
}

// modbusUnit counts the unit ids of a client's requests to a server and
// raises modbus.unit_id_scan.
func (e *Engine) modbusUnit(ev *dissectors.Event, r *modbus.Record) {
	f := ev.Flow
	t, w := ev.Time.UnixNano(), int64(e.cfg.UnitScanWindow)
	ms := e.modbusSlot(f)
	i := ms.index(r.UnitID)
	if t < ms.period || t-ms.period >= w/unitRefreshFrac {
		ms.period, ms.counted = t, 0
	}
	if ms.counted&(1<<i) != 0 {
		return
	}
	ms.counted |= 1 << i
	set := e.units.get(link(f), t, w, e.cfg.MaxTracked, &e.stats.DroppedState)
	if set == nil {
		return
	}
	n, isNew := set.add(target{n: uint32(r.UnitID)}, t, w, e.cfg.UnitScanIDs)
	if !isNew || n < e.cfg.UnitScanIDs {
		return
	}
	k := alertKey{rule: ruleModbusUnitScan, src: hostOf(f.Client), dst: serviceOf(f.Server)}
	e.raise(k, ev.Time, f, func(a *Alert) {
		units := make([]int, 0, len(set.items))
		for _, it := range set.items {
			units = append(units, int(it.n))
		}
		slices.Sort(units)
		a.Evidence = evidence(map[string]any{
			"threshold": e.cfg.UnitScanIDs,
			"window":    e.cfg.UnitScanWindow.String(),
			"unit_ids":  units,
		})
	})
}
