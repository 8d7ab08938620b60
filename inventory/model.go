// Package inventory learns devices and links from flows and protocol
// events, keeps them in Badger, and derives the device view users see.
//
// What is stored is close to what was observed: a Host per IP address, a
// MACInfo per MAC address, a Link per client → server port. Devices are
// derived from those on demand (derive.go), so that the rule "MAC + IP on
// the local segment, one device per IP behind a router" is applied to
// everything known, whatever order it was learnt in.
package inventory

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// SchemaVersion is the version of the stored records and of the JSON
// written by the CLI for devices and links.
const SchemaVersion = 1

// Identity is what a device says about itself (Modbus 43/14, DNP3 device
// attributes).
type Identity struct {
	Vendor      string `json:"vendor,omitempty"`
	Product     string `json:"product,omitempty"` // product code
	ProductName string `json:"product_name,omitempty"`
	Model       string `json:"model,omitempty"`
	Firmware    string `json:"firmware,omitempty"` // revision, software version
	Hardware    string `json:"hardware,omitempty"` // hardware version
	Serial      string `json:"serial,omitempty"`
	DeviceName  string `json:"device_name,omitempty"` // user-assigned
	Location    string `json:"location,omitempty"`    // user-assigned
	VendorURL   string `json:"vendor_url,omitempty"`
	Application string `json:"user_application,omitempty"`
	Source      string `json:"source,omitempty"` // e.g. "modbus_read_device_identification unit 1"
}

// Empty reports whether nothing is known.
func (i Identity) Empty() bool { return i == Identity{} }

// Counters are a host's or device's traffic totals.
type Counters struct {
	PacketsSent     uint64 `json:"packets_sent"`
	PacketsReceived uint64 `json:"packets_received"`
	BytesSent       uint64 `json:"bytes_sent"`
	BytesReceived   uint64 `json:"bytes_received"`
	FlowsInitiated  uint64 `json:"flows_initiated"`
	FlowsAccepted   uint64 `json:"flows_accepted"`
	Events          uint64 `json:"events"`
}

func (c *Counters) add(o Counters) {
	c.PacketsSent += o.PacketsSent
	c.PacketsReceived += o.PacketsReceived
	c.BytesSent += o.BytesSent
	c.BytesReceived += o.BytesReceived
	c.FlowsInitiated += o.FlowsInitiated
	c.FlowsAccepted += o.FlowsAccepted
	c.Events += o.Events
}

// Service is a port a host answers on.
type Service struct {
	Transport string `json:"transport"`
	Port      uint16 `json:"port"`
	AppProto  string `json:"app_proto,omitempty"`
}

// MACSeen is a MAC address seen carrying a host's IP.
type MACSeen struct {
	MAC   MAC       `json:"mac"`
	First time.Time `json:"first_seen"`
	Last  time.Time `json:"last_seen"`
}

// UnitIDs is a sorted set of Modbus unit ids. Its JSON is an array of
// numbers ([]uint8 alone would be base64).
type UnitIDs []uint8

