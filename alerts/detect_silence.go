package alerts

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
)

// Silence detections: policy.channel_inactive (a polling link without
// traffic beyond its learnt period) and policy.device_silent (a host that
// talked regularly sends nothing for Config.DeviceSilence).
//
// Packet time drives them: the engine's clock is the latest Last of the
// flow updates, and a silence is measured from the later of the last
// activity this engine saw, the link's (host's) first packet in the
// baseline and the first update of this input (a sensor that was stopped
// or a capture that starts later proves nothing). Updates report long
// flows once per flow checkpoint (1 minute), so the floor of the link
// threshold, Config.ChannelInactiveMin (default 2 minutes), must exceed it.
//
// While the baseline learns, the same silences are measured and the
// longest is kept (MaxSilence): a link or host that was silent beyond its
// threshold while learning is not watched, so that replaying what was
// learnt raises nothing. Periods are learnt in learning mode (or with
// Config.Learn) only.
//
// The work per update is a map lookup per end and per link, and the
// deadlines due in a min-heap (lazy: a deadline that activity moved is
// pushed again when popped): at most maxSilenceChecks pops per update.
// Switching the baseline's mode rebuilds the heap once.

const maxSilenceChecks = 256

// The heap's contents, by the mode they were built for.
const (
	watchNone = iota
	watchLearning
	watchOperational
)

// silenceState keeps its times as Unix nanoseconds: the work per flow
// update is a few integer comparisons.
type silenceState struct {
	started    bool
	start, now int64
	mode       int
	due        []silenceDue
}

// silenceWatch is one link's or host's activity in this engine, kept in
// the baseline's entry (blLink.watch, blHost.watch): one engine runs on a
// baseline at a time, and a new engine clears them (startSilence).
type silenceWatch struct {
	last      int64 // latest activity (for hosts: sending) seen, Unix ns; 0: none
	due       int64 // deadline queued, valid when queued
	queued    bool
	fired     bool   // silent beyond the threshold; re-armed by activity
	qualified bool   // watched in operational mode
	flow      uint64 // the flow of the latest activity
}

// silenceDue is a deadline of a link's or (link nil) a host's watch.
type silenceDue struct {
	at   int64
	link *blLink
	host *blHost
}

// channelThreshold is how long the link l may stay silent.
func (e *Engine) channelThreshold(l *BaselineLink) time.Duration {
	return max(3*l.Period, e.cfg.ChannelInactiveMin)
}

// The alerts name the flow of the latest activity seen (zero when none
// was seen in this input).

// silenceFlow notes u's activity, advances the clock and checks the
// deadlines due. It runs for every update when the engine has a baseline.
func (e *Engine) silenceFlow(u *flow.Update) {
	b, s := e.cfg.Baseline, &e.silence
	if u.Flow == nil {
		return
	}
	if !s.started {
		e.startSilence(u.First)
	}
	learning := e.cfg.Learn || b.mode != ModeOperational
	if want := watchOperational; learning != (s.mode == watchLearning) || s.mode == watchNone {
		if learning {
			want = watchLearning
		}
		e.rebuildSilence(want)
	}
	f := u.Flow
	sl := e.slot(f)
	t := u.Last.UnixNano()
	if u.New || u.Packets != [2]uint64{} {
		if sl.link == nil {
			sl.link = e.linkOf(f)
		}
		if sl.link != nil {
			// The end of a flow is activity, not a new poll: a link polled
			// with a connection each time would learn the connections'
			// length as its period.
			e.linkActive(sl.link, t, f.ID, learning, u.New || !u.Ended)
		}
	}
	if sl.client == nil {
		sl.client = e.hostOf(f.Client.Addr())
	}
	if sl.server == nil {
		sl.server = e.hostOf(f.Server.Addr())
	}
	e.hostActive(sl.client, t, f.ID, u.Packets[dissectors.ToServer] > 0, learning)
	e.hostActive(sl.server, t, f.ID, u.Packets[dissectors.ToClient] > 0, learning)
	if t > s.now {
		s.now = t
	}
	e.checkSilence(learning)
}

// startSilence starts this engine's watches at the first update's time:
// what an engine before it left in the baseline's watches is cleared.
func (e *Engine) startSilence(first time.Time) {
	s := &e.silence
	t := first.UnixNano()
	s.started, s.start, s.now = true, t, t
	for _, l := range e.cfg.Baseline.links {
		l.watch = silenceWatch{}
	}
	for _, h := range e.cfg.Baseline.hosts {
		h.watch = silenceWatch{}
	}
}

