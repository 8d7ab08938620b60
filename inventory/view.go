package inventory

import (
	"net/netip"
	"slices"
	"strings"
	"time"
)

// LinkView is a link as users see it: with the devices at both ends.
type LinkView struct {
	ClientID        string      `json:"client_id"`
	ClientIP        netip.Addr  `json:"client_ip"`
	ServerID        string      `json:"server_id"`
	ServerIP        netip.Addr  `json:"server_ip"`
	Transport       string      `json:"transport"`
	Port            uint16      `json:"port"`
	AppProto        string      `json:"app_proto"`
	FirstSeen       time.Time   `json:"first_seen"`
	LastSeen        time.Time   `json:"last_seen"`
	Flows           uint64      `json:"flows"`
	Packets         uint64      `json:"packets"`
	Bytes           uint64      `json:"bytes"`
	PacketsToServer uint64      `json:"packets_to_server"`
	PacketsToClient uint64      `json:"packets_to_client"`
	Events          uint64      `json:"events"`
	Anomalies       uint64      `json:"anomalies"`
	Modbus          *LinkModbus `json:"modbus,omitempty"`
	DNP3            *LinkDNP3   `json:"dnp3,omitempty"`
	MQTT            *LinkMQTT   `json:"mqtt,omitempty"`
	TLS             *LinkTLS    `json:"tls,omitempty"`
}

// Snapshot is a consistent view of the inventory: devices and the links
// between them.
type Snapshot struct {
	Devices []*Device
	Links   []*LinkView
	byIP    map[netip.Addr]*Device
}

// NewSnapshot returns a snapshot of devices and links, indexed for Find:
// how a client rebuilds one it received as JSON. Links keep the device
// IDs they carry.
func NewSnapshot(devices []*Device, links []*LinkView) *Snapshot {
	s := &Snapshot{Devices: devices, Links: links, byIP: map[netip.Addr]*Device{}}
	for _, d := range devices {
		for _, a := range d.IPs {
			if _, dup := s.byIP[a]; !dup {
				s.byIP[a] = d
			}
		}
	}
	return s
}

// Snapshot derives devices and links.
func (inv *Inventory) Snapshot() *Snapshot {
	inv.foldAll()
	s := NewSnapshot(inv.Devices(), nil)
	for _, l := range inv.links {
		v := &LinkView{
			ClientIP: l.Client, ServerIP: l.Server, Transport: l.Transport, Port: l.Port,
			AppProto: l.AppProto, FirstSeen: l.First, LastSeen: l.Last, Flows: l.Flows,
			Packets: l.Packets[0] + l.Packets[1], Bytes: l.Bytes[0] + l.Bytes[1],
			PacketsToServer: l.Packets[0], PacketsToClient: l.Packets[1],
			Events: l.Events, Anomalies: l.Anomalies, Modbus: l.Modbus, DNP3: l.DNP3, MQTT: l.MQTT, TLS: l.TLS,
		}
		if d := s.byIP[l.Client]; d != nil {
			v.ClientID = d.ID
		}
		if d := s.byIP[l.Server]; d != nil {
			v.ServerID = d.ID
		}
		s.Links = append(s.Links, v)
	}
	slices.SortFunc(s.Links, func(a, b *LinkView) int {
		if c := a.ClientIP.Compare(b.ClientIP); c != 0 {
			return c
		}
		if c := a.ServerIP.Compare(b.ServerIP); c != 0 {
			return c
		}
		if c := strings.Compare(a.Transport, b.Transport); c != 0 {
			return c
		}
		return int(a.Port) - int(b.Port)
	})
	return s
}

// Find returns the device a user means: by ID, IP address, MAC address,
// or unique ID prefix, in that order.
func (s *Snapshot) Find(q string) (*Device, bool) {
	for _, d := range s.Devices {
		if d.ID == q {
			return d, true
		}
	}
	if a, err := netip.ParseAddr(q); err == nil {
		d, ok := s.byIP[a.Unmap()]
		return d, ok
	}
	if m, ok := ParseMAC(q); ok {
		for _, d := range s.Devices {
			if slices.Contains(d.MACs, m) {
				return d, true
			}
		}
	}
	var found *Device
	for _, d := range s.Devices {
		if strings.HasPrefix(d.ID, q) {
			if found != nil {
				return nil, false // ambiguous
			}
			found = d
		}
	}
	return found, found != nil
}

// LinksOf returns the links d takes part in.
func (s *Snapshot) LinksOf(d *Device) []*LinkView {
	var out []*LinkView
	for _, l := range s.Links {
		if l.ClientID == d.ID || l.ServerID == d.ID {
			out = append(out, l)
		}
	}
	return out
}
