package inventory

import (
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
)

// role returns app's client or server role name without allocating; ""
// for protocols whose records give the roles (DNP3: master, outstation).
func (inv *Inventory) role(app string, client bool) string {
	if app == "dnp3" {
		return ""
	}
	names := inv.roles[app]
	if names == nil {
		names = &[2]string{app + "_client", app + "_server"}
		if app == "mqtt" {
			names[1] = "mqtt_broker"
		}
		inv.roles[app] = names
	}
	if client {
		return names[0]
	}
	return names[1]
}

// Flow implements flow.Observer.
func (inv *Inventory) Flow(u *flow.Update) {
	f := u.Flow
	r := inv.refsForUpdate(f, u.Ended)
	inv.fold(r)
	l := r.link
	l.dirty = true
	seen(&l.First, &l.Last, u.First)
	seen(&l.First, &l.Last, u.Last)
	for d := range 2 {
		l.Packets[d] += u.Packets[d]
		l.Bytes[d] += u.Bytes[d]
	}
	if u.New {
		l.Flows++
	}
	if f.AppProto != "" {
		l.AppProto = f.AppProto
	}
	inv.updateEnd(u, r.end(dissectors.ToServer), dissectors.ToServer)
	inv.updateEnd(u, r.end(dissectors.ToClient), dissectors.ToClient)
	if u.Ended {
		inv.forget(f.ID)
	}
}

// updateEnd updates the host at one end of a flow; sent is the direction
// that end sends in. What needs doing once per flow is done once.
func (inv *Inventory) updateEnd(u *flow.Update, e *flowEnd, sent dissectors.Direction) {
	f := u.Flow
	if e.host == nil && u.Packets[sent] == 0 && f.AppProto == "" {
		if e.host = inv.hosts[e.addr.Unmap()]; e.host == nil {
			return // nothing shows this end exists yet
		}
	}
	h := inv.hostOf(e)
	if h == nil {
		return
	}
	h.dirty = true
	seen(&h.First, &h.Last, u.First)
	seen(&h.First, &h.Last, u.Last)
	recv := sent.Reverse()
	h.Counters.PacketsSent += u.Packets[sent]
	h.Counters.PacketsReceived += u.Packets[recv]
	h.Counters.BytesSent += u.Bytes[sent]
	h.Counters.BytesReceived += u.Bytes[recv]
	client := sent == dissectors.ToServer
	if u.New {
		if client {
			h.Counters.FlowsInitiated++
		} else {
			h.Counters.FlowsAccepted++
		}
		for _, v := range f.VLANs() {
			h.VLANs = addSorted(h.VLANs, v)
		}
	}
	if f.AppProto != e.app {
		e.app = f.AppProto
		e.sent = false // the service gets the app protocol
		h.Protocols = addSorted(h.Protocols, f.AppProto)
		if role := inv.role(f.AppProto, client); role != "" {
			h.Roles = addSorted(h.Roles, role)
		}
	}
	if u.Packets[sent] == 0 {
		return
	}
	fresh := !e.sent
	if fresh {
		e.sent = true
		if !client && (f.Transport == dissectors.TCP || f.Transport == dissectors.UDP) {
			h.addService(Service{Transport: f.Transport.String(), Port: f.Server.Port(), AppProto: f.AppProto})
		}
		if e.macAddr.Identifies() {
			e.mac = inv.mac(e.macAddr)
		}
		if mi := e.mac; mi != nil {
			mi.IPs = addAddr(mi.IPs, h.IP, maxMACIPs)
			for _, v := range f.VLANs() {
				mi.VLANs = addSorted(mi.VLANs, v)
			}
		}
	}
	// The MAC's times move when the flow starts and ends: for long flows,
	// the host's last seen (every update) keeps the device's fresh.
	if mi := e.mac; mi != nil && (fresh || u.Ended) {
		mi.dirty = true
		inv.bindMAC(h, mi.MAC, u.First)
		inv.bindMAC(h, mi.MAC, u.Last)
		seen(&mi.First, &mi.Last, u.First)
		seen(&mi.First, &mi.Last, u.Last)
	}
}

// bindMAC records that m carried h's address at t.
func (inv *Inventory) bindMAC(h *Host, m MAC, t time.Time) {
	for i := range h.MACs {
		if h.MACs[i].MAC == m {
			seen(&h.MACs[i].First, &h.MACs[i].Last, t)
			return
		}
	}
	if len(h.MACs) < maxHostMACs {
		h.MACs = append(h.MACs, MACSeen{MAC: m, First: t, Last: t})
	}
}

func (h *Host) addService(s Service) {
	for i := range h.Services {
		if h.Services[i].Transport == s.Transport && h.Services[i].Port == s.Port {
			if s.AppProto != "" {
				h.Services[i].AppProto = s.AppProto
			}
			return
		}
	}
	if len(h.Services) < maxServices {
		h.Services = append(h.Services, s)
	}
}
