package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/otsensor/otsensor/pcaps/live"
)

// mqttTruth is the part of a make_truth.py file the MQTT tests read.
type mqttTruth struct {
	truthCommon
	General struct {
		Packets    int `json:"packet_count"`
		TCPStreams int `json:"tcp_stream_count"`
	} `json:"general"`
	MQTT struct {
		Messages       int            `json:"message_count"`
		Types          map[string]int `json:"message_type_counts"`
		Versions       map[string]int `json:"protocol_versions"`
		Names          []string       `json:"protocol_names"`
		ClientIDs      []string       `json:"client_ids"`
		Usernames      []string       `json:"usernames"`
		WithPassword   int            `json:"connects_with_password"`
		WillTopics     []string       `json:"will_topics"`
		Published      map[string]int `json:"topics_published"`
		QoS            map[string]int `json:"publish_qos_counts"`
		Subscribed     map[string]int `json:"topics_subscribed"`
		Unsubscribed   map[string]int `json:"topics_unsubscribed"`
		Connack        map[string]int `json:"connack_codes"`
		Brokers        []string       `json:"brokers"`
		UnknownVersion int            `json:"messages_with_unknown_version"`
		Malformed      int            `json:"malformed_frames"`
	} `json:"mqtt"`
}

// TestMQTTTruthFiles checks that every MQTT capture (crafted and live)
// has a tshark truth file made from its current bytes, and that tshark
// saw what the scenario or the live run meant to write. Regenerate the
// truth files after changing a scenario or recording again:
//
//	python3 ../shared/tools/make_truth.py --force --decode-as pcaps/gen/testdata/mqtt_decode_as.json --root pcaps pcaps/mqtt_*.pcap
func TestMQTTTruthFiles(t *testing.T) {
	names := craftedWithPrefix("mqtt_", mqttLiveFile)
	if len(names) < 3 {
		t.Errorf("MQTT captures %v", names)
	}
	checkTruthFiles(t, names, checkMQTTTruth)
}

