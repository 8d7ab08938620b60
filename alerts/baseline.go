package alerts

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

// The baseline's modes.
const (
	// ModeLearning: what is seen is learnt; no policy alerts.
	ModeLearning = "learning"
	// ModeOperational: what the baseline does not hold raises policy
	// alerts (and is then learnt, so that it alerts once).
	ModeOperational = "operational"
)

// BaselineConfig bounds a Baseline; the zero value takes the defaults.
type BaselineConfig struct {
	// MaxHosts and MaxLinks cap what the baseline holds (default 65536
	// hosts and 262144 links). What is new beyond them is not learnt and
	// is counted in BaselineStatus.
	MaxHosts int
	MaxLinks int
	// MaxProtocolEntries caps each table of the protocol baseline: Modbus
	// links, DNP3 links, identities, MQTT clients, TLS items (default
	// 65536 each). What is new beyond it is not learnt and is counted in
	// ProtocolStatus.Dropped.
	MaxProtocolEntries int
}

func (c BaselineConfig) withDefaults() BaselineConfig {
	if c.MaxHosts <= 0 {
		c.MaxHosts = 1 << 16
	}
	if c.MaxLinks <= 0 {
		c.MaxLinks = 1 << 18
	}
	if c.MaxProtocolEntries <= 0 {
		c.MaxProtocolEntries = 1 << 16
	}
	return c
}

// BaselineHost is a learnt host.
type BaselineHost struct {
	IP    netip.Addr `json:"ip"`
	First time.Time  `json:"first_seen"`
	Last  time.Time  `json:"last_seen"`
	// LearnUntil is the end of the host's own learning window, for a host
	// first seen while the baseline was operational: until then its new
	// links are learnt without alerts. Zero for hosts learnt in learning
	// mode.
	LearnUntil time.Time `json:"learn_until,omitzero"`
	// MaxSilence is the longest the host was seen sending nothing while
	// the baseline learnt (detect_silence.go); zero in older records.
	MaxSilence time.Duration `json:"max_silence,omitempty"`
}

// BaselineLink is a learnt link: a client talking to a server port.
type BaselineLink struct {
	Client    netip.Addr `json:"client"`
	Server    netip.Addr `json:"server"`
	Transport string     `json:"transport"` // "TCP", "UDP", "IP-<n>" (dissectors.Transport)
	Port      uint16     `json:"port"`      // the server's; 0 for protocols without ports
	AppProto  string     `json:"app_proto,omitempty"`
	First     time.Time  `json:"first_seen"`
	Last      time.Time  `json:"last_seen"`
	Flows     uint64     `json:"flows"`
	// Period is the typical gap between the link's activity (flows and
	// flow reports with packets), PeriodDev the typical deviation from it
	// (robust moving averages over Gaps gaps measured while learning) and
	// MaxSilence the longest silence seen while learning
	// (detect_silence.go). Zero in records older than them.
	Period     time.Duration `json:"period,omitempty"`
	PeriodDev  time.Duration `json:"period_dev,omitempty"`
	Gaps       uint64        `json:"gaps,omitempty"`
	MaxSilence time.Duration `json:"max_silence,omitempty"`
}

// BaselineStatus is what a baseline holds, for display.
type BaselineStatus struct {
	Mode     string    `json:"mode"`
	LockedAt time.Time `json:"locked_at,omitzero"` // packet time of the switch to operational
	// LockAfter, when set, is how long a learning baseline learns before
	// it locks itself, counted from LearnFrom (packet time).
	LockAfter time.Duration `json:"lock_after_ns,omitzero"`
	LearnFrom time.Time     `json:"learn_from,omitzero"`
	// First and Last are the packet times of what was learnt.
	First        time.Time      `json:"first_seen,omitzero"`
	Last         time.Time      `json:"last_seen,omitzero"`
	HostCount    int            `json:"host_count"`
	LinkCount    int            `json:"link_count"`
	DroppedHosts uint64         `json:"dropped_hosts"` // new hosts not learnt: MaxHosts reached
	DroppedLinks uint64         `json:"dropped_links"` // new links not learnt: MaxLinks reached
	Hosts        []BaselineHost `json:"hosts"`         // by IP
	Links        []BaselineLink `json:"links"`         // by client, server, transport, port
	// Protocols is what the per-protocol baseline holds (baseline_proto.go).
	Protocols ProtocolStatus `json:"protocols"`
}