// linkOf returns the learnt link of f, nil when the baseline does not
// hold it.
func (e *Engine) linkOf(f *dissectors.Flow) *blLink {
	c, sv := f.Client.Addr().Unmap(), f.Server.Addr().Unmap()
	if !station(c) || !station(sv) {
		return nil
	}
	k := blLinkKey{client: c, server: sv, transport: f.Transport, port: f.Server.Port()}
	if symmetric(f) && sv.Less(c) {
		k.client, k.server = sv, c
	}
	return e.cfg.Baseline.links[k]
}

// hostOf returns the learnt host a, nil when the baseline does not hold it.
func (e *Engine) hostOf(a netip.Addr) *blHost {
	a = a.Unmap()
	if !station(a) {
		return nil
	}
	return e.cfg.Baseline.hosts[a]
}

// base is where a silence after last (0: none seen) starts: the latest of
// last, the entry's first packet in the baseline and the start of this
// input.
func (s *silenceState) base(last int64, first time.Time) int64 {
	b := max(s.start, last)
	if !first.IsZero() {
		b = max(b, first.UnixNano())
	}
	return b
}

// nsTime turns Unix nanoseconds back into a time for alerts.
func nsTime(ns int64) time.Time { return time.Unix(0, ns).UTC() }

func (e *Engine) linkActive(l *blLink, t int64, id uint64, learning, sample bool) {
	s, w := &e.silence, &l.watch
	if learning {
		if sil := time.Duration(s.now - s.base(w.last, l.First)); sil > l.MaxSilence {
			l.MaxSilence, l.dirty = sil, true
		}
		if sample && w.last != 0 && t > w.last {
			l.samplePeriod(time.Duration(t - w.last))
		}
	}
	if t > w.last {
		w.last, w.flow = t, id
	}
	w.fired = false
	if (learning && l.Period > 0) || (!learning && w.qualified) {
		s.queue(w, silenceDue{at: s.base(w.last, l.First) + int64(e.channelThreshold(&l.BaselineLink)), link: l})
	}
}

// hostActive notes the activity of the learnt host h (nil: none), one end
// of a flow; sent tells it sent packets.
func (e *Engine) hostActive(h *blHost, t int64, id uint64, sent, learning bool) {
	if h == nil {
		return
	}
	s, w := &e.silence, &h.watch
	if sent {
		if learning {
			if sil := time.Duration(s.now - s.base(w.last, h.First)); sil > h.MaxSilence {
				h.MaxSilence, h.dirty = sil, true
			}
		}
		if t > w.last {
			w.last, w.flow = t, id
		}
		w.fired = false
	}
	if !w.fired && (learning || w.qualified) {
		s.queue(w, silenceDue{at: s.base(w.last, h.First) + int64(e.cfg.DeviceSilence), host: h})
	}
}

// queue pushes d unless w's queued deadline is the same or earlier.
func (s *silenceState) queue(w *silenceWatch, d silenceDue) {
	if w.queued && d.at >= w.due {
		return
	}
	w.queued, w.due = true, d.at
	s.push(d)
}

// rebuildSilence starts watching for mode: in learning mode every link
// with a period and every host, in operational mode the qualified ones.
func (e *Engine) rebuildSilence(mode int) {
	b, s := e.cfg.Baseline, &e.silence
	s.mode = mode
	s.due = s.due[:0]
	for _, l := range b.links {
		l.watch.queued, l.watch.fired, l.watch.qualified = false, false, false
	}
	for _, h := range b.hosts {
		h.watch.queued, h.watch.fired, h.watch.qualified = false, false, false
	}
	for _, l := range b.links {
		ok := l.Period > 0
		if mode == watchOperational {
			ok = l.regular() && l.MaxSilence <= e.channelThreshold(&l.BaselineLink)
		}
		if !ok {
			continue
		}
		w := &l.watch
		w.qualified = mode == watchOperational
		s.queue(w, silenceDue{at: s.base(w.last, l.First) + int64(e.channelThreshold(&l.BaselineLink)), link: l})
		if mode == watchOperational {
			e.qualifyHost(b.hosts[l.Client])
			e.qualifyHost(b.hosts[l.Server])
		}
	}
	if mode == watchLearning {
		for _, h := range b.hosts {
			e.qualifyHost(h)
		}
	}
}

// qualifyHost watches the host h (nil: none): in operational mode when it
// was never silent beyond Config.DeviceSilence while learning.
func (e *Engine) qualifyHost(h *blHost) {
	if h == nil {
		return
	}
	s, w := &e.silence, &h.watch
	if s.mode == watchOperational {
		if h.MaxSilence > e.cfg.DeviceSilence {
			return
		}
		w.qualified = true
	}
	s.queue(w, silenceDue{at: s.base(w.last, h.First) + int64(e.cfg.DeviceSilence), host: h})
}

