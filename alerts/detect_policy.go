package alerts

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
)

// policyFlow learns a new flow into the baseline or, in operational mode,
// raises what the baseline does not hold. It runs once per flow (its
// first update, at the flow's first packet time); for known hosts and
// links it is map lookups on comparable keys and allocates nothing.
func (e *Engine) policyFlow(u *flow.Update) {
	b := e.cfg.Baseline
	f := u.Flow
	t := u.First
	c, s := f.Client.Addr().Unmap(), f.Server.Addr().Unmap()
	cOK, sOK := station(c), station(s)
	k := blLinkKey{client: c, server: s, transport: f.Transport, port: f.Server.Port()}
	swapped := symmetric(f) && s.Less(c)
	if swapped {
		k.client, k.server = s, c
	}
	sl := e.slot(f) // what is found here spares the silence detections a lookup
	if e.cfg.Learn || b.mode != ModeOperational {
		if cOK {
			sl.client = b.learnHost(c, t)
		}
		if sOK {
			sl.server = b.learnHost(s, t)
		}
		if cOK && sOK {
			sl.link = b.learnLink(k, t, f.AppProto)
		}
		return
	}
	if cOK {
		sl.client = e.policyHost(u, c, true)
	}
	if sOK {
		sl.server = e.policyHost(u, s, false)
	}
	if !cOK || !sOK {
		return
	}
	if l := b.links[k]; l != nil {
		l.see(t, f.AppProto)
		sl.link = l
		return
	}
	if !sl.client.inWindow(t) && !sl.server.inWindow(t) {
		e.newLink(u, k, b.pairs[blPair{k.client, k.server}] > 0, swapped)
	}
	sl.link = b.addLink(k, t, f.AppProto)
}

// policyHost returns the learnt host a, one end of u's flow; a host the
// baseline does not hold raises policy.new_device and is learnt with its
// own learning window (nil when the baseline is full).
func (e *Engine) policyHost(u *flow.Update, a netip.Addr, client bool) *blHost {
	b := e.cfg.Baseline
	if h := b.hosts[a]; h != nil {
		h.see(u.First)
		return h
	}
	until := u.First.Add(e.cfg.DeviceLearning)
	f := u.Flow
	k := alertKey{rule: rulePolicyNewDevice, src: netip.AddrPortFrom(a, 0)}
	e.raise(k, u.First, f, func(al *Alert) {
		role := "client"
		if !client {
			role = "server"
			al.Source = Endpoint{IP: a, MAC: macString(f.ServerMAC)}
			al.Destination = Endpoint{IP: f.Client.Addr().Unmap(), MAC: macString(f.ClientMAC)}
		}
		al.Evidence = evidence(map[string]any{
			"device":         a,
			"role":           role,
			"flow":           flowEvidence(f),
			"learning_until": until,
		})
	})
	return b.addHost(a, u.First, until)
}

// symmetric reports whether f's client and server are a guess that
// depends on which packet came first: both use the same port (BACnet,
// NTP, mDNS, DNP3 over UDP between peers) and no SYN tells who opened it.
// The baseline then orders the link's ends by address, so that the same
// peers give the same link in any capture.
func symmetric(f *dissectors.Flow) bool {
	return f.Client.Port() == f.Server.Port() && !(f.Transport == dissectors.TCP && f.Handshake)
}

// newLink raises policy.new_link for u's flow on the link k; knownPair
// tells that the baseline holds other links from that client to that
// server (the title then says "New port"); swapped that k's client is
// the flow's server (see symmetric).
func (e *Engine) newLink(u *flow.Update, k blLinkKey, knownPair, swapped bool) {
	f := u.Flow
	ak := alertKey{rule: rulePolicyNewLink, src: netip.AddrPortFrom(k.client, 0), dst: netip.AddrPortFrom(k.server, k.port), n: uint32(k.transport)}
	e.raise(ak, u.First, f, func(al *Alert) {
		if swapped {
			al.Source = Endpoint{IP: k.client, MAC: macString(f.ServerMAC)}
			al.Destination = Endpoint{IP: k.server, Port: k.port, MAC: macString(f.ClientMAC)}
		}
		svc := k.transport.String()
		if k.transport == dissectors.TCP || k.transport == dissectors.UDP {
			svc += "/" + strconv.Itoa(int(k.port))
		}
		if knownPair {
			al.Title = "New port " + svc + " between a known client and server"
		} else {
			al.Title = "New link " + svc
		}
		al.Evidence = evidence(map[string]any{
			"known_pair": knownPair,
			"flow":       flowEvidence(f),
		})
	})
}

// flowEvidence is what identifies a flow in policy evidence.
func flowEvidence(f *dissectors.Flow) map[string]any {
	m := map[string]any{
		"flow_id":   f.ID,
		"transport": f.Transport.String(),
		"client":    f.Client.Addr().Unmap(),
		"server":    f.Server.Addr().Unmap(),
		"start":     f.Start.Format(time.RFC3339Nano),
	}
	if f.Transport == dissectors.TCP || f.Transport == dissectors.UDP {
		m["port"] = f.Server.Port()
	}
	if f.AppProto != "" {
		m["app_proto"] = f.AppProto
	}
	return m
}
