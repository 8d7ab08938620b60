package inventory

import (
	"net/netip"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
)

// maxServices caps the services remembered per host (a scanned host
// answers on many ports).
const maxServices = 64

// maxHostMACs caps the MACs remembered per IP (an IP behind several
// routers, or one that moves).
const maxHostMACs = 16

// Inventory is the in-memory model. It implements flow.Observer and is
// used from one goroutine; Store persists it.
type Inventory struct {
	hosts map[netip.Addr]*Host
	macs  map[MAC]*MACInfo
	links map[LinkKey]*Link

	// the link of the last event, events come in bursts per flow
	lastFlow *dissectors.Flow
	lastLink *Link
}

var _ flow.Observer = (*Inventory)(nil)

// New returns an empty Inventory.
func New() *Inventory {
	return &Inventory{
		hosts: map[netip.Addr]*Host{},
		macs:  map[MAC]*MACInfo{},
		links: map[LinkKey]*Link{},
	}
}

// Len returns the number of hosts, MACs and links known.
func (inv *Inventory) Len() (hosts, macs, links int) {
	return len(inv.hosts), len(inv.macs), len(inv.links)
}

// hostable reports whether a is one station's address.
func hostable(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsUnspecified() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

func (inv *Inventory) host(a netip.Addr) *Host {
	a = a.Unmap()
	h := inv.hosts[a]
	if h == nil {
		h = &Host{V: SchemaVersion, IP: a}
		inv.hosts[a] = h
	}
	h.dirty = true
	return h
}

func (inv *Inventory) mac(m MAC) *MACInfo {
	mi := inv.macs[m]
	if mi == nil {
		mi = &MACInfo{V: SchemaVersion, MAC: m}
		inv.macs[m] = mi
	}
	mi.dirty = true
	return mi
}

func (inv *Inventory) link(f *dissectors.Flow) *Link {
	if f == inv.lastFlow && inv.lastLink != nil {
		inv.lastLink.dirty = true
		return inv.lastLink
	}
	k := LinkKey{Client: f.Client.Addr().Unmap(), Server: f.Server.Addr().Unmap(), Transport: uint8(f.Transport), Port: f.Server.Port()}
	l := inv.links[k]
	if l == nil {
		l = &Link{V: SchemaVersion, Client: k.Client, Server: k.Server, Transport: f.Transport.String(), Port: k.Port}
		inv.links[k] = l
	}
	l.dirty = true
	inv.lastFlow, inv.lastLink = f, l
	return l
}

// Flow implements flow.Observer.
func (inv *Inventory) Flow(u *flow.Update) {
	f := u.Flow
	l := inv.link(f)
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
	inv.flowEnd(u, f.Client.Addr(), MAC(f.ClientMAC), dissectors.ToServer)
	inv.flowEnd(u, f.Server.Addr(), MAC(f.ServerMAC), dissectors.ToClient)
	if u.Ended {
		inv.lastFlow, inv.lastLink = nil, nil
	}
}

// flowEnd updates the host at one end of a flow; sent is the direction
// that end sends in.
func (inv *Inventory) flowEnd(u *flow.Update, a netip.Addr, m MAC, sent dissectors.Direction) {
	if !hostable(a) {
		return
	}
	f := u.Flow
	h := inv.host(a)
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
	}
	for _, v := range f.VLANs() {
		h.VLANs = addSorted(h.VLANs, v)
	}
	if f.AppProto != "" {
		h.Protocols = addSorted(h.Protocols, f.AppProto)
		if client {
			h.Roles = addSorted(h.Roles, f.AppProto+"_client")
		} else {
			h.Roles = addSorted(h.Roles, f.AppProto+"_server")
		}
	}
	if u.Packets[sent] == 0 {
		return
	}
	if !client && (f.Transport == dissectors.TCP || f.Transport == dissectors.UDP) {
		h.addService(Service{Transport: f.Transport.String(), Port: f.Server.Port(), AppProto: f.AppProto})
	}
	if m.Identifies() {
		inv.bindMAC(h, m, u.First)
		inv.bindMAC(h, m, u.Last)
		mi := inv.mac(m)
		seen(&mi.First, &mi.Last, u.First)
		seen(&mi.First, &mi.Last, u.Last)
		mi.IPs = addAddr(mi.IPs, h.IP, maxMACIPs)
		for _, v := range f.VLANs() {
			mi.VLANs = addSorted(mi.VLANs, v)
		}
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

// Neighbor implements flow.Observer.
func (inv *Inventory) Neighbor(n *flow.Neighbor) {
	m := MAC(n.MAC)
	if !m.Identifies() {
		return
	}
	mi := inv.mac(m)
	seen(&mi.First, &mi.Last, n.Time)
	for _, v := range n.VLAN[:n.NVLAN] {
		mi.VLANs = addSorted(mi.VLANs, v)
	}
	if !n.HasIP {
		mi.EtherTypes = addSorted(mi.EtherTypes, uint16(n.EtherType))
		return
	}
	a := netip.AddrFrom4(n.IP)
	if !hostable(a) {
		return
	}
	mi.ARPIPs = addAddr(mi.ARPIPs, a, maxMACIPs)
	h := inv.host(a)
	seen(&h.First, &h.Last, n.Time)
	for _, v := range n.VLAN[:n.NVLAN] {
		h.VLANs = addSorted(h.VLANs, v)
	}
	inv.bindMAC(h, m, n.Time)
}

// Event implements flow.Observer.
func (inv *Inventory) Event(ev *dissectors.Event) {
	if ev.Flow == nil {
		return
	}
	l := inv.link(ev.Flow)
	if ev.Anomaly != nil {
		l.Anomalies++
		return
	}
	l.Events++
	inv.protocolEvent(ev, l)
}
