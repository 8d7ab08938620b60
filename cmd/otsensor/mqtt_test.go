package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestMQTTPayloadPreview replays the live mosquitto capture: payloads are
// left out of events unless --mqtt-payload-preview asks for them, and then
// at most that many bytes are shown.
func TestMQTTPayloadPreview(t *testing.T) {
	live := filepath.Join(pcapsDir, "mqtt_live.pcap")
	previews := func(args ...string) (n int, longest int) {
		events := filepath.Join(t.TempDir(), "events.json")
		mustRun(t, exitOK, append([]string{"--data-dir", filepath.Join(t.TempDir(), "d"), "replay", "--no-progress", "--events", events}, append(args, live)...)...)
		for _, line := range strings.Split(strings.TrimSpace(readFile(t, events)), "\n") {
			var ev struct {
				MQTT *struct {
					Type     string `json:"type"`
					Preview  string `json:"payload_preview"`
					Encoding string `json:"payload_preview_encoding"`
				} `json:"mqtt"`
			}
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatal(err)
			}
			if m := ev.MQTT; m != nil && m.Preview != "" {
				n++
				size := len(m.Preview)
				if m.Encoding == "hex" {
					size /= 2
				}
				longest = max(longest, size)
			}
		}
		return n, longest
	}
	if n, _ := previews(); n != 0 {
		t.Errorf("%d payload previews without the flag", n)
	}
	n, longest := previews("--mqtt-payload-preview", "8")
	if n == 0 || longest > 8 {
		t.Errorf("--mqtt-payload-preview 8: %d previews, the longest %d bytes", n, longest)
	}
	r := cli(t, "--data-dir", t.TempDir(), "replay", "--mqtt-payload-preview", "-1", live)
	if r.code != exitUsage || !strings.Contains(r.stderr, "mqtt-payload-preview") {
		t.Errorf("--mqtt-payload-preview -1: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestMQTTDeviceShow: the host on lo both runs the broker (127.0.0.1:1883)
// and the clients; its text view lists the client ids, the user whose
// password crossed lo in clear, and both roles.
func TestMQTTDeviceShow(t *testing.T) {
	dir := replayInto(t, filepath.Join(pcapsDir, "mqtt_live.pcap"))
	text := mustRun(t, exitOK, "--data-dir", dir, "devices", "show", "127.0.0.1").stdout
	for _, s := range []string{"mqtt_broker, mqtt_client", "hmi-v5", "plc-line1", "mqtt usernames:   plant-operator", "credentials sent unencrypted"} {
		if !strings.Contains(text, s) {
			t.Errorf("show text lacks %q:\n%s", s, text)
		}
	}
	if strings.Contains(text, "Op3rator") {
		t.Errorf("the password is shown:\n%s", text)
	}
}
