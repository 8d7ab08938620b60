package inventory

import (
	"strconv"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
)

// HostDNP3 is what DNP3 taught about a host: the link addresses it used as
// a master and as an outstation, and the identities its outstations gave
// in device attributes (group 0), by link address.
type HostDNP3 struct {
	MasterAddresses     []uint16            `json:"master_addresses,omitempty"`
	OutstationAddresses []uint16            `json:"outstation_addresses,omitempty"`
	Identities          map[uint16]Identity `json:"identities,omitempty"`
}

// LinkDNP3 is what DNP3 taught about a link.
type LinkDNP3 struct {
	// FunctionCodes counts application fragments per function code, both
	// directions (requests, responses, unsolicited responses).
	FunctionCodes       map[uint8]uint64 `json:"function_codes"`
	MasterAddresses     []uint16         `json:"master_addresses,omitempty"`
	OutstationAddresses []uint16         `json:"outstation_addresses,omitempty"`
	// IIN lists the internal indications seen set in responses.
	IIN []string `json:"iin,omitempty"`
}

// Role names DNP3 gives hosts, from the link layer's DIR bit rather than
// from who opened the connection (outstations may dial out).
const (
	roleDNP3Master     = "dnp3_master"
	roleDNP3Outstation = "dnp3_outstation"
)

// firstReservedAddress starts the link addresses that name no station
// (reserved, self-address and broadcast: 0xFFF0-0xFFFF).
const firstReservedAddress = 0xFFF0

// flowDNP3 is what a flow's DNP3 records taught since the last fold.
type flowDNP3 struct {
	used      bool
	functions []fcCount
	stations  []dnp3Station // distinct, in order of first use
	iin       uint16
}

// dnp3Station is a link address used by one end of a flow in one role.
type dnp3Station struct {
	sent   dissectors.Direction // the end: the direction it sends in
	addr   uint16
	master bool
}

// maxFlowStations caps the stations remembered per flow between folds.
const maxFlowStations = 16

// dnp3Record learns roles and addresses for both ends, function codes for
// the link, and identities for the outstation.
func (inv *Inventory) dnp3Record(refs *flowRefs, dir dissectors.Direction, r *dnp3.Record) {
	m := &refs.dnp3
	m.used = true
	m.station(dir, r.Src, r.FromMaster)
	m.station(dir.Reverse(), r.Dst, !r.FromMaster)
	if r.LinkOnly {
		return
	}
	m.functions = countFC(m.functions, r.FunctionCode)
	if r.Response {
		m.iin |= r.IIN
	}
	if r.Device == nil || r.FromMaster {
		return
	}
	h := inv.hostOf(refs.end(dir))
	if h == nil {
		return
	}
	h.dirty = true
	d := h.dnp3()
	if d.Identities == nil {
		d.Identities = map[uint16]Identity{}
	}
	cur := d.Identities[r.Src]
	a := r.Device
	merge(&cur.Vendor, a.Vendor)
	merge(&cur.Model, a.Model)
	merge(&cur.Firmware, a.SoftwareVersion)
	merge(&cur.Hardware, a.HardwareVersion)
	merge(&cur.Serial, a.Serial)
	merge(&cur.DeviceName, a.Name)
	merge(&cur.Location, a.Location)
	if !cur.Empty() {
		cur.Source = "dnp3_device_attributes address " + strconv.Itoa(int(r.Src))
		d.Identities[r.Src] = cur
	}
}

func (m *flowDNP3) station(sent dissectors.Direction, addr uint16, master bool) {
	if addr >= firstReservedAddress {
		return
	}
	s := dnp3Station{sent, addr, master}
	for _, o := range m.stations {
		if o == s {
			return
		}
	}
	if len(m.stations) < maxFlowStations {
		m.stations = append(m.stations, s)
	}
}

// foldDNP3 moves a flow's DNP3 learning into its link and hosts. Stations
// are kept across folds: they are few, and re-adding them is cheap.
func (inv *Inventory) foldDNP3(r *flowRefs) {
	m := &r.dnp3
	l := r.link
	ld := l.DNP3
	if ld == nil {
		ld = &LinkDNP3{FunctionCodes: map[uint8]uint64{}}
		l.DNP3 = ld
	}
	for i, c := range m.functions {
		if c.n > 0 {
			ld.FunctionCodes[c.fc] += c.n
			m.functions[i].n = 0
		}
	}
	if m.iin != 0 {
		for _, n := range dnp3.IINNames(m.iin, nil) {
			ld.IIN = addSorted(ld.IIN, n)
		}
		m.iin = 0
	}
	for _, s := range m.stations {
		h := inv.hostOf(r.end(s.sent))
		hd := (*HostDNP3)(nil)
		if h != nil {
			h.dirty = true
			hd = h.dnp3()
		}
		if s.master {
			ld.MasterAddresses = addSorted(ld.MasterAddresses, s.addr)
			if h != nil {
				hd.MasterAddresses = addSorted(hd.MasterAddresses, s.addr)
				h.Roles = addSorted(h.Roles, roleDNP3Master)
			}
			continue
		}
		ld.OutstationAddresses = addSorted(ld.OutstationAddresses, s.addr)
		if h != nil {
			hd.OutstationAddresses = addSorted(hd.OutstationAddresses, s.addr)
			h.Roles = addSorted(h.Roles, roleDNP3Outstation)
		}
	}
}

// dnp3 returns the host's DNP3 record, made on first use.
func (h *Host) dnp3() *HostDNP3 {
	if h.DNP3 == nil {
		h.DNP3 = &HostDNP3{}
	}
	return h.DNP3
}
