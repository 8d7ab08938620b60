package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// mqttMalformed writes mqtt_malformed.pcap: one TCP connection per defect
// from 192.168.30.21 to the broker's port 1883, each opened with a
// handshake (3 packets). Where a broker keeps the connection, valid
// traffic follows the defect and the client disconnects (DISCONNECT and
// close, 4); where MQTT makes it close the connection, the broker closes
// it (3, plus a 5.0 DISCONNECT with a reason code: 4). Packets per
// connection: remaining length in 5 octets 9, a 70000-octet PUBLISH 62,
// missing CONNECT 8, second CONNECT 12, QoS 3 9, type 0 9, type 15 9,
// SUBSCRIBE flags 0000 9, CONNECT reserved bit 7, protocol level 6 8, 70
// outstanding 20, unmatched PUBACK 12, string past the end 9, invalid
// UTF-8 9, duplicate property 10, packing and splitting 16; then a session
// already established (no SYN) from 192.168.30.22: 8. 226 in all.
func mqttMalformed(t *synth.Trace) {
	port := uint16(50400)
	isn := uint32(0x31000001)
	conn := func(level byte, body func(s *mq)) {
		c := t.NewConn(synth.L2{}, mqDev, port, mqBroker, 1883, isn, isn^0x3c3c3c3c)
		port++
		isn += 0x01000000
		c.Handshake()
		t.Advance(2 * ms)
		body(&mq{c: c, t: t, level: level})
		t.Advance(50 * ms)
	}
	const v4, v5 = synth.MQTT311, synth.MQTT5
	pub0 := func(level byte, topic, payload string) []byte {
		return synth.MQTTPublish{Level: level, Topic: topic, Payload: []byte(payload)}.Append(nil)
	}

	// The remaining length of a PUBLISH in five octets (85 80 80 80 00
	// style: at most four are allowed): the broker closes.
	conn(v4, func(s *mq) {
		s.connect("dev-rl5")
		body := synth.AppendMQTTString(nil, "plant/a")
		body = append(body, '1')
		b := synth.AppendMQTTVarIntN([]byte{synth.MQTTTypePublish << 4}, len(body), 5)
		s.up(append(b, body...))
		s.dropped(0)
	})
	// A QoS 1 PUBLISH of 70000 payload octets (70024 on the wire) in 48
	// segments of at most 1460, acknowledged; then a small PUBLISH and a
	// ping.
	conn(v4, func(s *mq) {
		s.connect("dev-big")
		p := synth.MQTTPublish{Level: v4, QoS: 1, Topic: "plant/line1/blob", ID: 1, Payload: bigPayload(70000)}.Append(nil)
		var cuts []int
		for off := 1460; off < len(p); off += 1460 {
			cuts = append(cuts, off)
		}
		s.c.SendSplit(synth.ToServer, p, cuts...)
		t.Advance(3 * ms)
		s.down(synth.AppendMQTTAck(nil, synth.MQTTTypePuback, v4, 1, 0, nil))
		s.pub1("plant/line1/after", 2, "ok")
		s.ping()
		s.bye()
	})
	// Packets before CONNECT on a new connection: the broker closes.
	conn(v4, func(s *mq) {
		s.up(pub0(v4, "plant/a", "x"))
		s.up(synth.AppendMQTTPing(nil, true))
		s.dropped(0)
	})
	// A second CONNECT on a 5.0 session: protocol error (0x82).
	conn(v5, func(s *mq) {
		s.connect("dev-twice")
		s.pub1("plant/b", 1, "1")
		s.up(synth.MQTTConnect{Level: v5, Clean: true, KeepAlive: 60, ClientID: "dev-twice"}.Append(nil))
		s.dropped(0x82)
	})
	// PUBLISH with QoS 3 (both QoS bits set).
	conn(v4, func(s *mq) {
		s.connect("dev-qos3")
		s.up(synth.MQTTPublish{Level: v4, QoS: 3, Topic: "plant/c", ID: 5, Payload: []byte("3")}.Append(nil))
		s.dropped(0)
	})
	// Reserved packet type 0.
	conn(v4, func(s *mq) {
		s.connect("dev-type0")
		s.up(synth.AppendMQTTPacket(nil, synth.MQTTTypeReserved, 0, nil))
		s.dropped(0)
	})
	// Type 15 (AUTH in 5.0, reserved in 3.1.1) on a 3.1.1 session.
	conn(v4, func(s *mq) {
		s.connect("dev-type15")
		s.up(synth.AppendMQTTPacket(nil, synth.MQTTTypeAuth, 0, nil))
		s.dropped(0)
	})
	// SUBSCRIBE with flags 0000 instead of 0010.
	conn(v4, func(s *mq) {
		s.connect("dev-subflags")
		s.up(synth.AppendMQTTPacket(nil, synth.MQTTTypeSubscribe, 0,
			synth.MQTTSubscribeBody(nil, v4, 1, nil, synth.MQTTFilter{Topic: "plant/#", QoS: 1})))
		s.dropped(0)
	})
	// CONNECT with the reserved connect flag set: closed without CONNACK
	// (3.1.1 3.1.2.3).
	conn(v4, func(s *mq) {
		s.up(synth.MQTTConnect{Level: v4, Clean: true, KeepAlive: 60, ClientID: "dev-rsv", Reserved: true}.Append(nil))
		s.dropped(0)
	})
	// Protocol level 6: CONNACK 0x01 (unacceptable protocol version, in
	// the 3.1.1 form), then the broker closes (3.1.1 3.1.2.2).
	conn(v4, func(s *mq) {
		s.up(synth.MQTTConnect{Level: 6, Clean: true, KeepAlive: 60, ClientID: "dev-v6"}.Append(nil))
		s.down(synth.AppendMQTTConnack(nil, v4, false, 1, nil))
		s.dropped(0)
	})
	// 70 QoS 1 PUBLISHes (ids 1-70) in 7 segments of 10, none acknowledged
	// until all are out; then 70 PUBACKs in two segments of 35.
	conn(v4, func(s *mq) {
		s.connect("dev-burst")
		for seg := 0; seg < 7; seg++ {
			var b []byte
			for i := 1; i <= 10; i++ {
				id := uint16(seg*10 + i)
				b = synth.MQTTPublish{Level: v4, QoS: 1, Topic: "plant/burst", ID: id, Payload: []byte{byte(id)}}.Append(b)
			}
			s.up(b)
		}
		for half := 0; half < 2; half++ {
			var b []byte
			for i := 1; i <= 35; i++ {
				b = synth.AppendMQTTAck(b, synth.MQTTTypePuback, v4, uint16(half*35+i), 0, nil)
			}
			s.down(b)
		}
		s.ping()
		s.bye()
	})
	// A PUBACK for packet id 999, which the broker never sent: ignored.
	conn(v4, func(s *mq) {
		s.connect("dev-stray")
		s.up(synth.AppendMQTTAck(nil, synth.MQTTTypePuback, v4, 999, 0, nil))
		s.pub1("plant/d", 1, "ok")
		s.bye()
	})
	// A PUBLISH whose topic length (256) runs past the end of the packet.
	conn(v4, func(s *mq) {
		s.connect("dev-strlen")
		s.up(synth.AppendMQTTPacket(nil, synth.MQTTTypePublish, 0, append([]byte{0x01, 0x00}, "plant"...)))
		s.dropped(0)
	})
	// A topic that is not UTF-8 ("plant/" C3 28: a lead octet followed by
	// a non-continuation octet).
	conn(v4, func(s *mq) {
		s.connect("dev-utf8")
		s.up(pub0(v4, "plant/\xc3\x28", "x"))
		s.dropped(0)
	})
	// A 5.0 PUBLISH with the content type property twice: protocol error.
	conn(v5, func(s *mq) {
		s.connect("dev-dupprop")
		props := synth.MQTTProps(nil).String(synth.MQTTPropContentType, "text/plain").String(synth.MQTTPropContentType, "application/json")
		s.up(synth.MQTTPublish{Level: v5, QoS: 1, Topic: "plant/e", ID: 1, Props: props, Payload: []byte("{}")}.Append(nil))
		s.dropped(0x82)
	})
	// Several packets per segment (SUBSCRIBE, PUBLISH QoS 1, PINGREQ; the
	// broker's SUBACK, PUBACK, PINGRESP and the PUBLISH routed back to the
	// subscriber), then a 300-octet PUBLISH split in three segments: after
	// its first octet and inside its topic.
	conn(v4, func(s *mq) {
		s.connect("dev-pack")
		b := synth.AppendMQTTSubscribe(nil, v4, 1, nil, synth.MQTTFilter{Topic: "plant/f/#", QoS: 1})
		b = synth.MQTTPublish{Level: v4, QoS: 1, Topic: "plant/f/x", ID: 2, Payload: []byte("7")}.Append(b)
		b = synth.AppendMQTTPing(b, true)
		s.up(b)
		b = synth.AppendMQTTSuback(nil, v4, 1, nil, 1)
		b = synth.AppendMQTTAck(b, synth.MQTTTypePuback, v4, 2, 0, nil)
		b = synth.AppendMQTTPing(b, false)
		b = synth.MQTTPublish{Level: v4, QoS: 1, Topic: "plant/f/x", ID: 1, Payload: []byte("7")}.Append(b)
		s.down(b)
		s.up(synth.AppendMQTTAck(nil, synth.MQTTTypePuback, v4, 1, 0, nil))
		p := synth.MQTTPublish{Level: v4, QoS: 1, Topic: "plant/f/split", ID: 3, Payload: bigPayload(300)}.Append(nil)
		s.c.SendSplit(synth.ToServer, p, 1, 10)
		t.Advance(2 * ms)
		s.down(synth.AppendMQTTAck(nil, synth.MQTTTypePuback, v4, 3, 0, nil))
		s.bye()
	})
	// A session established before the capture started: no SYN, no
	// CONNECT; the first packet is a PUBLISH.
	c := t.NewConn(synth.L2{}, mqDev2, 49152, mqBroker, 1883, 0x7a000001, 0x7b000001)
	s := &mq{c: c, t: t, level: v4}
	s.pub1("plant/g/temp", 41, "20.5")
	s.ping()
	s.bye()
}

// bigPayload returns n deterministic octets (a repeating printable
// pattern).
func bigPayload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'A' + byte(i%26)
	}
	return b
}
