package inventory

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/mqtt"
)

func mqttEvent(inv *Inventory, f *dissectors.Flow, dir dissectors.Direction, r *mqtt.Record) {
	inv.Event(&dissectors.Event{Time: t0, Dir: dir, Flow: f, Record: r})
}

// A gateway connects to a broker twice (3.1.1 with credentials, then 5.0
// anonymously), publishes and subscribes; a second client publishes to
// more topics than a host keeps.
func TestMQTTLearning(t *testing.T) {
	inv := New()
	broker := netip.MustParseAddr("192.168.30.5")
	brokerMAC := MAC{0x00, 0x15, 0x5d, 0, 0, 0x05}
	f := flowOf(hmiMAC, hmi, brokerMAC, broker, 1883, "mqtt")
	mqttEvent(inv, f, dissectors.ToServer, &mqtt.Record{Type: mqtt.Connect, ProtocolVersion: 4, ClientID: "gw-7",
		Username: "plant", UsernamePresent: true, PasswordPresent: true, PlaintextCredentials: true})
	mqttEvent(inv, f, dissectors.ToClient, &mqtt.Record{Type: mqtt.ConnAck, ProtocolVersion: 4, ClientID: "gw-7"})
	for range 3 {
		mqttEvent(inv, f, dissectors.ToServer, &mqtt.Record{Type: mqtt.Publish, ProtocolVersion: 4, ClientID: "gw-7", Topic: "plant/line1/temp"})
	}
	mqttEvent(inv, f, dissectors.ToServer, &mqtt.Record{Type: mqtt.Subscribe, ProtocolVersion: 4, ClientID: "gw-7",
		Topics: []mqtt.TopicFilter{{Filter: "plant/+/cmd", Wildcard: true, QoS: 1}, {Filter: "plant/#", Wildcard: true}}})
	// The broker delivering a message is not the client publishing.
	mqttEvent(inv, f, dissectors.ToClient, &mqtt.Record{Type: mqtt.Publish, ProtocolVersion: 4, ClientID: "gw-7", Topic: "plant/line1/cmd"})
	run(inv, f, 6, 2, 0, time.Second)

	f2 := flowOf(hmiMAC, hmi, brokerMAC, broker, 1883, "mqtt")
	mqttEvent(inv, f2, dissectors.ToServer, &mqtt.Record{Type: mqtt.Connect, ProtocolVersion: 5, ClientID: "gw-7b", Anonymous: true})
	run(inv, f2, 1, 1, time.Second, time.Second)

	noisy := netip.MustParseAddr("192.168.30.9")
	f3 := flowOf(MAC{0x00, 0x15, 0x5d, 0, 0, 0x09}, noisy, brokerMAC, broker, 1883, "mqtt")
	for i := range maxHostTopics + 10 {
		mqttEvent(inv, f3, dissectors.ToServer, &mqtt.Record{Type: mqtt.Publish, Topic: fmt.Sprintf("sensors/%d", i)})
	}
	run(inv, f3, maxHostTopics+10, 0, 0, time.Second)

	s := inv.Snapshot()
	c, b := device(t, s, hmi.String()), device(t, s, broker.String())
	if !slices.Equal(c.Roles, []string{"mqtt_client"}) || !slices.Equal(b.Roles, []string{"mqtt_broker"}) {
		t.Errorf("roles: client %v, broker %v", c.Roles, b.Roles)
	}
	m := c.MQTT
	if m == nil || !slices.Equal(m.ClientIDs, []string{"gw-7", "gw-7b"}) || !slices.Equal(m.Usernames, []string{"plant"}) ||
		!slices.Equal(m.ProtocolVersions, []uint16{4, 5}) || m.PlaintextCredentials != 1 || m.AnonymousConnects != 1 {
		t.Fatalf("client mqtt %s", dump(m))
	}
	if len(m.Published) != 1 || m.Published["plant/line1/temp"] != 3 || len(m.Subscribed) != 2 || m.Subscribed["plant/+/cmd"] != 1 {
		t.Errorf("client topics %s", dump(m))
	}
	if b.MQTT != nil {
		t.Errorf("broker learnt client facts: %s", dump(b.MQTT))
	}
	n := device(t, s, noisy.String()).MQTT
	if len(n.Published) != maxHostTopics || n.TopicsDropped != 10 {
		t.Errorf("noisy client keeps %d topics, dropped %d", len(n.Published), n.TopicsDropped)
	}
	var l *LinkView
	for _, v := range s.Links {
		if v.ClientIP == hmi {
			l = v
		}
	}
	if l == nil || l.MQTT == nil || l.MQTT.PacketTypes["PUBLISH"] != 4 || l.MQTT.PacketTypes["CONNECT"] != 2 ||
		!slices.Equal(l.MQTT.ClientIDs, []string{"gw-7", "gw-7b"}) || !slices.Equal(l.MQTT.ProtocolVersions, []uint16{4, 5}) {
		t.Errorf("link %s", dump(l))
	}
}
