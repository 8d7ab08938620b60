package sink

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		raw  string
		want func(c Config) bool
		err  string
	}{
		{raw: "kafka://b1:9092,b2:9092/alerts?password_env=PW&timeout=5s&batch_size=50&name=siem",
			want: func(c Config) bool {
				return c.URL == "kafka://b1:9092,b2:9092/alerts" && c.Password.Env == "PW" && c.SendTimeout() == 5*time.Second &&
					c.Batch() == 50 && c.SinkName() == "siem" && c.Scheme() == "kafka"
			}},
		{raw: "mqtts://ops@broker:8883/plant/{type}?ca_file=/ca.pem&insecure_skip_verify=true",
			want: func(c Config) bool {
				return c.Username == "ops" && c.TLS.CAFile == "/ca.pem" && c.TLS.InsecureSkipVerify &&
					c.SinkName() == "mqtts://ops@broker:8883/plant/%7Btype%7D" && c.SendTimeout() == 30*time.Second && c.Batch() == 100
			}},
		{raw: "mqtts://hub.azure-devices.net:8883?iot_hub=hub.azure-devices.net&iot_device=s1&sas_key_file=/k",
			want: func(c Config) bool {
				return c.IoTHub != nil && c.IoTHub.Device == "s1" && c.IoTHub.SASKey.File == "/k"
			}},
		{raw: "SYSLOG+TLS://siem:6514?format=cef", want: func(c Config) bool { return c.Scheme() == "syslog+tls" && c.Format == "cef" }},
		{raw: "eventhubs://ns.servicebus.windows.net/hub?connection_string_env=EH&envelope=defender",
			want: func(c Config) bool {
				return c.ConnectionString.Env == "EH" && c.Envelope == "defender" && c.IoTHub == nil
			}},
		{raw: "file:///var/log/x.jsonl?max_file_bytes=1024&max_files=3", want: func(c Config) bool { return c.MaxFileBytes == 1024 && c.MaxFiles == 3 }},
		{raw: "mqtt://user:hunter2@broker/t", err: "password in the URL"},
		{raw: "kafka://b/t?colour=red", err: "colour: unknown parameter"},
		{raw: "kafka://b/t?timeout=soon", err: "timeout"},
		{raw: "kafka://b/t?batch_size=x", err: "batch_size"},
		{raw: "broker:1883", err: "no scheme"},
		{raw: "http://[::1", err: "sink"},
	}
	for _, tc := range tests {
		c, err := ParseURL(tc.raw)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.raw, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("%s: the error shows the password: %v", tc.raw, err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.raw, err)
		case !tc.want(c):
			t.Errorf("%s: parsed as %+v (name %q)", tc.raw, c, c.SinkName())
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"mqtt://u:secret@h/t?password_env=X": "mqtt://u:***@h/t",
		"kafka://h/t#frag":                   "kafka://h/t",
		"https://h/p":                        "https://h/p",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecret(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	os.WriteFile(file, []byte("s3cret\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	t.Setenv("OTSENSOR_TEST_PW", "from-env")
	tests := []struct {
		s    Secret
		want string
		err  string
	}{
		{Secret{File: file}, "s3cret", ""},
		{Secret{Env: "OTSENSOR_TEST_PW"}, "from-env", ""},
		{Secret{Env: "OTSENSOR_TEST_UNSET"}, "", "OTSENSOR_TEST_UNSET is not set"},
		{Secret{File: empty}, "", "is empty"},
		{Secret{File: filepath.Join(dir, "missing")}, "", "no such file"},
		{Secret{File: file, Env: "OTSENSOR_TEST_PW"}, "", "choose one"},
		{Secret{}, "", "no file or env"},
	}
	for _, tc := range tests {
		got, err := tc.s.Read()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%+v: %q, %v; want error %q", tc.s, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%+v: %q, %v; want %q", tc.s, got, err, tc.want)
		}
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("401 unauthorized")
	p := Permanent(base)
	if !IsPermanent(p) || !errors.Is(p, base) || p.Error() != base.Error() {
		t.Errorf("Permanent(%v) = %v", base, p)
	}
	if Permanent(p) != p || Permanent(nil) != nil || IsPermanent(base) {
		t.Error("Permanent of a permanent or nil error, or IsPermanent of a plain one")
	}
	if wrapped := errors.Join(errors.New("send"), p); !IsPermanent(wrapped) {
		t.Error("a wrapped permanent error is not permanent")
	}
}

func TestTLSClient(t *testing.T) {
	c, err := TLSConfig{ServerName: "other"}.Client("broker")
	if err != nil || c.ServerName != "other" || c.MinVersion == 0 {
		t.Errorf("%+v %v", c, err)
	}
	bad := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(bad, []byte("not pem"), 0o600)
	if _, err := (TLSConfig{CAFile: bad}).Client("h"); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a CA file without PEM: %v", err)
	}
	if _, err := (TLSConfig{CertFile: bad, KeyFile: bad}).Client("h"); err == nil {
		t.Error("a bad client certificate was accepted")
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"kafka://b1:9092,b2:9092/alerts?password_env=PW&timeout=5s",
		"mqtts://ops@broker:8883/plant/{type}?iot_hub=h&iot_device=d&sas_key_env=K",
		"syslog+udp://[::1]:514?format=cef", "file:///x.jsonl?max_files=3", "https://u:p@h/p", "%zz://", "a://b?timeout=-1h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := ParseURL(raw)
		if err != nil {
			return
		}
		_ = c.SinkName()
		if c.SendTimeout() <= 0 && c.Timeout > 0 {
			t.Errorf("timeout %v", c.Timeout)
		}
		if strings.ContainsAny(c.URL, "?#") {
			t.Errorf("query or fragment kept in URL %q", c.URL)
		}
	})
}
