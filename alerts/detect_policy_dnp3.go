package alerts

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
)

// dnp3PolicyHigh reports whether a request function code not in the
// baseline is high severity: controls (3-6), freezes (7-12), restarts
// (13, 14), initialize data and application, start and stop application
// (15-18), save configuration (19), file operations and activate
// configuration (25-31). IEEE 1815-2012 table 4-1.
func dnp3PolicyHigh(fc uint8) bool {
	return (fc >= 3 && fc <= 19) || (fc >= 25 && fc <= 31)
}

// dnp3Control reports whether fc is select, operate or direct operate.
func dnp3Control(fc uint8) bool { return fc >= 3 && fc <= 6 }

func (l *blDNP3) seen(t time.Time) {
	if t.After(l.Last) || t.Before(l.First) {
		widen(&l.First, &l.Last, t)
	}
	l.Requests++
	l.reqs++
	l.dirty = true
}

// dnp3Ends returns the sender and receiver of ev's record.
func dnp3Ends(ev *dissectors.Event) (from, to netip.Addr) {
	f := ev.Flow
	c, s := f.Client.Addr().Unmap(), f.Server.Addr().Unmap()
	if ev.Dir == dissectors.ToClient {
		return s, c
	}
	return c, s
}

func (e *Engine) policyDNP3(ev *dissectors.Event, r *dnp3.Record) {
	if r.LinkOnly {
		return
	}
	from, to := dnp3Ends(ev)
	if r.Response {
		if d := r.Device; d != nil {
			id := BaselineIdentity{Protocol: "dnp3", Vendor: d.Vendor, Model: d.Model, SoftwareVersion: d.SoftwareVersion, HardwareVersion: d.HardwareVersion}
			if id.Vendor != "" || id.Model != "" || id.SoftwareVersion != "" || id.HardwareVersion != "" {
				e.policyIdentity(ev, identKey{server: from, proto: identDNP3, addr: r.Src}, id, ev.Dir == dissectors.ToClient)
			}
		}
		return
	}
	b := e.cfg.Baseline
	k := dnKey{master: from, outstation: to, addr: r.Dst}
	l := b.proto.dnp3[k]
	if l != nil && l.fcs.has(r.FunctionCode) {
		l.seen(ev.Time)
		return
	}
	if !e.protoSilent(ev.Flow, ev.Time) {
		e.dnp3FunctionAlert(ev, r, k, l)
	}
	b.learnDNP3(k, r.FunctionCode, ev.Time)
}

// dnp3FunctionAlert raises policy.dnp3_function; l is the learnt link,
// nil when unknown.
func (e *Engine) dnp3FunctionAlert(ev *dissectors.Event, r *dnp3.Record, k dnKey, l *blDNP3) {
	fc := r.FunctionCode
	operated := false
	if l != nil {
		for c := uint8(3); c <= 6; c++ {
			operated = operated || l.fcs.has(c)
		}
	}
	ak := alertKey{rule: rulePolicyDNP3Function, src: netip.AddrPortFrom(k.master, 0), dst: netip.AddrPortFrom(k.outstation, 0), n: uint32(k.addr)<<8 | uint32(fc)}
	e.raise(ak, ev.Time, ev.Flow, func(a *Alert) {
		fn := r.Function + " (function code " + strconv.Itoa(int(fc)) + ", outstation " + strconv.Itoa(int(k.addr)) + ")"
		a.Title = "DNP3 function code not in the baseline: " + fn
		if dnp3Control(fc) && !operated {
			a.Title = "DNP3 " + fn + " from a master that never operated this outstation"
		}
		if dnp3PolicyHigh(fc) {
			a.Severity = High
		}
		if ev.Dir == dissectors.ToClient {
			swapEnds(a)
		}
		var learnt []uint8
		if l != nil {
			learnt = l.fcs.list()
		}
		a.Evidence = evidence(map[string]any{
			"direction":        ev.Dir.String(),
			"dnp3":             r,
			"learnt_functions": learnt,
		})
	})
}
