package live

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
)

// vlanTagLen is an 802.1Q tag: TPID and TCI.
const vlanTagLen = 4

// macsLen is the destination and source MAC addresses the tag follows.
const macsLen = 12

// vlanOf returns the VLAN id the kernel stripped from the frame (it
// removes the outer 802.1Q or 802.1ad tag of received frames and reports
// it beside the frame), if any.
func vlanOf(ci *gopacket.CaptureInfo) (uint16, bool) {
	for _, a := range ci.AncillaryData {
		if v, ok := a.(afpacket.AncillaryVLAN); ok {
			return uint16(v.VLAN) & 0x0fff, true
		}
	}
	return 0, false
}

// retag puts the stripped tag back behind the MAC addresses, into buf
// (grown when too small, which is rare), so that the frame reaches the
// decoder as it was on the wire and as a capture file holds it: flows and
// devices keep their VLANs. The TPID is written as 802.1Q and the priority
// as 0: the decoder uses neither. ci's lengths grow by the tag.
func retag(buf *[]byte, data []byte, vlan uint16, ci *gopacket.CaptureInfo) []byte {
	if len(data) < macsLen {
		return data
	}
	n := len(data) + vlanTagLen
	if cap(*buf) < n {
		*buf = make([]byte, n, max(n, 2048))
	}
	out := (*buf)[:n]
	copy(out, data[:macsLen])
	out[12], out[13] = 0x81, 0x00
	out[14], out[15] = byte(vlan>>8), byte(vlan)
	copy(out[macsLen+vlanTagLen:], data[macsLen:])
	ci.CaptureLength += vlanTagLen
	ci.Length += vlanTagLen
	return out
}
