package decode

import "github.com/gopacket/gopacket"

// transport wraps the TCP or UDP layer so that decoding stops after it:
// the payload goes to the dissectors, and gopacket's port → layer lookup
// (NextLayerType) is work for nothing.
type transport[L any, P interface {
	*L
	gopacket.DecodingLayer
}] struct {
	layer L
}

func (t *transport[L, P]) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	return P(&t.layer).DecodeFromBytes(data, df)
}

func (t *transport[L, P]) CanDecode() gopacket.LayerClass { return P(&t.layer).CanDecode() }

func (t *transport[L, P]) NextLayerType() gopacket.LayerType { return gopacket.LayerTypeZero }

func (t *transport[L, P]) LayerPayload() []byte { return P(&t.layer).LayerPayload() }
