package alerts

import (
	"net/netip"
	"slices"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
)

// The scans are counted over sliding windows of packet time. Flow updates
// come when a flow ends or at a checkpoint, so not in the order flows
// started: each set keeps the newest time it saw and forgets what is older
// than that minus the window; a flow that started earlier than that is not
// counted. Checkpoints (a minute by default) are shorter than the default
// windows, so this loses little.

// target is what a scan reaches: a host (address scan), a transport and
// port (port scan) or a unit id (Modbus unit id scan).
type target struct {
	addr netip.Addr
	n    uint32
}

type seenTarget struct {
	target
	t int64 // the latest time it was reached, Unix ns
}

// targetSet is the distinct targets one source reached within a window.
type targetSet struct {
	items  []seenTarget
	newest int64
	oldest int64 // the least t among items (a lower bound: exact after a sweep)
}

// add notes x reached at t and returns how many distinct targets are
// within window of the newest time, and whether x was not among them. The
// set keeps at most max targets (the threshold: past it, each new target
// replaces the oldest). Expired targets are swept only when the oldest one
// may have expired: a source that keeps reaching the same targets costs a
// read of its set.
func (s *targetSet) add(x target, t, window int64, max int) (distinct int, isNew bool) {
	if t > s.newest {
		s.newest = t
	}
	cutoff := s.newest - window
	if len(s.items) > 0 && s.oldest < cutoff {
		s.sweep(cutoff)
	}
	for i := range s.items {
		if s.items[i].target == x {
			if t > s.items[i].t {
				s.items[i].t = t
			}
			return len(s.items), false
		}
	}
	if t < cutoff {
		return len(s.items), false
	}
	if len(s.items) >= max {
		oldest := 0
		for i, it := range s.items {
			if it.t < s.items[oldest].t {
				oldest = i
			}
		}
		s.items = slices.Delete(s.items, oldest, oldest+1)
	}
	if len(s.items) == 0 || t < s.oldest {
		s.oldest = t
	}
	s.items = append(s.items, seenTarget{x, t})
	return len(s.items), true
}

// sweep forgets the targets reached before cutoff and finds the oldest of
// the others.
func (s *targetSet) sweep(cutoff int64) {
	j := 0
	s.oldest = s.newest
	for _, it := range s.items {
		if it.t < cutoff {
			continue
		}
		s.oldest = min(s.oldest, it.t)
		s.items[j] = it
		j++
	}
	clear(s.items[j:])
	s.items = s.items[:j]
}

func (s *targetSet) lastSeen() int64 { return s.newest }

// timeRing holds the times of the last events of one kind on one link.
type timeRing struct {
	times  []int64
	next   int
	full   bool
	newest int64
}

// add notes an event at t and reports whether the last max events all
// fall within window.
func (r *timeRing) add(t, window int64, max int) bool {
	if len(r.times) != max {
		r.times, r.next, r.full = make([]int64, max), 0, false
	}
	r.newest = max64(r.newest, t)
	r.times[r.next] = t
	r.next++
	if r.next == max {
		r.next, r.full = 0, true
	}
	return r.full && r.times[r.next] >= t-window
}

func (r *timeRing) lastSeen() int64 { return r.newest }

// tracker keeps detection state per key, at most max entries: when full,
// entries idle for longer than the window are forgotten (at most once per
// half window, so that a flood of new keys does not sweep every time), and
// new keys beyond it are dropped.
type tracker[K comparable, V any] struct {
	m         map[K]*V
	lastSweep int64
	swept     bool
}

func newTracker[K comparable, V any]() tracker[K, V] {
	return tracker[K, V]{m: map[K]*V{}}
}

// get returns k's state, creating it; nil when the tracker is full.
func (tr *tracker[K, V]) get(k K, now, window int64, max int, dropped *uint64) *V {
	if v := tr.m[k]; v != nil {
		return v
	}
	if len(tr.m) >= max {
		if !tr.swept || now-tr.lastSweep >= window/2 {
			tr.swept, tr.lastSweep = true, now
			for key, v := range tr.m {
				if any(v).(interface{ lastSeen() int64 }).lastSeen() < now-window {
					delete(tr.m, key)
				}
			}
		}
		if len(tr.m) >= max {
			*dropped++
			return nil
		}
	}
	v := new(V)
	tr.m[k] = v
	return v
}

