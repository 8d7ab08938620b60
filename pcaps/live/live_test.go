package live

import (
	"context"
	"testing"
)

// TestRecordMQTT records a run into a temporary file and checks it with
// gopacket only. It fails (it does not skip) without Linux, root or the
// mosquitto packages: CI installs them (.ci/run).
func TestRecordMQTT(t *testing.T) {
	path, n := recordForTest(t, "RecordMQTT", func() error { _, err := findTools(); return err },
		func(ctx context.Context, path string) (int, error) { return RecordMQTT(ctx, path, Options{}) })
	// The port is free-picked: find it from the first SYN.
	port := firstSYNPort(t, path)
	s, err := SummarizeMQTT(path, port)
	if err != nil {
		t.Fatal(err)
	}
	defer logOnFailure(t, s)
	if s.Packets != n {
		t.Errorf("file has %d packets, RecordMQTT said %d", s.Packets, n)
	}
	if s.Connections != MQTTConnections {
		t.Errorf("%d TCP connections to port %d, want %d", s.Connections, port, MQTTConnections)
	}
	// Every connection sends one CONNECT and gets one CONNACK.
	if s.Types[1] != MQTTConnections || s.Types[2] != MQTTConnections {
		t.Errorf("%d CONNECT and %d CONNACK, want %d each", s.Types[1], s.Types[2], MQTTConnections)
	}
	// Levels: 3.1 publisher; 3.1.1 subscriber, publisher, 2 refused,
	// anonymous, mosquitto_sub and _pub; 5.0 HMI, 3 refused, anonymous,
	// mosquitto_sub and _pub.
	wantLevels := map[byte]int{3: 1, 4: 7, 5: 7}
	for l, c := range wantLevels {
		if s.Levels[l] != c {
			t.Errorf("%d CONNECTs at protocol level %d, want %d (all: %v)", s.Levels[l], l, c, s.Levels)
		}
	}
	if s.Names["MQIsdp"] != 1 || s.Names["MQTT"] != 14 {
		t.Errorf("protocol names %v, want MQIsdp 1, MQTT 14", s.Names)
	}
	// CONNACK 0 for the 10 accepted; the refused get 5 (not authorised)
	// or 4 (bad user name or password) in 3.1.1, 0x87/0x86 and 0x8C (bad
	// authentication method) in 5.0.
	if s.ConnackCodes[0] != 10 {
		t.Errorf("%d CONNACK 0, want 10 (all: %v)", s.ConnackCodes[0], s.ConnackCodes)
	}
	if s.ConnackCodes[5] == 0 {
		t.Errorf("no CONNACK 5 (not authorised): %v", s.ConnackCodes)
	}
	if s.ConnackCodes[0x87]+s.ConnackCodes[0x86] != 2 || s.ConnackCodes[0x8c] != 1 {
		t.Errorf("5.0 refusals %v, want 2 of 0x86/0x87 and one 0x8c", s.ConnackCodes)
	}
	// PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK,
	// UNSUBSCRIBE, UNSUBACK, DISCONNECT all occur.
	for typ := 3; typ <= 14; typ++ {
		if typ == 12 || typ == 13 { // PINGREQ/PINGRESP depend on timing
			continue
		}
		if s.Types[typ] == 0 {
			t.Errorf("no control packet of type %d", typ)
		}
	}
}
