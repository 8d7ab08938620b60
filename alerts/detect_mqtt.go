package alerts

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/mqtt"
)

func (e *Engine) mqtt(ev *dissectors.Event, r *mqtt.Record) {
	if r.Type != mqtt.Connect {
		return
	}
	var rl rule
	switch {
	case r.Anonymous:
		rl = ruleMQTTAnonymous
	case r.PlaintextCredentials:
		rl = ruleMQTTPlaintextCredentials
	default:
		return
	}
	f := ev.Flow
	k := alertKey{rule: rl, src: hostOf(f.Client), dst: serviceOf(f.Server)}
	e.raise(k, ev.Time, f, func(a *Alert) { a.Evidence = recordEvidence(ev) })
}
