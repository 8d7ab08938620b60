package synth

import (
	"bytes"
	"testing"
)

// TestMQTTVarInt checks the remaining length encoding against the table
// of MQTT 3.1.1 section 2.2.3 (the same as 5.0 1.5.5).
func TestMQTTVarInt(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{
		{0, "00"}, {127, "7f"},
		{128, "80 01"}, {16383, "ff 7f"},
		{16384, "80 80 01"}, {2097151, "ff ff 7f"},
		{2097152, "80 80 80 01"}, {268435455, "ff ff ff 7f"},
		{268435456, "80 80 80 80 01"}, // past the maximum: a fifth octet
	} {
		got := AppendMQTTVarInt(nil, c.n)
		if want := unhex(t, c.want); !bytes.Equal(got, want) {
			t.Errorf("AppendMQTTVarInt(%d) = % x, want % x", c.n, got, want)
		}
		if MQTTVarIntLen(c.n) != len(got) {
			t.Errorf("MQTTVarIntLen(%d) = %d, wrote %d", c.n, MQTTVarIntLen(c.n), len(got))
		}
	}
	// Over-long forms: 5 in two and five octets, 321 (0x41 + 2*128) in
	// three.
	for _, c := range []struct {
		n, octets int
		want      string
	}{{5, 2, "85 00"}, {5, 5, "85 80 80 80 00"}, {321, 3, "c1 82 00"}, {321, 2, "c1 02"}} {
		if got, want := AppendMQTTVarIntN(nil, c.n, c.octets), unhex(t, c.want); !bytes.Equal(got, want) {
			t.Errorf("AppendMQTTVarIntN(%d, %d) = % x, want % x", c.n, c.octets, got, want)
		}
	}
}

// TestMQTTConnect checks CONNECT against the specifications' examples.
func TestMQTTConnect(t *testing.T) {
	// MQTT 3.1.1 3.1.2.10, figure 3.6: name "MQTT", level 4, flags CE
	// (user name, password, will QoS 1, will, clean session), keep alive
	// 10.
	c := MQTTConnect{Level: MQTT311, Clean: true, KeepAlive: 10, ClientID: "c1",
		Will:     &MQTTWill{Topic: "w", Payload: []byte("x"), QoS: 1},
		Username: MQTTStr("u"), Password: []byte("p")}
	want := unhex(t, "10 1a"+ // CONNECT, remaining length 26
		" 00 04 4d 51 54 54 04 ce 00 0a"+ // variable header
		" 00 02 63 31"+ // client id "c1"
		" 00 01 77 00 01 78"+ // will topic "w", will message "x"
		" 00 01 75 00 01 70") // user name "u", password "p"
	if got := c.Append(nil); !bytes.Equal(got, want) {
		t.Errorf("3.1.1 CONNECT:\n got % x\nwant % x", got, want)
	}
	// MQTT 5.0 3.1.2.11, figure 3-8: flags C2 (user name, password, clean
	// start), keep alive 10, properties length 5, session expiry
	// interval 10.
	c5 := MQTTConnect{Level: MQTT5, Clean: true, KeepAlive: 10, Username: MQTTStr(""), Password: []byte{},
		Props: MQTTProps(nil).U32(MQTTPropSessionExpiry, 10)}
	want = unhex(t, "00 04 4d 51 54 54 05 c2 00 0a 05 11 00 00 00 0a 00 00 00 00 00 00")
	if got := c5.Body(nil); !bytes.Equal(got, want) {
		t.Errorf("5.0 CONNECT body:\n got % x\nwant % x", got, want)
	}
	// MQTT 3.1 (IBM): protocol name "MQIsdp", version 3; reserved bit
	// set on request.
	c3 := MQTTConnect{Level: MQTT31, ClientID: "d", KeepAlive: 60, Reserved: true}
	want = unhex(t, "10 0f 00 06 4d 51 49 73 64 70 03 01 00 3c 00 01 64")
	if got := c3.Append(nil); !bytes.Equal(got, want) {
		t.Errorf("3.1 CONNECT:\n got % x\nwant % x", got, want)
	}
	// A 5.0 will with properties comes before the will topic.
	c5w := MQTTConnect{Level: MQTT5, ClientID: "e", Will: &MQTTWill{Topic: "t", Payload: []byte{}, QoS: 2, Retain: true,
		Props: MQTTProps(nil).U32(MQTTPropWillDelay, 5)}}
	want = unhex(t, "00 04 4d 51 54 54 05 34 00 00 00 00 01 65 05 18 00 00 00 05 00 01 74 00 00")
	if got := c5w.Body(nil); !bytes.Equal(got, want) {
		t.Errorf("5.0 CONNECT with will:\n got % x\nwant % x", got, want)
	}
}

