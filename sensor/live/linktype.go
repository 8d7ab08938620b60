package live

import (
	"fmt"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"
)

// ARPHRD_* device types (linux/if_arp.h) a capture understands.
const (
	arphrdEther    = 1
	arphrdLoopback = 772
	arphrdRawIP    = 519
	arphrdNone     = 65534 // tun devices, WireGuard
)

// linkTypeOf returns the link type of the frames an AF_PACKET SOCK_RAW
// socket reads on iface: Ethernet, or raw IP for layer-3 devices. It asks
// the kernel (SIOCGIFHWADDR) in the caller's network namespace.
func linkTypeOf(iface string) (layers.LinkType, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, fmt.Errorf("live: %s: device type: %w", iface, err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(iface)
	if err != nil {
		return 0, fmt.Errorf("live: %s: %w", iface, err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFHWADDR, ifr); err != nil {
		return 0, fmt.Errorf("live: %s: device type: %w", iface, err)
	}
	switch t := ifr.Uint16(); t {
	case arphrdEther, arphrdLoopback:
		return layers.LinkTypeEthernet, nil
	case arphrdRawIP, arphrdNone:
		return layers.LinkTypeRaw, nil
	default:
		return 0, fmt.Errorf("live: %s: device type %d is neither Ethernet nor raw IP", iface, t)
	}
}
