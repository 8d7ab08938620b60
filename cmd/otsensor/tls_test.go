package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTLSDevices replays the live TLS capture (pcaps/README.md): the RTU
// at 127.0.0.5 presents a certificate that expired in 2023; the panel at
// 127.0.0.4 a self-signed one; the clients at 127.0.0.10 show their JA4
// fingerprints; links record the negotiated versions.
func TestTLSDevices(t *testing.T) {
	dir := replayInto(t, filepath.Join(pcapsDir, "tls_live.pcap"))
	for ip, want := range map[string][]string{
		"127.0.0.5":  {"tls_server", "rtu7.plant.local", "until 2023-01-01, EXPIRED when seen"},
		"127.0.0.4":  {"tls_server", "self-signed"},
		"127.0.0.10": {"tls_client", "tls ja4:", "t13d"},
	} {
		text := mustRun(t, exitOK, "--data-dir", dir, "devices", "show", ip).stdout
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("show %s lacks %q:\n%s", ip, s, text)
			}
		}
	}
	var links []map[string]any
	decode(t, mustRun(t, exitOK, "--data-dir", dir, "links", "-o", "json").stdout, &links)
	versions := map[string]bool{}
	for _, l := range links {
		if m, ok := l["tls"].(map[string]any); ok {
			for v := range m["versions"].(map[string]any) {
				versions[v] = true
			}
		}
	}
	for _, v := range []string{"TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"} {
		if !versions[v] {
			t.Errorf("no link records %s: %v", v, versions)
		}
	}
}