// TestMQTTPackets checks the other packet types (MQTT 3.1.1 chapter 3 and
// 5.0 chapter 3 layouts).
func TestMQTTPackets(t *testing.T) {
	for _, c := range []struct {
		name string
		got  []byte
		want string
	}{
		{"CONNACK 3.1.1 accepted", AppendMQTTConnack(nil, MQTT311, false, 0, nil), "20 02 00 00"},
		{"CONNACK 3.1.1 not authorised", AppendMQTTConnack(nil, MQTT311, false, 5, nil), "20 02 00 05"},
		// session present, success, properties: assigned client id "ab".
		{"CONNACK 5.0", AppendMQTTConnack(nil, MQTT5, true, 0, MQTTProps(nil).String(MQTTPropAssignedClientID, "ab")),
			"20 08 01 00 05 12 00 02 61 62"},
		// 3.1.1 3.3.2.3: topic "a/b", packet id 10, payload "hi"; QoS 1,
		// retain.
		{"PUBLISH QoS 1", MQTTPublish{Level: MQTT311, QoS: 1, Retain: true, Topic: "a/b", ID: 10, Payload: []byte("hi")}.Append(nil),
			"33 09 00 03 61 2f 62 00 0a 68 69"},
		{"PUBLISH QoS 0", MQTTPublish{Level: MQTT311, Topic: "a", Payload: []byte{1}}.Append(nil), "30 04 00 01 61 01"},
		// DUP and the reserved QoS 3: flags 1110.
		{"PUBLISH QoS 3 dup", MQTTPublish{Level: MQTT311, QoS: 3, Dup: true, Topic: "a", ID: 1}.Append(nil), "3e 05 00 01 61 00 01"},
		// 5.0: properties after the packet id: content type "t".
		{"PUBLISH 5.0", MQTTPublish{Level: MQTT5, QoS: 2, Topic: "a", ID: 2, Props: MQTTProps(nil).String(MQTTPropContentType, "t")}.Append(nil),
			"34 0a 00 01 61 00 02 04 03 00 01 74"},
		{"PUBACK", AppendMQTTAck(nil, MQTTTypePuback, MQTT311, 10, 0, nil), "40 02 00 0a"},
		{"PUBREL", AppendMQTTAck(nil, MQTTTypePubrel, MQTT311, 10, 0, nil), "62 02 00 0a"},
		{"PUBACK 5.0 success", AppendMQTTAck(nil, MQTTTypePuback, MQTT5, 10, 0, nil), "40 02 00 0a"},
		{"PUBACK 5.0 no subscribers", AppendMQTTAck(nil, MQTTTypePuback, MQTT5, 10, 0x10, nil), "40 03 00 0a 10"},
		{"PUBREC 5.0 with reason string", AppendMQTTAck(nil, MQTTTypePubrec, MQTT5, 10, 0x80, MQTTProps(nil).String(MQTTPropReasonString, "x")),
			"50 08 00 0a 80 04 1f 00 01 78"},
		// 3.1.1 3.8.3.1: "a/b" QoS 1, "c/d" QoS 2, packet id 10.
		{"SUBSCRIBE", AppendMQTTSubscribe(nil, MQTT311, 10, nil, MQTTFilter{Topic: "a/b", QoS: 1}, MQTTFilter{Topic: "c/d", QoS: 2}),
			"82 0e 00 0a 00 03 61 2f 62 01 00 03 63 2f 64 02"},
		// 5.0 options: QoS 1, no local, retain as published, retain
		// handling 2: 0010 1101; subscription identifier 7.
		{"SUBSCRIBE 5.0", AppendMQTTSubscribe(nil, MQTT5, 1, MQTTProps(nil).VarInt(MQTTPropSubscriptionID, 7),
			MQTTFilter{Topic: "#", QoS: 1, NoLocal: true, RetainAsPublished: true, RetainHandling: 2}),
			"82 09 00 01 02 0b 07 00 01 23 2d"},
		// 3.1.1 3.9.3: success QoS 0, success QoS 2, failure.
		{"SUBACK", AppendMQTTSuback(nil, MQTT311, 10, nil, 0, 2, 0x80), "90 05 00 0a 00 02 80"},
		{"SUBACK 5.0", AppendMQTTSuback(nil, MQTT5, 10, nil, 0x87), "90 04 00 0a 00 87"},
		{"UNSUBSCRIBE", AppendMQTTUnsubscribe(nil, MQTT311, 11, nil, "a/b", "c/d"), "a2 0c 00 0b 00 03 61 2f 62 00 03 63 2f 64"},
		{"UNSUBACK", AppendMQTTUnsuback(nil, MQTT311, 11, nil), "b0 02 00 0b"},
		{"UNSUBACK 5.0", AppendMQTTUnsuback(nil, MQTT5, 11, nil, 0x00, 0x11), "b0 05 00 0b 00 00 11"},
		{"PINGREQ", AppendMQTTPing(nil, true), "c0 00"},
		{"PINGRESP", AppendMQTTPing(nil, false), "d0 00"},
		{"DISCONNECT", AppendMQTTDisconnect(nil, MQTT311, 0, nil), "e0 00"},
		{"DISCONNECT 5.0 normal", AppendMQTTDisconnect(nil, MQTT5, 0, nil), "e0 00"},
		// disconnect with will message, session expiry 0.
		{"DISCONNECT 5.0 with will", AppendMQTTDisconnect(nil, MQTT5, 0x04, MQTTProps(nil).U32(MQTTPropSessionExpiry, 0)),
			"e0 07 04 05 11 00 00 00 00"},
		// continue authentication, method "M".
		{"AUTH", AppendMQTTAuth(nil, 0x18, MQTTProps(nil).String(MQTTPropAuthMethod, "M")), "f0 06 18 04 15 00 01 4d"},
		{"user property", MQTTProps(nil).User("k", "v"), "26 00 01 6b 00 01 76"},
		{"binary property", MQTTProps(nil).Binary(MQTTPropCorrelationData, []byte{0xc0}), "09 00 01 c0"},
		{"byte and u16", MQTTProps(nil).Byte(MQTTPropPayloadFormat, 1).U16(MQTTPropReceiveMaximum, 20), "01 01 21 00 14"},
	} {
		if want := unhex(t, c.want); !bytes.Equal(c.got, want) {
			t.Errorf("%s:\n got % x\nwant % x", c.name, c.got, want)
		}
	}
}

// TestMQTTLargePublish checks that Header announces the payload it does
// not carry: 70000 octets after a 7-octet variable header.
func TestMQTTLargePublish(t *testing.T) {
	p := MQTTPublish{Level: MQTT311, QoS: 1, Topic: "a/b", ID: 1, Payload: make([]byte, 70000)}
	h := p.Header(nil)
	// 70007 = 0x11177: 77 | 80, 0x222 & 7f = 22 | 80, 4.
	if want := unhex(t, "32 f7 a2 04 00 03 61 2f 62 00 01"); !bytes.Equal(h, want) {
		t.Errorf("header % x, want % x", h, want)
	}
	if n := len(p.Append(nil)); n != len(h)+70000 {
		t.Errorf("packet of %d octets", n)
	}
}