func checkMQTTTruth(t *testing.T, name string, tr *mqttTruth) {
	m := tr.MQTT
	if m.Messages == 0 {
		t.Fatal("tshark saw no MQTT")
	}
	if name != "mqtt_malformed.pcap" && (m.Malformed != 0 || m.UnknownVersion != 0) {
		t.Errorf("tshark marks %d frames malformed, %d messages of unknown version", m.Malformed, m.UnknownVersion)
	}
	want := truthWant(t)
	versions := func(v31, v311, v5 int) bool {
		return m.Versions["3.1"] == v31 && m.Versions["3.1.1"] == v311 && m.Versions["5.0"] == v5
	}
	switch name {
	case mqttLiveFile:
		want("one TCP stream per client connection", tr.General.TCPStreams == live.MQTTConnections)
		want("one CONNECT per connection", m.Types["1 (Connect Command)"] == live.MQTTConnections && m.Types["2 (Connect Ack)"] == live.MQTTConnections)
		// 3.1: rtu-line2; 3.1.1: scada-sub, plc-line1, 2 refused,
		// anonymous, cli-*-mqttv311; 5.0: hmi-v5, 3 refused, anonymous,
		// cli-*-mqttv5.
		want("versions 3.1 x1, 3.1.1 x7, 5.0 x7", versions(1, 7, 7))
		want("protocol names MQIsdp and MQTT", slices.Equal(m.Names, []string{"MQIsdp", "MQTT"}))
		want("10 accepted connects", m.Connack["0 (Connection Accepted)"]+m.Connack["0 (Success)"] == 10)
		want("3.1.1 refusals (not authorised)", m.Connack["5 (Connection Refused: not authorized)"] == 2)
		want("5.0 refusals (not authorised, bad authentication method)",
			m.Connack["135 (Not authorized)"] == 2 && m.Connack["140 (Bad authentication method)"] == 1)
		for _, id := range []string{"scada-sub", "plc-line1", "rtu-line2", "hmi-v5", "anon-probe", "guess-pw", "anon-v5",
			"guess-v5", "scram-v5", "", "cli-sub-mqttv5", "cli-pub-mqttv5", "cli-sub-mqttv311", "cli-pub-mqttv311"} {
			want("client id "+id, slices.Contains(m.ClientIDs, id))
		}
		want("user "+live.User, slices.Equal(m.Usernames, []string{live.User}))
		// All authenticated connects but anon-probe, anon-v5, scram-v5
		// and the two anonymous ones.
		want("10 connects with a password", m.WithPassword == 10)
		want("three wills", len(m.WillTopics) == 3)
		want("the HMI's will, published on DISCONNECT 0x04", m.Published["plant/status/hmi-v5"] == 1)
		want("QoS 0, 1 and 2 publishes", m.QoS["0"] > 0 && m.QoS["1"] > 0 && m.QoS["2"] > 0)
		want("wildcard subscriptions", m.Subscribed["plant/+/temp"] == 1 && m.Subscribed["plant/#"] == 1 && m.Subscribed["plant/+/setpoint"] == 1)
		want("unsubscribes", m.Unsubscribed["plant/line1/cmd"] == 1 && m.Unsubscribed["plant/hmi/#"] == 1)
		want("both listeners", slices.Equal(m.Brokers, []string{live.AuthAddr + ":1883", live.AnonAddr + ":1883"}))
	case "mqtt_malformed.pcap":
		// CONNECTs of 15 connections, a second one, one at level 6.
		want("versions 3.1.1 x12, 5.0 x3, 6 x1", versions(0, 12, 3) && m.Versions["6"] == 1)
		want("reserved types 0 and 15", m.Types["0 (Reserved)"] == 1 && m.Types["15 (Authentication Exchange)"] == 1)
		want("70 burst publishes", m.Published["plant/burst"] == 70)
		// 70 burst + 2 (big) + 1 (twice) + 2 (stray: unmatched, plant/d)
		// + 3 (pack) + 1 (midstream).
		want("79 PUBACKs", m.Types["4 (Publish Ack)"] == 79)
		want("one PUBLISH with QoS 3", m.QoS["3"] == 1)
		want("the 70000-octet PUBLISH and the one after it", m.Published["plant/line1/blob"] == 1 && m.Published["plant/line1/after"] == 1)
		want("the split PUBLISH", m.Published["plant/f/split"] == 1)
		want("CONNACK 1 to level 6", m.Connack["1 (Unknown)"] == 1)
		// Two packets before CONNECT, five in the session already open.
		want("7 messages without a CONNECT", m.UnknownVersion == 7)
		want("the topic length past the end as malformed", m.Malformed >= 1)
		want("17 TCP streams (16 with a SYN, one already open)", tr.General.TCPStreams == 17)
	case "mqtt_port.pcap":
		want("decode-as for ports 1884 and 1883", slices.Equal(tr.DecodeAs, []string{"tcp.port==1884,mqtt", "tcp.port==1883,http"}))
		want("the broker on 1884 only", slices.Equal(m.Brokers, []string{"192.168.30.5:1884"}))
		want("versions 3.1.1 and 5.0", versions(0, 1, 1))
		// 3.1.1: CONNECT, CONNACK, SUBSCRIBE, SUBACK, PUBLISH, PUBACK,
		// PUBLISH, PINGREQ, PINGRESP, DISCONNECT; 5.0: CONNECT, CONNACK,
		// PUBLISH, PUBREC, PUBREL, PUBCOMP, DISCONNECT.
		want("17 messages", m.Messages == 17)
	}
}

// TestMQTTLiveCapture checks the committed live MQTT recording with
// gopacket alone: consistent TCP and what pcaps/live's clients do.
func TestMQTTLiveCapture(t *testing.T) {
	fs := liveFrames(t, mqttLiveFile, "sudo go run ./pcaps/gen -live -live-only mqtt", 200)
	s, err := live.SummarizeMQTT(filepath.Join(committedDir, mqttLiveFile), mqttLivePort)
	if err != nil {
		t.Fatal(err)
	}
	if s.Packets != len(fs) || s.Connections != live.MQTTConnections {
		t.Errorf("%d packets, %d connections to %d; want %d connections", s.Packets, s.Connections, mqttLivePort, live.MQTTConnections)
	}
	if s.Levels[3] != 1 || s.Levels[4] != 7 || s.Levels[5] != 7 {
		t.Errorf("CONNECT levels %v", s.Levels)
	}
	if s.ConnackCodes[0] != 10 || s.ConnackCodes[5] != 2 || s.ConnackCodes[0x87] != 2 || s.ConnackCodes[0x8c] != 1 {
		t.Errorf("CONNACK codes %v", s.ConnackCodes)
	}
}
