package synth

import (
	"math/rand/v2"
	"net"
	"net/netip"
)

// Sizes of the benchmark plant.
const (
	benchLocalHMIs   = 30
	benchRemoteHMIs  = 10
	benchLocalPLCs   = 105
	benchRemotePLCs  = 15
	benchGateways    = 20 // among the local PLCs: Moxa gateways with several units
	benchWorkstation = 12
	benchV6Hosts     = 6
)

// plc is a Modbus server of the benchmark plant.
type plc struct {
	Host
	name    string
	units   []uint8 // unit ids it answers for (one for a PLC, several for a gateway)
	offline uint8   // a unit behind a gateway that never answers (0: none)
	l2      L2
	gateway bool
}

// topology is the benchmark plant: who exists and how frames reach them.
type topology struct {
	router   Host // the default gateway (Cisco)
	hmis     []Host
	plcs     []plc
	ws       []Host // engineering/office workstations: HTTP, DNS
	web      []Host // historian and remote web servers
	dns      Host
	ntp      Host
	syslog   Host
	v6       []Host // dual-stack hosts' IPv6 identities
	v6web    Host
	v6dns    Host
	arpLocal []Host // local hosts that ARP for each other
}

func v4(a, b, c, d byte) net.IP { return net.IP{a, b, c, d} }

func v6(last uint16) net.IP {
	a := netip.AddrFrom16([16]byte{0xfd, 0x00, 0x00, 0x10, 0x00, 0x10, 14: byte(last >> 8), 15: byte(last)})
	return IP(a)
}

func newTopology(rng *rand.Rand) *topology {
	t := &topology{}
	routerMAC := MAC(OUICisco, 0x5e0001)
	t.router = Host{MAC: routerMAC, IP: v4(10, 10, 0, 1), TTL: 255}
	hmiOUIs := []OUI{OUIDell, OUIHP, OUISiemens}
	for i := 0; i < benchLocalHMIs; i++ {
		o := hmiOUIs[i%len(hmiOUIs)]
		ttl := uint8(128) // Windows HMIs
		if o == OUISiemens {
			ttl = 64
		}
		t.hmis = append(t.hmis, Host{MAC: MAC(o, 0x100000+uint32(i)), IP: v4(10, 10, 1, byte(10+i)), TTL: ttl})
	}
	for i := 0; i < benchRemoteHMIs; i++ {
		// Control-room clients on another subnet: behind the router.
		t.hmis = append(t.hmis, Host{MAC: routerMAC, IP: v4(10, 20, 5, byte(10+i)), TTL: 127})
	}
	plcOUIs := []OUI{OUISchneider, OUISiemens, OUIRockwell, OUIPhoenix}
	for i := 0; i < benchLocalPLCs; i++ {
		p := plc{Host: Host{IP: v4(10, 10, byte(2+i/100), byte(10+i%100)), TTL: 64}, name: "plc-" + string(appendUint(nil, uint64(i+1)))}
		if i < benchGateways {
			p.gateway = true
			p.MAC = MAC(OUIMoxa, 0x200000+uint32(i))
			n := 2 + rng.IntN(7)
			for u := 1; u <= n; u++ {
				p.units = append(p.units, uint8(u))
			}
			if i%7 == 3 {
				p.offline = uint8(n) // the last unit behind this gateway is dead
			}
		} else {
			p.MAC = MAC(plcOUIs[i%len(plcOUIs)], 0x300000+uint32(i))
			unit := uint8(1)
			if i%3 == 0 {
				unit = 255 // common default on Modbus/TCP-native devices
			}
			p.units = []uint8{unit}
		}
		t.plcs = append(t.plcs, p)
	}
	for i := 0; i < benchRemotePLCs; i++ {
		p := plc{Host: Host{MAC: routerMAC, IP: v4(10, 30, byte(1+i/10), byte(10+i%10)), TTL: 63}, units: []uint8{1},
			name: "rtu-" + string(appendUint(nil, uint64(i+1)))}
		t.plcs = append(t.plcs, p)
	}
	// About a fifth of the Modbus traffic is tagged: whole cells sit on
	// VLANs, and two cells reach the capture point double-tagged.
	for i := range t.plcs {
		switch {
		case i == 7 || i == 47:
			t.plcs[i].l2 = L2{VLANs: []uint16{300, 130}, QinQ: true}
		case i%20 == 4 || i%20 == 14:
			t.plcs[i].l2 = L2{VLANs: []uint16{110}}
		case i%20 == 7 || i%20 == 17 || i%20 == 12:
			t.plcs[i].l2 = L2{VLANs: []uint16{120}}
		}
	}
	for i := 0; i < benchWorkstation; i++ {
		t.ws = append(t.ws, Host{MAC: MAC(OUIDell, 0x400000+uint32(i)), IP: v4(10, 10, 4, byte(20+i)), TTL: 128})
	}
	t.web = []Host{
		{MAC: MAC(OUIHP, 0x500001), IP: v4(10, 10, 0, 80), TTL: 64},
		{MAC: MAC(OUIHP, 0x500002), IP: v4(10, 10, 0, 81), TTL: 64},
		{MAC: routerMAC, IP: v4(192, 0, 2, 10), TTL: 52},
		{MAC: routerMAC, IP: v4(198, 51, 100, 20), TTL: 49},
		{MAC: routerMAC, IP: v4(203, 0, 113, 5), TTL: 55},
	}
	t.dns = Host{MAC: MAC(OUIHP, 0x500053), IP: v4(10, 10, 0, 53), TTL: 64}
	t.ntp = Host{MAC: MAC(OUIHP, 0x500123), IP: v4(10, 10, 0, 123), TTL: 64}
	t.syslog = Host{MAC: MAC(OUIHP, 0x500514), IP: v4(10, 10, 0, 14), TTL: 64}
	for i := 0; i < benchV6Hosts; i++ {
		w := t.ws[i]
		t.v6 = append(t.v6, Host{MAC: w.MAC, IP: v6(uint16(0x100 + i)), TTL: 64})
	}
	t.v6web = Host{MAC: t.web[0].MAC, IP: v6(0x80), TTL: 64}
	t.v6dns = Host{MAC: t.dns.MAC, IP: v6(0x53), TTL: 64}
	t.arpLocal = append(t.arpLocal, t.router, t.dns, t.ntp, t.syslog, t.web[0], t.web[1])
	t.arpLocal = append(t.arpLocal, t.hmis[:benchLocalHMIs]...)
	t.arpLocal = append(t.arpLocal, t.ws...)
	for _, p := range t.plcs[:benchLocalPLCs] {
		if len(p.l2.VLANs) == 0 {
			t.arpLocal = append(t.arpLocal, p.Host)
		}
	}
	return t
}
