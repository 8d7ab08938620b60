package mqtt

import (
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

func TestNewRejectsBadConfig(t *testing.T) {
	dir := t.TempDir()
	pw := secretFile(t, dir, "pw", "hunter2-secret")
	key := secretFile(t, dir, "key", base64Std(testDeviceKey))
	notB64 := secretFile(t, dir, "notb64", "hunter2-secret!")
	tok := secretFile(t, dir, "tok", "SharedAccessSignature sr=h%2Fdevices%2Fd&sig=x&se=1893459600")
	hub := func(h sink.IoTHubConfig) *sink.IoTHubConfig { return &h }
	for _, tc := range []struct {
		name string
		cfg  sink.Config
		want string // in the error
	}{
		{"other scheme", sink.Config{URL: "kafka://b:9092/t"}, "scheme"},
		{"password in URL", sink.Config{URL: "mqtt://u:p@b:1883/t"}, "password"},
		{"query", sink.Config{URL: "mqtt://b:1883/t?qos=2"}, "query"},
		{"no host", sink.Config{URL: "mqtt:///t"}, "no host"},
		{"no topic", sink.Config{URL: "mqtt://b:1883"}, "no topic"},
		{"wildcard topic", sink.Config{URL: "mqtt://b:1883/a/+/c"}, "wildcard"},
		{"hash topic", sink.Config{URL: "mqtt://b:1883/a/%23"}, "wildcard"},
		{"password without user", sink.Config{URL: "mqtt://b:1883/t", Password: pw}, "username"},
		{"missing password file", sink.Config{URL: "mqtt://u@b:1883/t", Password: sink.Secret{File: dir + "/none"}}, "password"},
		{"users differ", sink.Config{URL: "mqtt://u@b:1883/t", Username: "v"}, "username"},
		{"tls on mqtt://", sink.Config{URL: "mqtt://b:1883/t", TLS: sink.TLSConfig{CAFile: "/x.pem"}}, "mqtts"},
		{"missing CA", sink.Config{URL: "mqtts://b:8883/t", TLS: sink.TLSConfig{CAFile: dir + "/none.pem"}}, "ca_file"},
		{"hub without TLS", sink.Config{URL: "mqtt://h.azure-devices.net", IoTHub: hub(sink.IoTHubConfig{Device: "d", SASKey: key})}, "TLS"},
		{"hub without device", sink.Config{URL: "mqtts://h.azure-devices.net", IoTHub: hub(sink.IoTHubConfig{SASKey: key})}, "iot_hub.device"},
		{"hub bad device", sink.Config{URL: "mqtts://h.azure-devices.net", IoTHub: hub(sink.IoTHubConfig{Device: "a/b", SASKey: key})}, "iot_hub.device"},
		{"hub with path", sink.Config{URL: "mqtts://h.azure-devices.net/t", IoTHub: hub(sink.IoTHubConfig{Device: "d", SASKey: key})}, "path"},
		{"hub with user", sink.Config{URL: "mqtts://u@h.azure-devices.net", IoTHub: hub(sink.IoTHubConfig{Device: "d", SASKey: key})}, "username"},
		{"hub with password", sink.Config{URL: "mqtts://h.azure-devices.net", Password: pw, IoTHub: hub(sink.IoTHubConfig{Device: "d", SASKey: key})}, "password"},
		{"hub no secret", sink.Config{URL: "mqtts://h.azure-devices.net", IoTHub: hub(sink.IoTHubConfig{Device: "d"})}, "sas_key or sas_token"},
		{"hub both secrets", sink.Config{URL: "mqtts://h.azure-devices.net", IoTHub: hub(sink.IoTHubConfig{Device: "d", SASKey: key, SASToken: tok})}, "both"},
		{"hub key not base64", sink.Config{URL: "mqtts://h.azure-devices.net", IoTHub: hub(sink.IoTHubConfig{Device: "d", SASKey: notB64})}, "iot_hub.sas_key"},
		{"hub token not SAS", sink.Config{URL: "mqtts://h.azure-devices.net", IoTHub: hub(sink.IoTHubConfig{Device: "d", SASToken: pw})}, "iot_hub.sas_token"},
		{"hub short ttl", sink.Config{URL: "mqtts://h.azure-devices.net", IoTHub: hub(sink.IoTHubConfig{Device: "d", SASKey: key, TokenTTL: sink.Duration(time.Second)})}, "token_ttl"},
	} {
		_, err := New(tc.cfg, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: New = %v, want an error about %q", tc.name, err, tc.want)
			continue
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows the secret: %v", tc.name, err)
		}
	}
}

func TestNewDerivesConnection(t *testing.T) {
	dir := t.TempDir()
	key := secretFile(t, dir, "key", base64Std(testDeviceKey))
	for _, tc := range []struct {
		name                             string
		cfg                              sink.Config
		addr, user, topic, clientID, hub string
		tls                              bool
	}{
		{"generic defaults", sink.Config{URL: "mqtt://broker.lan/plant/alerts"}, "broker.lan:1883", "", "plant/alerts", "", "", false},
		{"generic tls", sink.Config{URL: "mqtts://ops@broker.lan/otsensor/{type}"}, "broker.lan:8883", "ops", "otsensor/{type}", "", "", true},
		{"ipv6", sink.Config{URL: "mqtt://[::1]:1884//lead"}, "[::1]:1884", "", "/lead", "", "", false},
		{"hub", sink.Config{URL: "mqtts://myhub.azure-devices.net", IoTHub: &sink.IoTHubConfig{Device: "sensor-7", SASKey: key}},
			"myhub.azure-devices.net:8883", "myhub.azure-devices.net/sensor-7/?api-version=2021-04-12", "", "sensor-7", "myhub.azure-devices.net", true},
		// A gateway address with the hub's name given apart.
		{"hub via gateway", sink.Config{URL: "mqtts://10.0.0.5:8883/", IoTHub: &sink.IoTHubConfig{Hub: "myhub.azure-devices.net", Device: "d", SASKey: key}},
			"10.0.0.5:8883", "myhub.azure-devices.net/d/?api-version=2021-04-12", "", "d", "myhub.azure-devices.net", true},
	} {
		s, err := newSink(tc.cfg, nil, time.Now)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		o := s.opt
		if o.addr != tc.addr || o.username != tc.user || o.topic != tc.topic || (o.tls != nil) != tc.tls {
			t.Errorf("%s: addr %q user %q topic %q tls %v", tc.name, o.addr, o.username, o.topic, o.tls != nil)
		}
		if tc.clientID != "" && o.clientID != tc.clientID {
			t.Errorf("%s: client id %q, want %q", tc.name, o.clientID, tc.clientID)
		}
		if tc.clientID == "" && (len(o.clientID) != 20 || !strings.HasPrefix(o.clientID, "otsensor")) {
			t.Errorf("%s: client id %q, want otsensor and 12 hex digits", tc.name, o.clientID)
		}
		if tc.hub != "" && (o.hub == nil || o.hub.hub != tc.hub || o.hub.ttl != time.Hour) {
			t.Errorf("%s: hub %+v", tc.name, o.hub)
		}
		if s.Name() != tc.cfg.SinkName() {
			t.Errorf("%s: Name %q", tc.name, s.Name())
		}
	}
}

// TestParseURLTopic: sink.ParseURL re-escapes the braces of {type}; the
// sink reads the topic back.
func TestParseURLTopic(t *testing.T) {
	cfg, err := sink.ParseURL("mqtt://ops@broker.lan:1884/site%201/{type}?timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	s, err := newSink(cfg, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if s.opt.topic != "site 1/{type}" || s.opt.username != "ops" || s.opt.addr != "broker.lan:1884" || s.opt.timeout != 5*time.Second {
		t.Errorf("from %q: topic %q user %q addr %q timeout %v", cfg.URL, s.opt.topic, s.opt.username, s.opt.addr, s.opt.timeout)
	}
}

func TestTopics(t *testing.T) {
	s := &Sink{opt: options{topic: "site/{type}/otsensor"}}
	got, err := s.topics(append(batch("a", 1, sink.TypeAlert), batch("d", 1, sink.TypeDevice)...))
	if err != nil || got[0] != "site/alert/otsensor" || got[1] != "site/device/otsensor" {
		t.Errorf("generic topics = %q, %v", got, err)
	}
	// Azure's documented device-to-cloud topic with URL-encoded properties.
	s.opt.hub = &hubAuth{hub: "h", device: "dev 1"}
	m := sink.Message{ID: "a1/b c", Type: sink.TypeHeartbeat}
	got, err = s.topics([]sink.Message{m})
	want := "devices/dev 1/messages/events/$.mid=a1%2Fb%20c&$.ct=application%2Fjson&$.ce=utf-8&type=heartbeat"
	if err != nil || got[0] != want {
		t.Errorf("hub topic = %q, %v; want %q", got, err, want)
	}
	// A type that would change the topic is refused before connecting.
	bad := newTestSink(t, sink.Config{URL: "mqtt://127.0.0.1:1/otsensor/{type}"}, nil)
	for _, typ := range []string{"", "a/b", "a+", "#", "Alert"} {
		err := send(t, bad, []sink.Message{{ID: "x", Type: typ, Body: []byte("{}")}})
		if !sink.IsPermanent(err) || !strings.Contains(err.Error(), "type") {
			t.Errorf("type %q: Send = %v, want a permanent error", typ, err)
		}
	}
	if bad.connects != 0 {
		t.Errorf("%d connections, want none", bad.connects)
	}
}
