package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// Hosts of the small crafted captures (the plant capture has its own).
var (
	hmi     = synth.Host{MAC: synth.MAC(synth.OUIDell, 0x0a0010), IP: ip4(10, 0, 0, 10), TTL: 128}
	plc1    = synth.Host{MAC: synth.MAC(synth.OUISchneider, 0x0a0021), IP: ip4(10, 0, 0, 21)}
	plc2    = synth.Host{MAC: synth.MAC(synth.OUISiemens, 0x0a0022), IP: ip4(10, 0, 0, 22)}
	gateway = synth.Host{MAC: synth.MAC(synth.OUIMoxa, 0x0a0030), IP: ip4(10, 0, 0, 30)}
	hmi6    = synth.Host{MAC: hmi.MAC, IP: ip6(0x10), TTL: 64}
	plc16   = synth.Host{MAC: plc1.MAC, IP: ip6(0x21)}
)

func ip4(a, b, c, d byte) []byte { return []byte{a, b, c, d} }

// ip6 returns fd00::<last> (a unique local address).
func ip6(last byte) []byte {
	return []byte{0xfd, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last}
}

// Initial sequence numbers, chosen by hand so that crafted files differ.
const (
	isnClient = 0x1a2b3c4d
	isnServer = 0x5e6f7081
)
