package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// Hosts of the crafted MQTT captures: a broker and field devices on
// 192.168.30.0/24.
var (
	mqBroker = synth.Host{MAC: synth.MAC(synth.OUIHP, 0x1e0005), IP: ip4(192, 168, 30, 5)}
	mqDev    = synth.Host{MAC: synth.MAC(synth.OUISiemens, 0x1e0021), IP: ip4(192, 168, 30, 21)}
	mqDev2   = synth.Host{MAC: synth.MAC(synth.OUIPhoenix, 0x1e0022), IP: ip4(192, 168, 30, 22)}
	mqWeb    = synth.Host{MAC: synth.MAC(synth.OUIMoxa, 0x1e0007), IP: ip4(192, 168, 30, 7)}
)

// mqttUser and mqttPass are the made-up credentials of crafted CONNECTs.
var (
	mqttUser = synth.MQTTStr("field-dev")
	mqttPass = []byte("fd-pass-01")
)

// mq is an MQTT client-broker conversation on a Conn at one protocol
// level.
type mq struct {
	c     *synth.Conn
	t     *synth.Trace
	level byte
}

// up and down send one segment from the client and from the broker,
// then let 2 ms pass.
func (s *mq) up(b []byte) {
	s.c.Send(synth.ToServer, b)
	s.t.Advance(2 * ms)
}

func (s *mq) down(b []byte) {
	s.c.Send(synth.ToClient, b)
	s.t.Advance(2 * ms)
}

// x writes a request and the broker's answer 1 ms later; the next packet
// comes 20 ms later: 2 packets.
func (s *mq) x(req, resp []byte) {
	s.c.Send(synth.ToServer, req)
	s.t.Advance(1 * ms)
	s.c.Send(synth.ToClient, resp)
	s.t.Advance(20 * ms)
}

// connect writes an authenticated CONNECT (clean session, keep alive 60)
// and CONNACK 0: 2 packets.
func (s *mq) connect(id string) {
	s.x(synth.MQTTConnect{Level: s.level, Clean: true, KeepAlive: 60, ClientID: id, Username: mqttUser, Password: mqttPass}.Append(nil),
		synth.AppendMQTTConnack(nil, s.level, false, 0, nil))
}

// pub1 writes a QoS 1 PUBLISH and its PUBACK: 2 packets.
func (s *mq) pub1(topic string, id uint16, payload string) {
	s.x(synth.MQTTPublish{Level: s.level, QoS: 1, Topic: topic, ID: id, Payload: []byte(payload)}.Append(nil),
		synth.AppendMQTTAck(nil, synth.MQTTTypePuback, s.level, id, 0, nil))
}

// ping writes PINGREQ and PINGRESP: 2 packets.
func (s *mq) ping() { s.x(synth.AppendMQTTPing(nil, true), synth.AppendMQTTPing(nil, false)) }

// bye writes the client's DISCONNECT and closes: 4 packets.
func (s *mq) bye() {
	s.up(synth.AppendMQTTDisconnect(nil, s.level, 0, nil))
	s.c.Close(synth.ToServer)
}

// dropped writes the broker closing the connection after a protocol
// violation (MQTT 3.1.1 4.8, 5.0 4.13): at level 5 it first sends a
// DISCONNECT with reason (5.0 4.13.2); 3 or 4 packets.
func (s *mq) dropped(reason byte) {
	if s.level >= synth.MQTT5 {
		s.down(synth.AppendMQTTDisconnect(nil, s.level, reason, nil))
	}
	s.c.Close(synth.ToClient)
}