// hostPair is a source and a destination host.
type hostPair struct{ src, dst netip.Addr }

// scanState is the port and address scan state.
type scanState struct {
	ports tracker[hostPair, targetSet]
	addrs tracker[netip.Addr, targetSet]
}

func newScanState() scanState {
	return scanState{ports: newTracker[hostPair, targetSet](), addrs: newTracker[netip.Addr, targetSet]()}
}

// midstreamPackets: a TCP flow whose SYN was not captured and that sent
// more packets than this to the server was established before the
// capture started, not a probe (FIN, NULL, Xmas and ACK scans send one or
// two packets without a SYN), and is not counted.
const midstreamPackets = 3

// scanFlow counts a new flow toward the port and address scans of its
// client.
func (e *Engine) scanFlow(u *flow.Update) {
	f := u.Flow
	src, dst := f.Client.Addr().Unmap(), f.Server.Addr().Unmap()
	if !src.IsValid() || src.IsUnspecified() || !dst.IsValid() || src == dst {
		return
	}
	if f.Transport == dissectors.TCP && !f.Handshake && u.Packets[dissectors.ToServer] > midstreamPackets {
		return
	}
	t := u.First.UnixNano()
	if port := f.Server.Port(); port != 0 && (f.Transport == dissectors.TCP || f.Transport == dissectors.UDP) {
		e.portScan(u, src, dst, target{n: uint32(f.Transport)<<16 | uint32(port)}, t)
	}
	if unicast(dst) {
		e.addressScan(u, src, dst, t)
	}
}

// unicast reports whether a is one station's address.
func unicast(a netip.Addr) bool {
	return !a.IsUnspecified() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

func (e *Engine) portScan(u *flow.Update, src, dst netip.Addr, x target, t int64) {
	w := int64(e.cfg.PortScanWindow)
	set := e.scans.ports.get(hostPair{src, dst}, t, w, e.cfg.MaxTracked, &e.stats.DroppedState)
	if set == nil {
		return
	}
	n, isNew := set.add(x, t, w, e.cfg.PortScanPorts)
	if !isNew || n < e.cfg.PortScanPorts {
		return
	}
	f := u.Flow
	k := alertKey{rule: rulePortScan, src: netip.AddrPortFrom(src, 0), dst: netip.AddrPortFrom(dst, 0)}
	e.raise(k, u.First, f, func(a *Alert) {
		a.AppProto = ""
		a.Destination.Port = 0
		type port struct {
			Transport string `json:"transport"`
			Port      uint16 `json:"port"`
		}
		ports := make([]port, 0, len(set.items))
		for _, it := range set.items {
			ports = append(ports, port{dissectors.Transport(it.n >> 16).String(), uint16(it.n)})
		}
		slices.SortFunc(ports, func(a, b port) int {
			if a.Transport != b.Transport {
				if a.Transport < b.Transport {
					return -1
				}
				return 1
			}
			return int(a.Port) - int(b.Port)
		})
		a.Evidence = evidence(map[string]any{
			"threshold": e.cfg.PortScanPorts,
			"window":    e.cfg.PortScanWindow.String(),
			"ports":     ports,
		})
	})
}

func (e *Engine) addressScan(u *flow.Update, src, dst netip.Addr, t int64) {
	w := int64(e.cfg.AddressScanWindow)
	set := e.scans.addrs.get(src, t, w, e.cfg.MaxTracked, &e.stats.DroppedState)
	if set == nil {
		return
	}
	n, isNew := set.add(target{addr: dst}, t, w, e.cfg.AddressScanHosts)
	if !isNew || n < e.cfg.AddressScanHosts {
		return
	}
	f := u.Flow
	k := alertKey{rule: ruleAddressScan, src: netip.AddrPortFrom(src, 0)}
	e.raise(k, u.First, f, func(a *Alert) {
		a.AppProto = ""
		a.Destination = Endpoint{}
		hosts := make([]netip.Addr, 0, len(set.items))
		for _, it := range set.items {
			hosts = append(hosts, it.addr)
		}
		slices.SortFunc(hosts, netip.Addr.Compare)
		a.Evidence = evidence(map[string]any{
			"threshold": e.cfg.AddressScanHosts,
			"window":    e.cfg.AddressScanWindow.String(),
			"hosts":     hosts,
		})
	})
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
