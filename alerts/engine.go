package alerts

import (
	"slices"
	"strings"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/dissectors/mqtt"
	"github.com/otsensor/otsensor/dissectors/tls"
	"github.com/otsensor/otsensor/sensor/flow"
)

// Config tunes the detections; the zero value takes the defaults.
type Config struct {
	// PortScanPorts distinct destination ports of one host contacted by
	// one source within PortScanWindow make a port scan (default 25 in 2
	// minutes, as Defender for IoT).
	PortScanPorts  int
	PortScanWindow time.Duration
	// AddressScanHosts distinct destination hosts contacted by one source
	// within AddressScanWindow make an address scan (default 50 in 2
	// minutes).
	AddressScanHosts  int
	AddressScanWindow time.Duration
	// UnitScanIDs distinct Modbus unit ids used by one client toward one
	// server within UnitScanWindow make a unit id scan (default 20 in 2
	// minutes).
	UnitScanIDs    int
	UnitScanWindow time.Duration
	// ModbusExceptions exception responses from one server to one client
	// within ModbusExceptionWindow are excessive (default 20 in 1 minute).
	ModbusExceptions      int
	ModbusExceptionWindow time.Duration
	// MaxAlerts caps the alerts kept in memory (default 100000); new
	// alerts beyond it are dropped and counted in Stats.
	MaxAlerts int
	// MaxTracked caps each kind of detection state: scan sources, source
	// and destination pairs, Modbus links (default 65536). Idle entries
	// are forgotten when the cap is reached; new ones beyond it are
	// dropped and counted in Stats.
	MaxTracked int
	// Baseline, when set, runs the policy engine against it: in learning
	// mode (or with Learn) new flows are learnt into it, in operational
	// mode what it does not hold raises policy.new_device and
	// policy.new_link. Nil: no policy engine.
	Baseline *Baseline
	// Learn learns this input into Baseline whatever its mode, without
	// policy alerts (replay --learn).
	Learn bool
	// DeviceLearning is the learning window of a device first seen while
	// the baseline is operational (default 7 days of packet time): its
	// new links are learnt without alerts until it ends.
	DeviceLearning time.Duration
	// OnNew, when set, is called with each alert the first time this
	// engine raises it (the events output writes it then). It is not
	// called for alerts given to Restore.
	OnNew func(*Alert)
	// Rules, when set, are custom rules evaluated on every event (see
	// RuleSet); they raise alerts in every baseline mode.
	Rules *RuleSet
	// ChannelInactiveMin is the least silence that makes a polling link
	// inactive (policy.channel_inactive fires beyond max(3 x its learnt
	// period, this); default 2 minutes: more than the flow layer's
	// checkpoint, which reports long flows once a minute).
	ChannelInactiveMin time.Duration
	// DeviceSilence is how long a host that talked regularly may send
	// nothing before policy.device_silent (default 10 minutes).
	DeviceSilence time.Duration
}

// withDefaults fills the zero fields of c.
func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.PortScanPorts, 25)
	defDur(&c.PortScanWindow, 2*time.Minute)
	def(&c.AddressScanHosts, 50)
	defDur(&c.AddressScanWindow, 2*time.Minute)
	def(&c.UnitScanIDs, 20)
	defDur(&c.UnitScanWindow, 2*time.Minute)
	def(&c.ModbusExceptions, 20)
	defDur(&c.ModbusExceptionWindow, time.Minute)
	def(&c.MaxAlerts, 100000)
	def(&c.MaxTracked, 65536)
	defDur(&c.DeviceLearning, 7*24*time.Hour)
	defDur(&c.ChannelInactiveMin, 2*time.Minute)
	defDur(&c.DeviceSilence, 10*time.Minute)
	return c
}

// Stats counts what the engine did.
type Stats struct {
	Alerts        int    // alerts in memory
	Raised        uint64 // alerts created by this engine
	Hits          uint64 // detections that fired (new or aggregated alerts)
	DroppedAlerts uint64 // new alerts not kept: MaxAlerts reached
	DroppedState  uint64 // scan sources, pairs or links not tracked: MaxTracked reached
}

