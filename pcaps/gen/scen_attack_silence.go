package main

import (
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// The silence detections of the alert engine (alerts/detect_silence.go),
// with its defaults: a polling link learnt from one long flow has a
// period of about a flow checkpoint (1 minute: long flows are reported
// once a minute), so its threshold max(3 x period, 2 minutes) lies
// between scChannelMin and scChannelMax; a host's is scDeviceSilence.
// Packet time reaches the engine by flow reports, so an alert fires
// within scSilenceFire of its deadline.
const (
	scChannelMin    = 2 * time.Minute
	scChannelMax    = 3 * time.Minute
	scDeviceSilence = 10 * time.Minute
	scSilenceFire   = time.Minute
)

// The suspect capture's span and its sparse background after scenSpan:
// long enough for RTU 1, silent from scRTU1Stop, to be silent beyond
// scDeviceSilence and the alert to fire.
const (
	scenSuspectSpan = 15 * time.Minute
	scSparsePeriod  = time.Minute
	scRTU1Stop      = 240 * time.Second
)

// sparseBackground schedules the suspect capture's background from
// offset from until end: one round of each polling link a minute
// (Modbus, DNP3, MQTT, HMI 1's TLS session to the historian), which
// keeps every link the baseline learnt as polling within its threshold
// and every host at their ends talking. The engineering workstation,
// whose links are not polling, stays away. Round numbers go on from the
// dense background's.
func (p *scenPlant) sparseBackground(from, end time.Duration) {
	s := p.s
	mb, mq, tls := int(scenSpan/scModbusPeriod), int(scenSpan/scMQTTPeriod), int(scenSpan/scTLSPeriod)
	s.every(from+time.Second, scSparsePeriod, end, func(i int) { p.modbusRound(uint16(mb + i)) })
	s.every(from+2*time.Second, scSparsePeriod, end, func(int) { p.dnp3Round() })
	s.every(from+3*time.Second, scSparsePeriod, end, func(i int) { p.mqttRound(mq + i) })
	s.every(from+4*time.Second, scSparsePeriod, end, func(i int) {
		k := byte(tls + i)
		p.tlsSession(scHMI1, scHMI1Hello(k), synth.TLS12, p.tlsHello12(k, synth.TLSECDHEECDSAWithAES128GCM), p.certs["historian"])
	})
}

// rtu1Silence stops the master's polling of RTU 1 at scRTU1Stop: the
// link master -> RTU 1 (TCP 20000, one long flow polled every 10 s in
// the normal capture) carries no packet either way from then on, and RTU
// 1, which only answers its master, sends nothing either. The master
// still polls RTU 2. Both silences are labelled from the end of the
// last poll.
func (p *scenPlant) rtu1Silence(l *scenLabels) {
	master, rtu1 := scMaster.IP, scRTU1.IP
	p.s.at(scRTU1Stop, func() {
		p.rtu1Down = true
		stop := p.rtu1Last
		l.add("dnp3-channel-stopped", "the master stops polling RTU 1 (no packet either way on TCP 20000 from then on): the link is silent beyond its threshold, max(3 x learnt period of about 1 minute, 2 minutes)",
			stop.Add(scChannelMin), stop.Add(scChannelMax+scSilenceFire), lb{rChannel, master, rtu1})
		l.add("dnp3-channel-stopped", "RTU 1, which only answers its master, sends nothing for more than 10 minutes once the master stops polling it",
			stop.Add(scDeviceSilence), stop.Add(scDeviceSilence+scSilenceFire), lb{rSilent, rtu1, nil})
	})
}