// blLinkKey identifies a link; comparable, so that a lookup allocates
// nothing.
type blLinkKey struct {
	client, server netip.Addr
	transport      dissectors.Transport
	port           uint16
}

// blPair is a client and a server, whatever the port.
type blPair struct{ client, server netip.Addr }

type blHost struct {
	BaselineHost
	dirty bool
	watch silenceWatch // the engine's (detect_silence.go)
}

type blLink struct {
	BaselineLink
	flows uint64 // flows since the last load or save (Save adds them)
	gaps  uint64 // gaps measured since the last load or save, likewise
	dirty bool
	watch silenceWatch // the engine's (detect_silence.go)
}

// Baseline is the communication a plant has as normal: its hosts and
// links, learnt from traffic (packet time), and its mode. It is not safe
// for concurrent use: the engine that fills it runs on one goroutine.
type Baseline struct {
	cfg      BaselineConfig
	mode     string
	lockedAt time.Time
	// lockAfter, when set, locks a learning baseline once traffic has
	// been learnt for that long (packet time from learnFrom, the first
	// flow learnt since learning started).
	lockAfter time.Duration
	learnFrom time.Time
	// modeSet is set when Lock, Learn or LearnFor changed the mode since
	// the baseline was loaded or saved: then Save writes it.
	modeSet bool
	hosts   map[netip.Addr]*blHost
	links   map[blLinkKey]*blLink
	pairs   map[blPair]int // links per client and server, for "new port"
	dropped struct{ hosts, links uint64 }
	proto   protoBaseline // Modbus, DNP3, MQTT, TLS (baseline_proto.go)
}

// NewBaseline returns an empty baseline in learning mode.
func NewBaseline(cfg BaselineConfig) *Baseline {
	return &Baseline{
		cfg:   cfg.withDefaults(),
		mode:  ModeLearning,
		hosts: map[netip.Addr]*blHost{},
		links: map[blLinkKey]*blLink{},
		pairs: map[blPair]int{},
		proto: newProtoBaseline(),
	}
}

// Mode returns ModeLearning or ModeOperational.
func (b *Baseline) Mode() string { return b.mode }

// LockedAt returns the packet time the baseline became operational, zero
// while learning.
func (b *Baseline) LockedAt() time.Time { return b.lockedAt }

// Lock switches to operational mode at packet time at: what the
// baseline does not hold raises policy alerts from then on.
func (b *Baseline) Lock(at time.Time) {
	b.mode, b.lockedAt, b.modeSet = ModeOperational, at, true
}

// Learn switches back to learning mode, keeping what was learnt.
func (b *Baseline) Learn() { b.LearnFor(0) }

// LearnFor switches back to learning mode for d of packet time, counted
// from the first flow learnt from now on; then the baseline locks itself.
// d == 0 learns until Lock.
func (b *Baseline) LearnFor(d time.Duration) {
	b.mode, b.lockedAt, b.modeSet = ModeLearning, time.Time{}, true
	b.lockAfter, b.learnFrom = max(d, 0), time.Time{}
}

// autoLock locks a baseline learning for a period once packet time t is
// past it.
func (b *Baseline) autoLock(t time.Time) {
	if b.mode != ModeLearning || b.lockAfter <= 0 || t.IsZero() {
		return
	}
	switch {
	case b.learnFrom.IsZero():
		b.learnFrom, b.modeSet = t, true
	case t.Sub(b.learnFrom) >= b.lockAfter:
		b.Lock(t)
	}
}

