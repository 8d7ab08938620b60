package forward

import (
	"maps"
	"slices"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/message"
	"go.uber.org/zap"
)

// sinkFailing raises sensor.sink_failing: the sink refuses with an error
// retrying will not fix. Other sinks still get the alert.
func (f *Forwarding) sinkFailing(name string, err error) {
	f.raise("sensor.sink_failing", name, "Forwarding to "+name+" fails: "+err.Error(), map[string]any{
		"sink": name, "error": err.Error(),
	})
}

// checkDrops raises sensor.outbox_dropped for every sink whose drop count
// grew since the last check. Enqueuing that alert may drop more: a few
// rounds count those too.
func (f *Forwarding) checkDrops() {
	for range 3 {
		if !f.checkDropsOnce() {
			return
		}
	}
}

func (f *Forwarding) checkDropsOnce() (grew bool) {
	drops, maxBytes := f.ob.Drops()
	for _, name := range slices.Sorted(maps.Keys(drops)) {
		n := drops[name]
		f.mu.Lock()
		before := f.dropped[name]
		f.dropped[name] = n
		f.mu.Unlock()
		if n > before {
			grew = true
			f.raise("sensor.outbox_dropped", name, "Outbox full: messages for "+name+" dropped", map[string]any{
				"sink": name, "dropped": n - before, "dropped_total": n, "max_bytes": maxBytes,
			})
		}
	}
	return grew
}

// raise makes a sensor alert and hands it to OnAlert (which aggregates
// repeats into the stored alert); the first time in this Forwarding, it
// is also enqueued for the sinks that work.
func (f *Forwarding) raise(rule, key, title string, ev map[string]any) {
	a, err := alerts.SensorAlert(rule, key, title, f.cfg.Now(), ev)
	if err != nil {
		f.cfg.Log.Error("sensor alert", zap.Error(err))
		return
	}
	f.mu.Lock()
	first := !f.raised[a.ID]
	f.raised[a.ID] = true
	f.mu.Unlock()
	if m, err := message.Alert(f.cfg.SensorID, a); first && err == nil {
		if err := f.ob.Enqueue(m); err != nil {
			f.cfg.Log.Warn("sensor alert not enqueued", zap.String("rule", rule), zap.Error(err))
		}
	}
	if f.cfg.OnAlert != nil {
		f.cfg.OnAlert(a)
	}
}
