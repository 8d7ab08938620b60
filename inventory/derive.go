package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Device is what a user recognises as one device: a station on the local
// segment (a MAC and the IPs it carries as their owner), or an IP address
// seen through a router, or a MAC that only speaks layer 2.
type Device struct {
	ID        string        `json:"id"`
	IPs       []netip.Addr  `json:"ips"`
	MACs      []MAC         `json:"macs"`
	Vendor    string        `json:"vendor"` // from the MAC's OUI
	FirstSeen time.Time     `json:"first_seen"`
	LastSeen  time.Time     `json:"last_seen"`
	Protocols []string      `json:"protocols"`
	Roles     []string      `json:"roles"`
	VLANs     []uint16      `json:"vlans"`
	Identity  Identity      `json:"identity"`
	Router    bool          `json:"router,omitempty"`       // its MAC carries many IPs
	Gateways  []MAC         `json:"gateway_macs,omitempty"` // router MACs its traffic came through
	Services  []Service     `json:"services,omitempty"`
	Modbus    *DeviceModbus `json:"modbus,omitempty"`
	DNP3      *HostDNP3     `json:"dnp3,omitempty"`
	MQTT      *HostMQTT     `json:"mqtt,omitempty"`
	TLS       *HostTLS      `json:"tls,omitempty"`
	Counters  Counters      `json:"counters"`
}

// DeviceModbus is the Modbus part of a device.
type DeviceModbus struct {
	UnitIDs    UnitIDs            `json:"unit_ids"`
	Identities map[uint8]Identity `json:"identities,omitempty"`
	ServerIDs  map[uint8]string   `json:"server_ids,omitempty"`
}

// A MAC carrying at least this many IPv4 addresses (or routerMinIPv6 IPv6
// ones) is a router's: the IPs behind it are devices of their own.
const (
	routerMinIPv4 = 3
	routerMinIPv6 = 6
)

// isRouter reports whether mi forwards for others: it carries many IPs,
// or it claims an IPv4 address in ARP and carries another, from another
// /24, in IP packets.
func (mi *MACInfo) isRouter() bool {
	v4, v6, foreign := 0, 0, false
	for _, a := range mi.IPs {
		if !a.Is4() {
			v6++
			continue
		}
		v4++
		if len(mi.ARPIPs) > 0 && !slices.ContainsFunc(mi.ARPIPs, func(own netip.Addr) bool { return sameSlash24(own, a) }) {
			foreign = true
		}
	}
	return v4 >= routerMinIPv4 || v6 >= routerMinIPv6 || foreign
}

func sameSlash24(a, b netip.Addr) bool {
	if !a.Is4() || !b.Is4() {
		return false
	}
	x, y := a.As4(), b.As4()
	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2]
}