// checkSilence pops the deadlines before the clock: a watch still silent
// beyond its threshold fires (learning: its silence is kept; operational:
// an alert), one whose activity moved the deadline is queued again.
func (e *Engine) checkSilence(learning bool) {
	s := &e.silence
	for n := 0; n < maxSilenceChecks && len(s.due) > 0 && s.due[0].at < s.now; n++ {
		d := s.pop()
		if h := d.host; h != nil {
			w := &h.watch
			if !w.queued || w.due != d.at {
				continue
			}
			w.queued = false
			base := s.base(w.last, h.First)
			if due := base + int64(e.cfg.DeviceSilence); due >= s.now {
				s.queue(w, silenceDue{at: due, host: h})
				continue
			}
			w.fired = true
			sil := time.Duration(s.now - base)
			if learning {
				if sil > h.MaxSilence {
					h.MaxSilence, h.dirty = sil, true
				}
				continue
			}
			e.deviceSilent(h.IP, w.flow, base, sil)
			continue
		}
		l := d.link
		w := &l.watch
		if !w.queued || w.due != d.at {
			continue
		}
		w.queued = false
		base := s.base(w.last, l.First)
		thr := e.channelThreshold(&l.BaselineLink)
		if due := base + int64(thr); due >= s.now {
			s.queue(w, silenceDue{at: due, link: l})
			continue
		}
		w.fired = true
		sil := time.Duration(s.now - base)
		if learning {
			if sil > l.MaxSilence {
				l.MaxSilence, l.dirty = sil, true
			}
			continue
		}
		if k, err := linkKeyOf(&l.BaselineLink); err == nil {
			e.channelInactive(k, l, w.flow, base, sil, thr)
		}
	}
}

// channelInactive raises policy.channel_inactive for the link k, silent
// since base for sil.
func (e *Engine) channelInactive(k blLinkKey, l *blLink, flowID uint64, base int64, sil, thr time.Duration) {
	ak := alertKey{rule: rulePolicyChannelInactive, src: netip.AddrPortFrom(k.client, 0), dst: netip.AddrPortFrom(k.server, k.port), n: uint32(k.transport)}
	e.raise(ak, nsTime(e.silence.now), nil, func(al *Alert) {
		svc := k.transport.String()
		if k.transport == dissectors.TCP || k.transport == dissectors.UDP {
			svc += "/" + strconv.Itoa(int(k.port))
		}
		al.Title = "Communication channel inactive: " + svc
		al.AppProto, al.FlowID = l.AppProto, flowID
		al.Source = Endpoint{IP: k.client}
		al.Destination = Endpoint{IP: k.server, Port: k.port}
		al.Evidence = evidence(map[string]any{
			"transport":     k.transport.String(),
			"silent_since":  nsTime(base).Format(time.RFC3339Nano),
			"silence":       sil.String(),
			"period":        l.Period.String(),
			"threshold":     thr.String(),
			"learnt_flows":  l.Flows,
			"learnt_gaps":   l.Gaps,
			"learnt_silent": l.MaxSilence.String(),
		})
	})
}

// deviceSilent raises policy.device_silent for the host a, sending
// nothing since base for sil.
func (e *Engine) deviceSilent(a netip.Addr, flowID uint64, base int64, sil time.Duration) {
	ak := alertKey{rule: rulePolicyDeviceSilent, src: netip.AddrPortFrom(a, 0)}
	e.raise(ak, nsTime(e.silence.now), nil, func(al *Alert) {
		al.Source, al.FlowID = Endpoint{IP: a}, flowID
		al.Evidence = evidence(map[string]any{
			"device":       a,
			"silent_since": nsTime(base).Format(time.RFC3339Nano),
			"silence":      sil.String(),
			"threshold":    e.cfg.DeviceSilence.String(),
		})
	})
}

// push and pop keep s.due a min-heap by deadline.
func (s *silenceState) push(d silenceDue) {
	s.due = append(s.due, d)
	i := len(s.due) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s.due[i].at >= s.due[p].at {
			break
		}
		s.due[i], s.due[p] = s.due[p], s.due[i]
		i = p
	}
}

func (s *silenceState) pop() silenceDue {
	h := s.due
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		c := 2*i + 1
		if c >= len(h) {
			break
		}
		if c+1 < len(h) && h[c+1].at < h[c].at {
			c++
		}
		if h[c].at >= h[i].at {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	s.due = h
	return top
}
