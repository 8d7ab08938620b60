package alerts

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// A programming station is a device that, while the baseline was learning,
// sent a programming or firmware operation (a function code
// modbus.programming or a DNP3 file or configuration rule is about) to a
// device. Once the baseline is operational, the same operation from it to
// the same device is its job, not an alert; from any other device it is.
// In learning mode, or without a baseline, every such operation alerts (as
// operational alerts do).

// knownModbusProgrammer reports whether the operational baseline learnt r's
// function code from this client to this server and unit.
func (e *Engine) knownModbusProgrammer(f *dissectors.Flow, r *modbus.Record) bool {
	b := e.cfg.Baseline
	if b == nil || b.mode != ModeOperational || e.cfg.Learn {
		return false
	}
	l := b.proto.modbus[mbKey{client: f.Client.Addr().Unmap(), server: f.Server.Addr().Unmap(), unit: r.UnitID}]
	return l != nil && l.fcs.has(r.FunctionCode)
}

// knownDNP3Programmer is knownModbusProgrammer for a DNP3 request from
// its master to its outstation and link address.
func (e *Engine) knownDNP3Programmer(ev *dissectors.Event, r *dnp3.Record) bool {
	b := e.cfg.Baseline
	if b == nil || b.mode != ModeOperational || e.cfg.Learn {
		return false
	}
	from, to := dnp3Ends(ev)
	l := b.proto.dnp3[dnKey{master: from, outstation: to, addr: r.Dst}]
	return l != nil && l.fcs.has(r.FunctionCode)
}
