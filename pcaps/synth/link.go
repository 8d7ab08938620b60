package synth

import (
	"encoding/binary"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Link is the link-layer header type of the frames a Builder makes.
type Link uint16

// Supported link types; the values are the pcap LINKTYPE_ numbers.
const (
	LinkNull     = Link(layers.LinkTypeNull)      // BSD loopback: 4-byte address family, host byte order (little-endian here)
	LinkEthernet = Link(layers.LinkTypeEthernet)  // Ethernet II with optional 802.1Q / QinQ tags
	LinkRaw      = Link(layers.LinkTypeRaw)       // raw IPv4/IPv6, LINKTYPE_RAW (101)
	LinkSLL      = Link(layers.LinkTypeLinuxSLL)  // Linux cooked capture v1
	LinkSLL2     = Link(layers.LinkTypeLinuxSLL2) // Linux cooked capture v2
)

// LinkType returns l as a gopacket link type.
func (l Link) LinkType() layers.LinkType { return layers.LinkType(l) }

// String names the link type.
func (l Link) String() string { return l.LinkType().String() }

// Linux packet types in SLL and SLL2 headers.
const (
	sllHost      = 0
	sllBroadcast = 1
	sllOutgoing  = 4
)

// sllIfIndex is the interface index written in SLL2 headers.
const sllIfIndex = 2

// prependCooked prepends a Linux SLL or SLL2 header for a frame from src
// carrying etype. outgoing says the capturing host sent it.
func prependCooked(buf gopacket.SerializeBuffer, l Link, src, dst net.HardwareAddr, etype layers.EthernetType, outgoing bool) error {
	ptype := byte(sllHost)
	switch {
	case outgoing:
		ptype = sllOutgoing
	case isBroadcast(dst):
		ptype = sllBroadcast
	}
	if l == LinkSLL {
		h, err := buf.PrependBytes(16)
		if err != nil {
			return err
		}
		binary.BigEndian.PutUint16(h[0:], uint16(ptype))
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[4:], 6)
		copy(h[6:14], src)
		h[12], h[13] = 0, 0
		binary.BigEndian.PutUint16(h[14:], uint16(etype))
		return nil
	}
	h, err := buf.PrependBytes(20)
	if err != nil {
		return err
	}
	binary.BigEndian.PutUint16(h[0:], uint16(etype))
	h[2], h[3] = 0, 0
	binary.BigEndian.PutUint32(h[4:], sllIfIndex)
	binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
	h[10] = ptype
	h[11] = 6
	copy(h[12:20], src)
	h[18], h[19] = 0, 0
	return nil
}

func isBroadcast(mac net.HardwareAddr) bool {
	return len(mac) == 6 && mac[0]&1 == 1
}
