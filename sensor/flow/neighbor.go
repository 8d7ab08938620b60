package flow

import (
	"github.com/gopacket/gopacket/layers"

	"github.com/otsensor/otsensor/sensor/decode"
)

// arp reports an ARP packet's sender: the MAC and the IPv4 address it
// claims.
func (w *Worker) arp(p *decode.Packet) {
	a := p.ARP
	if len(a.SourceHwAddress) != 6 || len(a.SourceProtAddress) != 4 {
		return
	}
	w.nb = Neighbor{Time: p.Time, EtherType: layers.EthernetTypeARP, VLAN: p.VLAN, NVLAN: p.NVLAN}
	copy(w.nb.MAC[:], a.SourceHwAddress)
	copy(w.nb.IP[:], a.SourceProtAddress)
	w.nb.HasIP = w.nb.IP != [4]byte{}
	w.obs.Neighbor(&w.nb)
}

// neighbor reports the source of another non-IP frame.
func (w *Worker) neighbor(p *decode.Packet) {
	if !p.HasSrcMAC {
		return
	}
	w.nb = Neighbor{Time: p.Time, MAC: p.SrcMAC, EtherType: p.EtherType, VLAN: p.VLAN, NVLAN: p.NVLAN}
	w.obs.Neighbor(&w.nb)
}
