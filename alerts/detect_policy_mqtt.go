package alerts

import (
	"strconv"
	"strings"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/mqtt"
)

// multiLevelWildcard reports whether filter subscribes to a whole tree:
// "#" or ".../#".
func multiLevelWildcard(filter string) bool {
	return filter == "#" || strings.HasSuffix(filter, "/#")
}

func (e *Engine) policyMQTT(ev *dissectors.Event, r *mqtt.Record) {
	if ev.Dir != dissectors.ToServer {
		return
	}
	switch r.Type {
	case mqtt.Connect, mqtt.Publish, mqtt.Subscribe:
	default:
		return
	}
	b := e.cfg.Baseline
	f := ev.Flow
	k := mqKey{broker: f.Server.Addr().Unmap(), client: r.ClientID}
	c := b.proto.mqtt[k]
	if c == nil {
		if r.ClientID != "" && !e.protoSilent(f, ev.Time) {
			ak := alertKey{rule: rulePolicyMQTTClientID, src: hostOf(f.Client), dst: serviceOf(f.Server), s: r.ClientID}
			e.raise(ak, ev.Time, f, func(a *Alert) {
				a.Title = "New MQTT client id " + quoteName(r.ClientID)
				a.Evidence = recordEvidence(ev)
			})
		}
		if c = b.mqttClient(k, ev.Time); c == nil {
			return
		}
	}
	c.see(ev.Time)
	switch r.Type {
	case mqtt.Publish:
		if r.Topic != "" {
			b.proto.addTopic(c, c.topics, r.Topic, maxTopicsPerClient)
		}
	case mqtt.Subscribe:
		for i := range r.Topics {
			flt := r.Topics[i].Filter
			if _, ok := c.subs[flt]; ok {
				continue
			}
			if multiLevelWildcard(flt) && !e.protoSilent(f, ev.Time) {
				ak := alertKey{rule: rulePolicyMQTTWildcard, src: hostOf(f.Client), dst: serviceOf(f.Server), s: r.ClientID + "\x00" + flt}
				e.raise(ak, ev.Time, f, func(a *Alert) {
					a.Title = "MQTT wildcard subscription " + quoteName(flt) + " from client id " + quoteName(r.ClientID)
					// The record's evidence and the filter that raised it
					// (a SUBSCRIBE may carry several): what alerts learn
					// adds to the baseline.
					a.Evidence = evidence(map[string]any{
						"direction": ev.Dir.String(),
						"mqtt":      r,
						"filter":    flt,
					})
				})
			}
			b.proto.addTopic(c, c.subs, flt, maxFiltersPerClient)
		}
	}
}

// quoteName quotes a name taken from the wire for a title, capped.
func quoteName(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}