// Engine raises alerts from what the pipeline observes. It implements
// flow.Observer and is used from one goroutine. Time comes from packets.
type Engine struct {
	cfg    Config
	alerts map[string]*entry // by id
	// byKey finds an alert from its cause without building its id: the
	// aggregation of a known alert is a map lookup on a struct.
	byKey   map[alertKey]*entry
	changed []*entry
	stats   Stats

	scans   scanState
	units   tracker[linkKey, targetSet] // Modbus unit id scan, per client and server
	excepts tracker[linkKey, timeRing]  // Modbus exceptions, per client and server
	silence silenceState                // channel inactive, device silent (detect_silence.go)
	slots   *[flowSlots]flowSlot        // recent flows' baseline entries (flowslot.go)
}

// entry is an alert and whether it changed since the last Changed call.
type entry struct {
	a     *Alert
	dirty bool
}

var _ flow.Observer = (*Engine)(nil)

// NewEngine returns an engine with cfg's defaults filled in.
func NewEngine(cfg Config) *Engine {
	cfg = cfg.withDefaults()
	return &Engine{
		cfg:     cfg,
		alerts:  map[string]*entry{},
		byKey:   map[alertKey]*entry{},
		scans:   newScanState(),
		units:   newTracker[linkKey, targetSet](),
		excepts: newTracker[linkKey, timeRing](),
		slots:   new([flowSlots]flowSlot),
	}
}

// Event implements flow.Observer. A record event runs its protocol's
// built-in detections, then, with a baseline, its policy engine: what the
// baseline holds is noted seen (map lookups on comparable keys, no
// allocation); what it does not hold raises a policy alert in operational
// mode (outside the learning windows of the flow's ends) and is then
// learnt, so that each cause alerts once.
func (e *Engine) Event(ev *dissectors.Event) {
	if ev.Flow == nil {
		return
	}
	e.customRules(ev)
	if ev.Anomaly != nil {
		e.violation(ev)
		return
	}
	policy := e.cfg.Baseline != nil
	switch r := ev.Record.(type) {
	case *modbus.Record:
		e.modbus(ev, r)
		if policy {
			e.policyModbus(ev, r)
		}
	case *dnp3.Record:
		e.dnp3(ev, r)
		if policy {
			e.policyDNP3(ev, r)
		}
	case *mqtt.Record:
		e.mqtt(ev, r)
		if policy {
			e.policyMQTT(ev, r)
		}
	case *tls.Record:
		e.tls(ev, r)
		if policy {
			e.policyTLS(ev, r)
		}
	}
}

// Flow implements flow.Observer.
func (e *Engine) Flow(u *flow.Update) {
	if b := e.cfg.Baseline; b != nil && !e.cfg.Learn {
		b.autoLock(u.Last)
	}
	if u.New && u.Flow != nil {
		e.scanFlow(u)
		if e.cfg.Baseline != nil {
			e.policyFlow(u)
		}
	}
	if e.cfg.Baseline != nil {
		e.silenceFlow(u)
	}
}

// Neighbor implements flow.Observer.
func (e *Engine) Neighbor(n *flow.Neighbor) {}

// raise records one firing of the built-in detection k.rule for the cause
// k at packet time t, with the detection's defaults from the catalogue
// (see raiseAs).
func (e *Engine) raise(k alertKey, t time.Time, f *dissectors.Flow, fill func(*Alert)) {
	e.raiseAs(k.rule.info(), k, t, f, fill)
}

