package alerts

import (
	"errors"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/dissectors/mqtt"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// ruleCustom is the alertKey.rule of custom rules, outside the catalogue
// of built-in detections (alertKey.s holds the rule's id).
const ruleCustom rule = 255

// RuleStat counts what one custom rule did in an Engine.
type RuleStat struct {
	ID      string `json:"id"`
	Evals   uint64 `json:"evals"`   // events the condition was evaluated on
	Matches uint64 `json:"matches"` // evaluations that gave true (alerts raised or aggregated)
	// Absent counts evaluations that read a field the event does not have
	// (event.modbus.address of a response): no match, not an error.
	Absent uint64 `json:"absent"`
	// Errors counts other evaluation errors (no such overload, overflow,
	// division by zero, ...); FirstError is the first one's message.
	Errors     uint64 `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
}

// ruleVars is the activation of rule conditions: it resolves event, src,
// dest and flow from the event being evaluated, without copying it. Its
// endpoints keep their formatted address and MAC for the next events of
// the same flow.
type ruleVars struct {
	ev        *dissectors.Event
	flow      *dissectors.Flow
	flowID    uint64
	src, dest ruleEndpoint
}

var _ interpreter.Activation = (*ruleVars)(nil)

// ResolveName implements interpreter.Activation.
func (v *ruleVars) ResolveName(name string) (any, bool) {
	switch name {
	case "event":
		return v.ev, true
	case "src":
		return &v.src, true
	case "dest":
		return &v.dest, true
	case "flow":
		return v.flow, true
	}
	return nil, false
}

// Parent implements interpreter.Activation.
func (v *ruleVars) Parent() interpreter.Activation { return nil }

func (v *ruleVars) set(ev *dissectors.Event) {
	v.ev = ev
	f := ev.Flow
	if f != v.flow || f.ID != v.flowID {
		v.flow, v.flowID = f, f.ID
		v.src.set(f.Client, f.ClientMAC)
		v.dest.set(f.Server, f.ServerMAC)
	}
}

// protoOf is the protocol index of ev.
func protoOf(ev *dissectors.Event) int {
	if ev.Anomaly != nil {
		return protoAnomaly
	}
	switch ev.Record.(type) {
	case *modbus.Record:
		return protoModbus
	case *dnp3.Record:
		return protoDNP3
	case *mqtt.Record:
		return protoMQTT
	case *tls.Record:
		return protoTLS
	}
	return protoOther
}

// customRules evaluates the custom rules that apply to ev's protocol and
// raises an alert for each that matches.
func (e *Engine) customRules(ev *dissectors.Event) {
	s := e.cfg.Rules
	if s == nil {
		return
	}
	rules := s.byProto[protoOf(ev)]
	if len(rules) == 0 {
		return
	}
	v := &s.vars
	v.set(ev)
	for _, r := range rules {
		r.stats.Evals++
		out, _, err := r.prg.Eval(v)
		if err != nil {
			var ae *absentError
			if errors.As(err, &ae) {
				r.stats.Absent++
			} else {
				r.stats.Errors++
				if r.stats.FirstError == "" {
					r.stats.FirstError = err.Error()
				}
			}
			continue
		}
		if out == types.True {
			r.stats.Matches++
			e.raiseRule(r, ev)
		}
	}
	v.ev = nil // borrowed: not kept past the event
}

// raiseRule raises (or aggregates) the alert of custom rule r for ev's
// client and server.
func (e *Engine) raiseRule(r *Rule, ev *dissectors.Event) {
	f := ev.Flow
	k := alertKey{rule: ruleCustom, src: hostOf(f.Client), dst: serviceOf(f.Server), s: r.ID}
	e.raiseAs(&r.info, k, ev.Time, f, func(a *Alert) {
		a.Evidence = ruleEvidence(r, ev)
		if a.AppProto == "" && ev.Anomaly != nil {
			a.AppProto = ev.Anomaly.AppProto
		}
	})
}

// ruleEvidence is the evidence of a custom rule's alert: the condition,
// the direction, and the record (or anomaly) under its protocol's key.
func ruleEvidence(r *Rule, ev *dissectors.Event) []byte {
	m := map[string]any{"condition": r.Condition, "direction": ev.Dir.String()}
	switch {
	case ev.Anomaly != nil:
		an := ev.Anomaly
		m["anomaly"] = map[string]string{"name": an.Name, "app_proto": an.AppProto, "detail": an.Detail}
	case ev.Record != nil:
		m[ev.Record.AppProto()] = ev.Record
	}
	return evidence(m)
}

// SetRules replaces the custom rules (a reload: SIGHUP in the daemon);
// nil removes them. Alerts the old rules raised stay and aggregate again
// when a rule with the same id fires. Call it from the engine's goroutine
// (or under the lock that serialises it).
func (e *Engine) SetRules(rs *RuleSet) { e.cfg.Rules = rs }

// RuleStats returns the counters of the custom rules (Config.Rules), in
// load order; nil without rules.
func (e *Engine) RuleStats() []RuleStat {
	s := e.cfg.Rules
	if s == nil {
		return nil
	}
	out := make([]RuleStat, len(s.rules))
	for i, r := range s.rules {
		out[i] = r.stats
		out[i].ID = r.ID
	}
	return out
}
