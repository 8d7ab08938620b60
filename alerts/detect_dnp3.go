package alerts

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
)

// DNP3 internal indication bits (Record.IIN: IIN1 in the low byte).
const (
	iinDeviceTrouble = 1 << 6 // IIN1.6
	iinDeviceRestart = 1 << 7 // IIN1.7
)

// dnp3RequestRule maps a request function code to its detection.
func dnp3RequestRule(fc uint8) (rule, bool) {
	switch {
	case fc == 13 || fc == 14:
		return ruleDNP3Restart, true
	case fc == 15:
		return ruleDNP3InitializeData, true
	case fc == 18:
		return ruleDNP3StopApplication, true
	case fc == 21:
		return ruleDNP3DisableUnsolicited, true
	case fc >= 25 && fc <= 30:
		return ruleDNP3FileOperation, true
	case fc == 31:
		return ruleDNP3ActivateConfig, true
	}
	return 0, false
}

func (e *Engine) dnp3(ev *dissectors.Event, r *dnp3.Record) {
	if r.LinkOnly {
		return
	}
	if r.Response {
		if r.IIN&iinDeviceTrouble != 0 {
			e.dnp3IIN(ev, r, ruleDNP3DeviceTrouble)
		}
		if r.IIN&iinDeviceRestart != 0 {
			e.dnp3IIN(ev, r, ruleDNP3DeviceRestarted)
		}
		return
	}
	rl, ok := dnp3RequestRule(r.FunctionCode)
	if !ok {
		return
	}
	if (rl == ruleDNP3FileOperation || rl == ruleDNP3ActivateConfig) && e.knownDNP3Programmer(ev, r) {
		return // a known programming station for this outstation
	}
	f := ev.Flow
	// The cause: the link, the outstation's link address and the function.
	k := alertKey{rule: rl, src: hostOf(f.Client), dst: serviceOf(f.Server), n: uint32(r.Dst)<<8 | uint32(r.FunctionCode)}
	e.raise(k, ev.Time, f, func(a *Alert) {
		switch rl {
		case ruleDNP3Restart:
			if r.FunctionCode == 13 {
				a.Title = "DNP3 cold restart command"
			} else {
				a.Title = "DNP3 warm restart command"
			}
		case ruleDNP3FileOperation:
			a.Title = "DNP3 file operation: " + r.Function
		}
		if ev.Dir == dissectors.ToClient { // the master is the TCP server (dial-out outstation)
			a.Source, a.Destination = a.Destination, a.Source
		}
		a.Evidence = recordEvidence(ev)
	})
}

// dnp3IIN raises an internal indication detection for a response.
func (e *Engine) dnp3IIN(ev *dissectors.Event, r *dnp3.Record, rl rule) {
	f := ev.Flow
	k := alertKey{rule: rl, src: hostOf(f.Client), dst: serviceOf(f.Server), n: uint32(r.Src)}
	e.raise(k, ev.Time, f, func(a *Alert) { a.Evidence = recordEvidence(ev) })
}