// raiseAs records one firing of the detection info (built-in or custom)
// for the cause k at packet time t. A known alert is aggregated: Count,
// First and Last, and nothing is allocated. A new one takes info's
// defaults, f's client and server as Source and Destination (when f is
// set), then fill (which sets the title, evidence and anything else that
// differs; it runs only for new alerts), and is passed to Config.OnNew.
func (e *Engine) raiseAs(info *DetectionInfo, k alertKey, t time.Time, f *dissectors.Flow, fill func(*Alert)) {
	e.stats.Hits++
	if en := e.byKey[k]; en != nil {
		e.bump(en, t)
		return
	}
	id := makeID(info.Rule, k.String())
	if en := e.alerts[id]; en != nil { // restored from storage
		e.byKey[k] = en
		e.bump(en, t)
		return
	}
	if len(e.alerts) >= e.cfg.MaxAlerts {
		e.stats.DroppedAlerts++
		return
	}
	a := &Alert{
		V:        SchemaVersion,
		ID:       id,
		Rule:     info.Rule,
		Title:    info.Title,
		Severity: info.Severity,
		Engine:   info.Engine,
		Category: info.Category,
		MITRE:    info.MITRE,
		First:    t,
		Last:     t,
		Count:    1,
		State:    StateNew,
	}
	if f != nil {
		a.FlowID = f.ID
		a.AppProto = f.AppProto
		a.Source = Endpoint{IP: f.Client.Addr().Unmap(), MAC: macString(f.ClientMAC)}
		a.Destination = Endpoint{IP: f.Server.Addr().Unmap(), Port: f.Server.Port(), MAC: macString(f.ServerMAC)}
	}
	if fill != nil {
		fill(a)
	}
	if a.MITRE != nil { // the alert's own copy, not the detection's
		m := *a.MITRE
		a.MITRE = &m
	}
	en := &entry{a: a}
	e.alerts[id] = en
	e.byKey[k] = en
	e.markChanged(en)
	e.stats.Raised++
	if e.cfg.OnNew != nil {
		e.cfg.OnNew(a)
	}
}

// bump aggregates one more firing into a known alert.
func (e *Engine) bump(en *entry, t time.Time) {
	a := en.a
	a.Count++
	if t.Before(a.First) {
		a.First = t
	}
	if t.After(a.Last) {
		a.Last = t
	}
	e.markChanged(en)
}

func (e *Engine) markChanged(en *entry) {
	if !en.dirty {
		en.dirty = true
		e.changed = append(e.changed, en)
	}
}

// SetBaseline replaces the engine's baseline (after a reset: the old
// one's entries are gone) and forgets what it kept about the old one's
// entries. Call it from the engine's goroutine or under its lock.
func (e *Engine) SetBaseline(b *Baseline) {
	e.cfg.Baseline = b
	e.slots = new([flowSlots]flowSlot)
	e.silence = silenceState{}
}

// Restore gives the engine alerts it raised before (read back from
// storage), so that their causes aggregate into them (keeping their
// state) instead of raising them again. Call it before the first event.
// Restored alerts are not passed to OnNew and are not reported by Changed
// until they change.
func (e *Engine) Restore(alerts ...*Alert) {
	for _, a := range alerts {
		if a != nil && e.alerts[a.ID] == nil {
			e.alerts[a.ID] = &entry{a: a}
		}
	}
}

// Alerts returns the alerts raised (or restored) so far, by id.
func (e *Engine) Alerts() []*Alert {
	out := make([]*Alert, 0, len(e.alerts))
	for _, en := range e.alerts {
		out = append(out, en.a)
	}
	slices.SortFunc(out, func(a, b *Alert) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Changed returns the alerts created or aggregated since the previous
// call, by id, and starts a new round. The alerts are the engine's own:
// a caller that keeps them past the next event copies them.
func (e *Engine) Changed() []*Alert {
	out := make([]*Alert, 0, len(e.changed))
	for i, en := range e.changed {
		en.dirty = false
		out = append(out, en.a)
		e.changed[i] = nil
	}
	e.changed = e.changed[:0]
	slices.SortFunc(out, func(a, b *Alert) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Stats returns the engine's counters.
func (e *Engine) Stats() Stats {
	s := e.stats
	s.Alerts = len(e.alerts)
	return s
}