// Status returns the mode and a copy of what the baseline holds, sorted.
func (b *Baseline) Status() BaselineStatus {
	s := BaselineStatus{
		Mode: b.mode, LockedAt: b.lockedAt, LockAfter: b.lockAfter, LearnFrom: b.learnFrom,
		HostCount: len(b.hosts), LinkCount: len(b.links),
		DroppedHosts: b.dropped.hosts, DroppedLinks: b.dropped.links,
		Hosts: make([]BaselineHost, 0, len(b.hosts)),
		Links: make([]BaselineLink, 0, len(b.links)),
	}
	for _, h := range b.hosts {
		s.Hosts = append(s.Hosts, h.BaselineHost)
		widenSpan(&s.First, &s.Last, h.First, h.Last)
	}
	for _, l := range b.links {
		s.Links = append(s.Links, l.BaselineLink)
	}
	slices.SortFunc(s.Hosts, func(x, y BaselineHost) int { return x.IP.Compare(y.IP) })
	slices.SortFunc(s.Links, compareLinks)
	s.Protocols = b.proto.status()
	return s
}

func compareLinks(x, y BaselineLink) int {
	return cmp.Or(x.Client.Compare(y.Client), x.Server.Compare(y.Server),
		cmp.Compare(x.Transport, y.Transport), cmp.Compare(x.Port, y.Port))
}

// widen extends [*first, *last] to cover t (a zero bound is unset).
func widen(first, last *time.Time, t time.Time) {
	if t.IsZero() {
		return
	}
	if first.IsZero() || t.Before(*first) {
		*first = t
	}
	if t.After(*last) {
		*last = t
	}
}

// widenSpan extends [*first, *last] to cover [f, l] (zero bounds are
// unset).
func widenSpan(first, last *time.Time, f, l time.Time) {
	widen(first, last, f)
	widen(first, last, l)
}

