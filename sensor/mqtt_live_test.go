package sensor_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/mqtt"
	"github.com/otsensor/otsensor/pcaps/live"
)

// TestMQTTLiveMosquitto records real MQTT traffic (Debian's mosquitto and
// eclipse paho 3.1/3.1.1/5.0 clients, mosquitto_pub/sub; see pcaps/live)
// on lo, on a port picked at random so that the dissector must find MQTT by
// content, and checks what the pipeline makes of it against what the
// clients did and against a gopacket-only reading of the same file. It
// needs root and the mosquitto packages: .ci/run installs them, and the
// test fails without them.
func TestMQTTLiveMosquitto(t *testing.T) {
	path := filepath.Join(t.TempDir(), "live.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := live.RecordMQTT(ctx, path, live.Options{}); err != nil {
		t.Fatal(err)
	}

	levels, codes := map[byte]int{}, map[byte]int{}
	var clientIDs []string
	port := uint16(0)
	anonymous, withPassword := 0, 0
	c := &collector{anomalies: map[string]int{}, events: func(ev *dissectors.Event) {
		r, ok := ev.Record.(*mqtt.Record)
		if !ok {
			t.Errorf("a %s event on the broker's port", ev.Record.AppProto())
			return
		}
		port = ev.Flow.Server.Port()
		b, err := json.Marshal(r)
		if err != nil || strings.Contains(string(b), live.Password) {
			t.Errorf("record JSON %s (%v) holds the password", b, err)
		}
		switch r.Type {
		case mqtt.Connect:
			levels[r.ProtocolVersion]++
			clientIDs = append(clientIDs, r.ClientID)
			if r.Anonymous {
				anonymous++
			}
			if r.PasswordPresent {
				withPassword++
				if !r.PlaintextCredentials || r.Username != live.User {
					t.Errorf("CONNECT with a password: user %q, plaintext_credentials %v", r.Username, r.PlaintextCredentials)
				}
			}
		case mqtt.ConnAck:
			codes[r.ReasonCode]++
		}
	}}
	_, inv := replay(t, c, path)

	want, err := live.SummarizeMQTT(path, port)
	if err != nil {
		t.Fatal(err)
	}
	if want.Connections != live.MQTTConnections || len(clientIDs) != live.MQTTConnections {
		t.Errorf("%d CONNECTs parsed, %d connections in the file, want %d", len(clientIDs), want.Connections, live.MQTTConnections)
	}
	for l, n := range want.Levels {
		if levels[l] != n {
			t.Errorf("protocol level %d: %d CONNECTs parsed, %d in the file", l, levels[l], n)
		}
	}
	for code, n := range want.ConnackCodes {
		if codes[code] != n {
			t.Errorf("CONNACK code %#x: %d parsed, %d in the file", code, codes[code], n)
		}
	}
	if !slices.Contains(clientIDs, "hmi-v5") || anonymous == 0 || withPassword == 0 {
		t.Errorf("client ids %q, %d anonymous, %d with a password", clientIDs, anonymous, withPassword)
	}
	if len(c.anomalies) > 0 {
		t.Errorf("anomalies in well-formed traffic: %v", c.anomalies)
	}
	for ip, role := range map[string]string{live.AuthAddr: "mqtt_broker", live.AnonAddr: "mqtt_broker"} {
		d, ok := inv.Snapshot().Find(ip)
		if !ok || !slices.Contains(d.Roles, role) {
			t.Errorf("%s is not a device with role %s", ip, role)
		}
	}
}