// Devices derives the device list, sorted by ID.
func (inv *Inventory) Devices() []*Device {
	inv.foldAll()
	var out []*Device
	owned := map[netip.Addr]bool{} // IPs that belong to a local MAC's device
	for _, mi := range inv.macs {
		router := mi.isRouter()
		d := &Device{MACs: []MAC{mi.MAC}, Router: router, FirstSeen: mi.First, LastSeen: mi.Last}
		if router {
			d.Roles = []string{"router"}
		}
		d.VLANs = append(d.VLANs, mi.VLANs...)
		ips := slices.Clone(mi.ARPIPs)
		if !router {
			for _, a := range mi.IPs {
				ips = addAddr(ips, a, len(mi.IPs)+len(mi.ARPIPs))
			}
		}
		for _, a := range ips {
			owned[a] = true
			if h := inv.hosts[a]; h != nil {
				d.addHost(h)
			}
		}
		for _, et := range mi.EtherTypes {
			if name := etherTypeNames[et]; name != "" {
				d.Protocols = addSorted(d.Protocols, name)
			}
		}
		d.ID = deviceID("mac", mi.MAC.String())
		out = append(out, d)
	}
	for a, h := range inv.hosts {
		if owned[a] || !h.active() {
			continue
		}
		d := &Device{ID: deviceID("ip", a.String()), FirstSeen: h.First, LastSeen: h.Last}
		d.addHost(h)
		for _, ms := range h.MACs {
			if mi := inv.macs[ms.MAC]; mi != nil && mi.isRouter() {
				d.Gateways = append(d.Gateways, ms.MAC)
			}
		}
		out = append(out, d)
	}
	for _, d := range out {
		d.finish()
	}
	slices.SortFunc(out, func(a, b *Device) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// active reports whether a host showed it exists: it sent something, or
// a protocol gave it a role.
func (h *Host) active() bool {
	return h.Counters.PacketsSent > 0 || len(h.Roles) > 0 || len(h.MACs) > 0
}

// addHost merges h into d.
func (d *Device) addHost(h *Host) {
	d.IPs = addAddr(d.IPs, h.IP, 1<<30)
	if !h.First.IsZero() {
		seen(&d.FirstSeen, &d.LastSeen, h.First)
	}
	seen(&d.FirstSeen, &d.LastSeen, h.Last)
	for _, p := range h.Protocols {
		d.Protocols = addSorted(d.Protocols, p)
	}
	for _, r := range h.Roles {
		d.Roles = addSorted(d.Roles, r)
	}
	for _, v := range h.VLANs {
		d.VLANs = addSorted(d.VLANs, v)
	}
	d.Services = append(d.Services, h.Services...)
	d.Counters.add(h.Counters)
	if m := h.Modbus; m != nil {
		if d.Modbus == nil {
			d.Modbus = &DeviceModbus{}
		}
		for _, u := range m.UnitIDs {
			d.Modbus.UnitIDs = addSorted(d.Modbus.UnitIDs, u)
		}
		for u, id := range m.Identities {
			if d.Modbus.Identities == nil {
				d.Modbus.Identities = map[uint8]Identity{}
			}
			d.Modbus.Identities[u] = id
		}
		for u, s := range m.ServerIDs {
			if d.Modbus.ServerIDs == nil {
				d.Modbus.ServerIDs = map[uint8]string{}
			}
			d.Modbus.ServerIDs[u] = s
		}
	}
	if h.DNP3 != nil {
		d.addDNP3(h.DNP3)
	}
	if h.MQTT != nil {
		d.addMQTT(h.MQTT)
	}
	if h.TLS != nil {
		d.addTLS(h.TLS)
	}
}

// addDNP3 merges a host's DNP3 addresses and identities into d.
func (d *Device) addDNP3(h *HostDNP3) {
	if d.DNP3 == nil {
		d.DNP3 = &HostDNP3{}
	}
	for _, a := range h.MasterAddresses {
		d.DNP3.MasterAddresses = addSorted(d.DNP3.MasterAddresses, a)
	}
	for _, a := range h.OutstationAddresses {
		d.DNP3.OutstationAddresses = addSorted(d.DNP3.OutstationAddresses, a)
	}
	for a, id := range h.Identities {
		if d.DNP3.Identities == nil {
			d.DNP3.Identities = map[uint16]Identity{}
		}
		d.DNP3.Identities[a] = id
	}
}

// finish fills the derived fields and makes the output deterministic.
func (d *Device) finish() {
	if len(d.MACs) > 0 {
		d.Vendor = d.MACs[0].Vendor()
	}
	slices.Sort(d.VLANs)
	d.VLANs = slices.Compact(d.VLANs)
	slices.SortFunc(d.Services, func(a, b Service) int {
		if c := strings.Compare(a.Transport, b.Transport); c != 0 {
			return c
		}
		if a.Port != b.Port {
			return int(a.Port) - int(b.Port)
		}
		return strings.Compare(a.AppProto, b.AppProto)
	})
	d.Services = slices.Compact(d.Services)
	slices.SortFunc(d.Gateways, func(a, b MAC) int { return strings.Compare(a.String(), b.String()) })
	if d.Modbus != nil && len(d.Modbus.Identities) > 0 {
		// The lowest unit speaks for the device.
		units := make([]uint8, 0, len(d.Modbus.Identities))
		for u := range d.Modbus.Identities {
			units = append(units, u)
		}
		slices.Sort(units)
		d.Identity = d.Modbus.Identities[units[0]]
	} else if d.DNP3 != nil && len(d.DNP3.Identities) > 0 {
		// So does the lowest outstation address.
		d.Identity = d.DNP3.Identities[slices.Sorted(maps.Keys(d.DNP3.Identities))[0]]
	}
	for _, s := range []*[]string{&d.Protocols, &d.Roles} {
		if *s == nil {
			*s = []string{}
		}
	}
	if d.IPs == nil {
		d.IPs = []netip.Addr{}
	}
	if d.MACs == nil {
		d.MACs = []MAC{}
	}
	if d.VLANs == nil {
		d.VLANs = []uint16{}
	}
}

// deviceID is a short stable id for a device, from what identifies it.
func deviceID(kind, key string) string {
	sum := sha256.Sum256([]byte(kind + "|" + key))
	return hex.EncodeToString(sum[:6])
}

// etherTypeNames names the layer-2 protocols worth listing on a device.
var etherTypeNames = map[uint16]string{
	0x88b8: "goose",
	0x88ba: "sv",
	0x88b9: "gse_management",
	0x8892: "profinet",
	0x88cc: "lldp",
	0x88f7: "ptp",
	0x88a4: "ethercat",
	0x88ab: "powerlink",
	0x8204: "qnx_qnet",
}
