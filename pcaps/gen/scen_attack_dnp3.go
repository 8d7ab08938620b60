package main

import (
	"encoding/binary"
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// dnp3Operations schedules the DNP3 operations the other attacks lack:
// initialize data, activate configuration and disable unsolicited. The
// outstations answer each with a null response (IIN only).
func (p *scenPlant) dnp3Operations(l *scenLabels) {
	s := p.s
	master, rtu1, rtu2, ews := scMaster.IP, scRTU1.IP, scRTU2.IP, scEWS.IP

	// Initialize data carries no object; RTU 1
	// still reports IIN1.7 (cold restart at 125 s).
	p.attack(l, 147*time.Second, "dnp3-initialize-data", "the master sends initialize data (15) to RTU 1", func() {
		p.rtu1.x(p.rtu1.req(synth.DNP3InitializeData), p.rtu1.resp(p.rtu1IIN))
	}, lb{rInitData, master, rtu1}, lb{rDNP3Func, master, rtu1})

	// The workstation's link to RTU 2 is learnt since its direct operate
	// at 162 s: no new link, but it never sent activate configuration to
	// RTU 2 (nobody did in the normal capture), so it is no programming
	// station of RTU 2.
	p.attack(l, 177*time.Second, "dnp3-activate-config", "the engineering workstation, which is not RTU 2's programming station, sends activate configuration (31) of /config/rtu2.xml to RTU 2 (link address 4)", func() {
		c := s.conn(scEWS, scRTU2, 20000)
		c.Handshake()
		d := dnpTCP(c, scEWSAddr, scRTU2Addr)
		d.x(appendDNP3FileSpec(d.req(synth.DNP3ActivateConfig), "/config/rtu2.xml"), d.resp(0))
		c.Close(synth.ToServer)
	}, lb{rActivateConf, ews, rtu2}, lb{rDNP3Func, ews, rtu2})

	// Disable unsolicited names the event classes it disables: g60v2-v4,
	// qualifier 0x06, no data (IEEE 1815-2012).
	p.attack(l, 455*time.Second, "dnp3-disable-unsolicited", "the master sends disable unsolicited (21) for classes 1-3 to RTU 2", func() {
		p.rtu2.x(synth.AppendDNP3ClassPoll(p.rtu2.req(synth.DNP3DisableUnsolicited), 1, 2, 3), p.rtu2.resp(0))
	}, lb{rDisableUnsol, master, rtu2}, lb{rDNP3Func, master, rtu2})
}

// appendDNP3FileSpec appends one g70v8 (file specification string)
// object: qualifier 0x5B (a 1-octet count of free-format objects, each
// after a 2-octet size), as activate configuration names what to
// activate (IEEE 1815-2012; the answer's g91v1 status object is left
// out).
func appendDNP3FileSpec(dst []byte, name string) []byte {
	dst = synth.DNP3Header{Group: 70, Variation: 8, Qualifier: synth.DNP3QSize16FreeCount, Count: 1}.Append(dst)
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(name)))
	return append(dst, name...)
}