// station reports whether a is one station's address: not unspecified,
// multicast or the limited broadcast. The baseline learns stations only.
func station(a netip.Addr) bool {
	return a.IsValid() && !a.IsUnspecified() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// host returns the learnt host a, nil when unknown.
func (b *Baseline) host(a netip.Addr) *blHost { return b.hosts[a] }

// seeHost notes a known host seen at t.
func (h *blHost) see(t time.Time) {
	if t.Before(h.First) || t.After(h.Last) {
		widen(&h.First, &h.Last, t)
		h.dirty = true
	}
}

// addHost learns a new host first seen at t, with its own learning window
// until learnUntil (zero: none). It returns nil when MaxHosts is reached.
func (b *Baseline) addHost(a netip.Addr, t, learnUntil time.Time) *blHost {
	if len(b.hosts) >= b.cfg.MaxHosts {
		b.dropped.hosts++
		return nil
	}
	h := &blHost{BaselineHost: BaselineHost{IP: a, First: t, Last: t, LearnUntil: learnUntil}, dirty: true}
	b.hosts[a] = h
	return h
}

// learnHost learns a in learning mode: known or not, it has no window.
// It returns the host, nil when MaxHosts is reached.
func (b *Baseline) learnHost(a netip.Addr, t time.Time) *blHost {
	if h := b.hosts[a]; h != nil {
		h.see(t)
		return h
	}
	return b.addHost(a, t, time.Time{})
}

// inWindow reports whether h is inside its own learning window at t.
func (h *blHost) inWindow(t time.Time) bool {
	return h != nil && !h.LearnUntil.IsZero() && t.Before(h.LearnUntil)
}

// seeLink notes one more flow of a known link at t.
func (l *blLink) see(t time.Time, app string) {
	widen(&l.First, &l.Last, t)
	l.Flows++
	l.flows++
	if app != "" && l.AppProto != app {
		l.AppProto = app
	}
	l.dirty = true
}

// addLink learns a new link with one flow at t; nil when MaxLinks is
// reached.
func (b *Baseline) addLink(k blLinkKey, t time.Time, app string) *blLink {
	if len(b.links) >= b.cfg.MaxLinks {
		b.dropped.links++
		return nil
	}
	l := &blLink{BaselineLink: BaselineLink{
		Client: k.client, Server: k.server, Transport: k.transport.String(), Port: k.port,
		AppProto: app, First: t, Last: t, Flows: 1,
	}, flows: 1, dirty: true}
	b.putLink(k, l)
	return l
}

func (b *Baseline) putLink(k blLinkKey, l *blLink) {
	if b.links[k] == nil {
		b.pairs[blPair{k.client, k.server}]++
	}
	b.links[k] = l
}

// learnLink learns one flow of the link k at t in learning mode and
// returns it, nil when MaxLinks is reached.
func (b *Baseline) learnLink(k blLinkKey, t time.Time, app string) *blLink {
	if l := b.links[k]; l != nil {
		l.see(t, app)
		return l
	}
	return b.addLink(k, t, app)
}

// linkKeyOf returns the key of a stored link.
func linkKeyOf(l *BaselineLink) (blLinkKey, error) {
	t, ok := parseTransport(l.Transport)
	if !ok {
		return blLinkKey{}, fmt.Errorf("link transport %q", l.Transport)
	}
	return blLinkKey{client: l.Client.Unmap(), server: l.Server.Unmap(), transport: t, port: l.Port}, nil
}

// parseTransport reads dissectors.Transport's String.
func parseTransport(s string) (dissectors.Transport, bool) {
	switch s {
	case "TCP":
		return dissectors.TCP, true
	case "UDP":
		return dissectors.UDP, true
	case "ICMP":
		return 1, true
	case "IPv6-ICMP":
		return 58, true
	}
	if len(s) > 3 && s[:3] == "IP-" {
		n := 0
		for _, c := range s[3:] {
			if c < '0' || c > '9' || n > 255 {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		if n <= 255 {
			return dissectors.Transport(n), true
		}
	}
	return 0, false
}

// periodMinGaps is how many gaps a link needs before its period counts.
const periodMinGaps = 8

// samplePeriod adds one gap between the link's activities to its period:
// moving averages with weight 1/8, the gap clamped to [Period/4,
// 4*Period] so that one outlier moves them little.
func (l *blLink) samplePeriod(gap time.Duration) {
	if gap <= 0 {
		return
	}
	l.Gaps++
	l.gaps++
	l.dirty = true
	if l.Period <= 0 {
		l.Period, l.PeriodDev = gap, 0
		return
	}
	g := min(max(gap, l.Period/4), 4*l.Period)
	d := g - l.Period
	l.Period += d / 8
	l.PeriodDev += (max(d, -d) - l.PeriodDev) / 8
}

// regular reports whether the link's learnt activity is periodic: enough
// gaps, deviating by at most half the period on average.
func (l *BaselineLink) regular() bool {
	return l.Gaps >= periodMinGaps && l.Period > 0 && 2*l.PeriodDev <= l.Period
}

// mergePeriod merges into m (this baseline's link, which measured own gaps
// since it was loaded) the stored record r. When the record is still the
// one loaded, m's averages stand; when another writer changed it, they
// are averaged by their gap counts (each capped at 64).
func mergePeriod(m *BaselineLink, own uint64, r *BaselineLink) {
	loaded := m.Gaps - own
	m.Gaps = r.Gaps + own
	m.MaxSilence = max(m.MaxSilence, r.MaxSilence)
	switch {
	case own == 0:
		m.Period, m.PeriodDev = r.Period, r.PeriodDev
	case r.Gaps == loaded || r.Gaps == 0:
	default:
		wr, wo := time.Duration(min(r.Gaps, 64)), time.Duration(min(own, 64))
		m.Period = (r.Period*wr + m.Period*wo) / (wr + wo)
		m.PeriodDev = (r.PeriodDev*wr + m.PeriodDev*wo) / (wr + wo)
	}
}
