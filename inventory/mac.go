package inventory

import (
	"encoding/hex"
	"fmt"
	"net"

	"github.com/gopacket/gopacket/macs"
)

// MAC is an IEEE 802 MAC-48 address. Its text form is "aa:bb:cc:dd:ee:ff".
type MAC [6]byte

func (m MAC) String() string { return net.HardwareAddr(m[:]).String() }

// MarshalText implements encoding.TextMarshaler.
func (m MAC) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *MAC) UnmarshalText(b []byte) error {
	hw, err := net.ParseMAC(string(b))
	if err != nil || len(hw) != 6 {
		return fmt.Errorf("inventory: bad MAC %q", b)
	}
	copy(m[:], hw)
	return nil
}

// ParseMAC parses "aa:bb:cc:dd:ee:ff", "aa-bb-...", or 12 hex digits.
func ParseMAC(s string) (MAC, bool) {
	var m MAC
	if len(s) == 12 {
		if _, err := hex.Decode(m[:], []byte(s)); err == nil {
			return m, true
		}
	}
	return m, m.UnmarshalText([]byte(s)) == nil
}

// Identifies reports whether m names one station: not zero, not a group
// (multicast/broadcast) address.
func (m MAC) Identifies() bool {
	return m != MAC{} && m[0]&1 == 0
}

// Vendor names the organisation the IEEE assigned the address block to,
// from gopacket's OUI table.
func (m MAC) Vendor() string {
	if m[0]&2 != 0 {
		return "(locally administered)"
	}
	return macs.ValidMACPrefixMap[[3]byte{m[0], m[1], m[2]}]
}