// MarshalJSON implements json.Marshaler.
func (u UnitIDs) MarshalJSON() ([]byte, error) {
	b := []byte{'['}
	for i, id := range u {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendUint(b, uint64(id), 10)
	}
	return append(b, ']'), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (u *UnitIDs) UnmarshalJSON(b []byte) error {
	var ids []uint16
	if err := json.Unmarshal(b, &ids); err != nil {
		return err
	}
	*u = (*u)[:0]
	for _, id := range ids {
		if id > 255 {
			return fmt.Errorf("unit id %d out of range", id)
		}
		*u = append(*u, uint8(id))
	}
	return nil
}

// ModbusHost is what Modbus taught about a host.
type ModbusHost struct {
	UnitIDs    UnitIDs            `json:"unit_ids,omitempty"` // units that answered, as a server
	Identities map[uint8]Identity `json:"identities,omitempty"`
	ServerIDs  map[uint8]string   `json:"server_ids,omitempty"` // FC17 report server id, hex
}

// Host is everything learnt about one IP address.
type Host struct {
	V         int         `json:"v"`
	IP        netip.Addr  `json:"ip"`
	First     time.Time   `json:"first_seen"`
	Last      time.Time   `json:"last_seen"`
	MACs      []MACSeen   `json:"macs,omitempty"`
	VLANs     []uint16    `json:"vlans,omitempty"`
	Protocols []string    `json:"protocols,omitempty"`
	Roles     []string    `json:"roles,omitempty"`
	Services  []Service   `json:"services,omitempty"`
	Counters  Counters    `json:"counters"`
	Modbus    *ModbusHost `json:"modbus,omitempty"`
	DNP3      *HostDNP3   `json:"dnp3,omitempty"`
	MQTT      *HostMQTT   `json:"mqtt,omitempty"`
	TLS       *HostTLS    `json:"tls,omitempty"`
	dirty     bool
}

// maxMACIPs caps the IPs remembered per MAC: a router carries thousands,
// and a few are enough to tell it is one.
const maxMACIPs = 64

// MACInfo is everything learnt about one MAC address.
type MACInfo struct {
	V          int          `json:"v"`
	MAC        MAC          `json:"mac"`
	First      time.Time    `json:"first_seen"`
	Last       time.Time    `json:"last_seen"`
	IPs        []netip.Addr `json:"ips,omitempty"`     // IPs seen behind it in IP packets (capped)
	ARPIPs     []netip.Addr `json:"arp_ips,omitempty"` // IPs it claimed in ARP
	VLANs      []uint16     `json:"vlans,omitempty"`
	EtherTypes []uint16     `json:"ethertypes,omitempty"` // non-IP frames it sent
	dirty      bool
}

// LinkModbus is what Modbus taught about a link.
type LinkModbus struct {
	FunctionCodes map[uint8]uint64 `json:"function_codes"` // requests per function code
	UnitIDs       UnitIDs          `json:"unit_ids,omitempty"`
	Exceptions    uint64           `json:"exceptions"`
}

// LinkKey identifies a link: a client talking to a server port.
type LinkKey struct {
	Client, Server netip.Addr
	Transport      uint8
	Port           uint16
}

// Link is a client → server relation, with the traffic it carried.
type Link struct {
	V         int         `json:"v"`
	Client    netip.Addr  `json:"client_ip"`
	Server    netip.Addr  `json:"server_ip"`
	Transport string      `json:"transport"`
	Port      uint16      `json:"port"`
	AppProto  string      `json:"app_proto,omitempty"`
	First     time.Time   `json:"first_seen"`
	Last      time.Time   `json:"last_seen"`
	Flows     uint64      `json:"flows"`
	Packets   [2]uint64   `json:"packets"` // to server, to client
	Bytes     [2]uint64   `json:"bytes"`
	Events    uint64      `json:"events"`
	Anomalies uint64      `json:"anomalies"`
	Modbus    *LinkModbus `json:"modbus,omitempty"`
	DNP3      *LinkDNP3   `json:"dnp3,omitempty"`
	MQTT      *LinkMQTT   `json:"mqtt,omitempty"`
	TLS       *LinkTLS    `json:"tls,omitempty"`
	dirty     bool
}

// seen widens [first, last] to include t.
func seen(first, last *time.Time, t time.Time) {
	if first.IsZero() || t.Before(*first) {
		*first = t
	}
	if t.After(*last) {
		*last = t
	}
}

// addSorted inserts v into the sorted set s.
func addSorted[T interface{ ~uint8 | ~uint16 | ~string }](s []T, v T) []T {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(s, i, v)
}

// addAddr inserts a into the sorted set s, unless s holds max already.
func addAddr(s []netip.Addr, a netip.Addr, max int) []netip.Addr {
	i, found := slices.BinarySearchFunc(s, a, netip.Addr.Compare)
	if found || len(s) >= max {
		return s
	}
	return slices.Insert(s, i, a)
}
