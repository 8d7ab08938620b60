package mqtt

import (
	"encoding/json"
	"testing"
)

func TestTypeName(t *testing.T) {
	want := []string{"RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
		"SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"}
	for i, w := range want {
		if got := TypeName(PacketType(i), 5); got != w {
			t.Errorf("type %d: %q, want %q", i, got, w)
		}
	}
	if TypeName(Auth, 4) != "RESERVED" || TypeName(Auth, 3) != "RESERVED" || TypeName(Auth, 0) != "AUTH" {
		t.Errorf("AUTH before 5.0 must be RESERVED")
	}
}

// TestRecordJSONExact pins the whole object of a few packets.
func TestRecordJSONExact(t *testing.T) {
	cases := []struct {
		ver  uint8
		hex  string
		want string
	}{
		// 3.1.1 PUBLISH QoS 1 "t", id 10, payload 010203
		{4, "32 08 0001 74 000a 010203",
			`{"type":"PUBLISH","protocol_version":4,"dup":false,"qos":1,"retain":false,"packet_id":10,"topic":"t","payload_length":3}`},
		// 3.1.1 CONNACK accepted
		{4, "20 02 00 00",
			`{"type":"CONNACK","protocol_version":4,"session_present":false,"return_code":0,"reason":"connection_accepted"}`},
		// 5.0 SUBACK id 5, reason string "", codes 2 1 a2
		{5, "90 09 0005 03 1f 0000 02 01 a2",
			`{"type":"SUBACK","protocol_version":5,"packet_id":5,"reason_codes":[2,1,162],"reasons":["granted_qos_2","granted_qos_1","wildcard_subscriptions_not_supported"],"properties":{"reason_string":""}}`},
		// 3.1 CONNECT (MQIsdp) user "u" password "pw", client "c1"
		{0, "10 17 0006 4d5149736470 03 c2 003c 0002 6331 0001 75 0002 7077",
			`{"type":"CONNECT","protocol_version":3,"client_id":"c1","protocol_name":"MQIsdp","clean_session":true,"keep_alive":60,"username":"u","username_present":true,"password_present":true,"plaintext_credentials":true,"anonymous":false}`},
		// PINGREQ, no CONNECT seen
		{0, "c0 00", `{"type":"PINGREQ"}`},
	}
	for _, c := range cases {
		var d packetDecoder
		r, _ := pkDecode(t, &d, c.ver, c.hex)
		b, err := json.Marshal(r)
		if err != nil || string(b) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.hex, b, c.want)
		}
	}
}

// TestRecordJSONCarried checks the fields the session layer adds to acks:
// the PUBLISH topic on PUBACK and the request's filters on SUBACK.
func TestRecordJSONCarried(t *testing.T) {
	var d packetDecoder
	r, _ := pkDecode(t, &d, 4, "40 02 000a")
	r.Topic = "a/b"
	m, _ := pkJSON(t, r)
	checkSubset(t, m, `{"type":"PUBACK","topic":"a/b","packet_id":10,"payload_length":null,"qos":null}`)

	r, _ = pkDecode(t, &d, 5, "90 04 0001 00 01")
	r.Topics = append(r.Topics, TopicFilter{Filter: "x/+", Wildcard: true, QoS: 1, NoLocal: true})
	m, _ = pkJSON(t, r)
	checkSubset(t, m, `{"topics":[{"filter":"x/+","wildcard":true,"qos":1,"no_local":true,"retain_as_published":false,"retain_handling":0}],"reason_codes":[1],"reasons":["granted_qos_1"]}`)
}

func TestPropsJSON(t *testing.T) {
	ps := propsJSON{
		{ID: 0x26, Name: "user_property", Type: PropStringPair, Key: "a", Str: "1"},
		{ID: 0x0B, Name: "subscription_identifier", Type: PropVarInt, Num: 3},
		{ID: 0x26, Name: "user_property", Type: PropStringPair, Key: "b\"", Str: "\xff"},
		{ID: 0x0B, Name: "subscription_identifier", Type: PropVarInt, Num: 4},
		{ID: 0x09, Name: "correlation_data", Type: PropBinary, Num: 16},
		{ID: 0x23, Name: "topic_alias", Type: PropUint16, Num: 1},
		{ID: 0x23, Name: "topic_alias", Type: PropUint16, Num: 2}, // malformed repeat: first wins
	}
	b, err := json.Marshal(ps)
	want := `{"user_properties":[{"key":"a","value":"1"},{"key":"b\"","value":"\ufffd"}],"subscription_identifier":[3,4],"correlation_data_length":16,"topic_alias":1}`
	if err != nil || string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}

func TestReasonNames(t *testing.T) {
	cases := []struct {
		t    PacketType
		v    uint8
		code uint8
		want string
	}{
		{ConnAck, 4, 0, "connection_accepted"},
		{ConnAck, 4, 1, "unacceptable_protocol_version"},
		{ConnAck, 3, 3, "server_unavailable"},
		{ConnAck, 4, 4, "bad_username_or_password"},
		{ConnAck, 4, 6, "unknown"},
		{ConnAck, 5, 0x84, "unsupported_protocol_version"},
		{ConnAck, 5, 0x8B, "unknown"}, // server_shutting_down is DISCONNECT only
		{Disconnect, 5, 0, "normal_disconnection"},
		{Disconnect, 5, 0x8B, "server_shutting_down"},
		{SubAck, 5, 0, "granted_qos_0"},
		{SubAck, 4, 0x80, "failure"},
		{SubAck, 5, 0x80, "unspecified_error"},
		{PubComp, 5, 0x92, "packet_identifier_not_found"},
		{Auth, 5, 0x19, "re_authenticate"},
		{UnsubAck, 5, 0x11, "no_subscription_existed"},
		{PubAck, 5, 0x11, "unknown"},
	}
	for _, c := range cases {
		if got := ReasonName(c.t, c.v, c.code); got != c.want {
			t.Errorf("%v v%d 0x%02x: %q, want %q", c.t, c.v, c.code, got, c.want)
		}
	}
}

func TestPropertyName(t *testing.T) {
	n := 0
	for id := 0; id < 256; id++ {
		if PropertyName(uint8(id)) != "" {
			n++
		}
	}
	// MQTT 5.0 defines 27 properties, 0x01 to 0x2A.
	if n != 27 || PropertyName(0x01) != "payload_format_indicator" || PropertyName(0x2A) != "shared_subscription_available" {
		t.Errorf("%d properties named", n)
	}
}
