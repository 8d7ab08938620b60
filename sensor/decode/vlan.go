package decode

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// maxVLANs is how many tags a packet keeps, outer first (802.1ad QinQ).
const maxVLANs = 2

// vlanStack decodes 802.1Q and 802.1ad tags like layers.Dot1Q, but keeps
// every tag's id: DecodingLayerParser reuses one layer per type, so a plain
// Dot1Q would only remember the innermost tag of a QinQ frame.
type vlanStack struct {
	layers.Dot1Q
	ids [maxVLANs]uint16
	n   int // tags seen in this packet, may exceed maxVLANs
}

// reset forgets the previous packet's tags: the ids too, since Packet.VLAN
// is copied whole (and hashed whole into flow ids).
func (v *vlanStack) reset() { v.n, v.ids = 0, [maxVLANs]uint16{} }

func (v *vlanStack) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if err := v.Dot1Q.DecodeFromBytes(data, df); err != nil {
		return err
	}
	if v.n < maxVLANs {
		v.ids[v.n] = v.VLANIdentifier
	}
	v.n++
	return nil
}

func (v *vlanStack) CanDecode() gopacket.LayerClass { return layers.LayerTypeDot1Q }

func (v *vlanStack) NextLayerType() gopacket.LayerType { return v.Dot1Q.NextLayerType() }

// tags returns the ids kept, outer first.
func (v *vlanStack) tags() ([maxVLANs]uint16, uint8) {
	return v.ids, uint8(min(v.n, maxVLANs))
}
