package synth

import (
	"fmt"
	"net"
	"net/netip"
)

// OUI is the vendor prefix of a MAC address.
type OUI [3]byte

// Vendor prefixes used for realistic plant MAC addresses.
var (
	OUISchneider = OUI{0x00, 0x80, 0xF4}
	OUISiemens   = OUI{0x00, 0x0E, 0x8C}
	OUIRockwell  = OUI{0x00, 0x00, 0xBC}
	OUIPhoenix   = OUI{0x00, 0xA0, 0x45}
	OUIMoxa      = OUI{0x00, 0x90, 0xE8}
	OUICisco     = OUI{0x00, 0x00, 0x0C}
	OUIDell      = OUI{0x00, 0x14, 0x22}
	OUIHP        = OUI{0x00, 0x1B, 0x78}
)

// MAC returns the address with vendor prefix o and device number n (the
// low 24 bits of n fill the NIC-specific part).
func MAC(o OUI, n uint32) net.HardwareAddr {
	return net.HardwareAddr{o[0], o[1], o[2], byte(n >> 16), byte(n >> 8), byte(n)}
}

// Broadcast is the Ethernet broadcast address.
var Broadcast = net.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// Host is one end of a conversation as the capture point sees it: the IP
// address and the MAC address frames to or from it carry on the wire. For
// a host behind a router, MAC is the router's.
type Host struct {
	MAC net.HardwareAddr
	IP  net.IP // 4 bytes for IPv4, 16 for IPv6
	TTL uint8  // IPv4 TTL / IPv6 hop limit of its packets; 0 means 64
}

// NewHost returns a Host, or an error if mac or ip does not parse.
func NewHost(mac, ip string) (Host, error) {
	hw, err := net.ParseMAC(mac)
	if err != nil {
		return Host{}, err
	}
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return Host{}, err
	}
	return Host{MAC: hw, IP: IP(a)}, nil
}

// MustHost is NewHost for constants; it panics on a malformed address.
func MustHost(mac, ip string) Host {
	h, err := NewHost(mac, ip)
	if err != nil {
		panic(fmt.Sprintf("synth.MustHost(%q, %q): %v", mac, ip, err))
	}
	return h
}

// IP converts a to the net.IP form gopacket layers use: 4 bytes for IPv4
// (including IPv4-mapped IPv6), 16 for IPv6.
func IP(a netip.Addr) net.IP {
	a = a.Unmap()
	if a.Is4() {
		b := a.As4()
		return net.IP(b[:])
	}
	b := a.As16()
	return net.IP(b[:])
}

// Via returns h as seen behind a router: same IP and TTL, the router's MAC.
func (h Host) Via(router net.HardwareAddr) Host {
	h.MAC = router
	return h
}

func (h Host) is6() bool { return len(h.IP) == net.IPv6len }

func (h Host) ttl() uint8 {
	if h.TTL == 0 {
		return 64
	}
	return h.TTL
}
