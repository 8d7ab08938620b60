package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// mqttPort writes mqtt_port.pcap: MQTT on a broker's TCP port 1884, found
// only by content, and HTTP on another host's TCP port 1883, which is not
// MQTT. A 3.1.1 session: 3 + CONNECT 2 + SUBSCRIBE 2 + PUBLISH QoS 1 2 +
// the broker's QoS 0 PUBLISH 1 + ping 2 + DISCONNECT 4 = 16; a 5.0 session:
// 3 + 2 + a QoS 2 exchange 4 + 4 = 13; HTTP: 3 + 2 + 3 = 8. 37 in all.
func mqttPort(t *synth.Trace) {
	c := t.NewConn(synth.L2{}, mqDev, 50500, mqBroker, 1884, 0x41000001, 0x42000001)
	c.Handshake()
	t.Advance(2 * ms)
	s := &mq{c: c, t: t, level: synth.MQTT311}
	s.connect("dev-1884")
	s.x(synth.AppendMQTTSubscribe(nil, s.level, 1, nil, synth.MQTTFilter{Topic: "plant/+/cmd", QoS: 1}),
		synth.AppendMQTTSuback(nil, s.level, 1, nil, 1))
	s.pub1("plant/line3/temp", 2, "22.5")
	s.down(synth.MQTTPublish{Level: s.level, Topic: "plant/line3/cmd", Payload: []byte("reset")}.Append(nil))
	s.ping()
	s.bye()
	t.Advance(50 * ms)

	c5 := t.NewConn(synth.L2{}, mqDev2, 50501, mqBroker, 1884, 0x43000001, 0x44000001)
	c5.Handshake()
	t.Advance(2 * ms)
	s5 := &mq{c: c5, t: t, level: synth.MQTT5}
	s5.x(synth.MQTTConnect{Level: synth.MQTT5, Clean: true, KeepAlive: 30, ClientID: "dev-1884-v5", Username: mqttUser, Password: mqttPass,
		Props: synth.MQTTProps(nil).U32(synth.MQTTPropSessionExpiry, 120).User("site", "plant-b")}.Append(nil),
		synth.AppendMQTTConnack(nil, synth.MQTT5, false, 0, synth.MQTTProps(nil).U16(synth.MQTTPropReceiveMaximum, 100)))
	s5.x(synth.MQTTPublish{Level: synth.MQTT5, QoS: 2, Topic: "plant/line3/state", ID: 1,
		Props: synth.MQTTProps(nil).String(synth.MQTTPropContentType, "text/plain"), Payload: []byte("running")}.Append(nil),
		synth.AppendMQTTAck(nil, synth.MQTTTypePubrec, synth.MQTT5, 1, 0, nil))
	s5.x(synth.AppendMQTTAck(nil, synth.MQTTTypePubrel, synth.MQTT5, 1, 0, nil),
		synth.AppendMQTTAck(nil, synth.MQTTTypePubcomp, synth.MQTT5, 1, 0, nil))
	s5.bye()
	t.Advance(50 * ms)

	h := t.NewConn(synth.L2{}, mqDev2, 50502, mqWeb, 1883, 0x45000001, 0x46000001)
	h.Handshake()
	h.Send(synth.ToServer, synth.AppendHTTPRequest(nil, "192.168.30.7:1883", "/api/status?n=", 1))
	t.Advance(3 * ms)
	body := []byte(`{"gateway":"ok","uplink":"mqtt"}`)
	h.Send(synth.ToClient, append(synth.AppendHTTPResponseHeader(nil, len(body)), body...))
	t.Advance(1 * ms)
	h.Close(synth.ToClient)
}
