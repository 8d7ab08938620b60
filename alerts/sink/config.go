package sink

import (
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config configures one sink: an entry of the configuration file's
// `sinks:` list, or a `--sink URL` flag (ParseURL). Each sink reads the
// fields it needs and rejects a configuration it cannot use.
type Config struct {
	// URL says where to send: mqtt://[user@]host:port/topic (mqtts:// for
	// TLS), kafka://broker:port/topic, eventhubs://namespace/hub,
	// syslog+udp://, syslog+tcp://, syslog+tls://host:port,
	// https://host/path (webhook), file:///path.jsonl. It must not hold
	// a password: secrets come from files or the environment.
	URL string `json:"url" yaml:"url"`
	// Name overrides the sink's name (default: the URL without its query).
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Envelope is the body format: "otsensor" (default) or "defender"
	// (the Defender for IoT security-message envelope).
	Envelope string `json:"envelope,omitempty" yaml:"envelope,omitempty"`

	// Username for MQTT, Kafka SASL PLAIN or the webhook's basic auth
	// (also the URL's user part).
	Username string `json:"username,omitempty" yaml:"username,omitempty"`
	// Password for MQTT, Kafka SASL or basic auth.
	Password Secret `json:"password,omitempty" yaml:"password,omitempty"`
	// ConnectionString is an Event Hubs (or Event Hubs Kafka endpoint)
	// connection string.
	ConnectionString Secret `json:"connection_string,omitempty" yaml:"connection_string,omitempty"`

	// TLS client settings for mqtts, kafka with TLS, syslog+tls, https.
	TLS TLSConfig `json:"tls,omitempty" yaml:"tls,omitempty"`

	// Format is the syslog format: "rfc5424" (default) or "cef".
	Format string `json:"format,omitempty" yaml:"format,omitempty"`
	// Headers are extra HTTP headers for the webhook; a value may name a
	// secret as "env:NAME" or "file:/path".
	Headers map[string]string `json:"headers,omitempty" yaml:"headers,omitempty"`
	// IoTHub switches the MQTT sink to Azure IoT Hub's device protocol.
	IoTHub *IoTHubConfig `json:"iot_hub,omitempty" yaml:"iot_hub,omitempty"`
	// MaxFileBytes rotates a file sink's file at that size (default 64 MiB);
	// MaxFiles is how many rotated files are kept (default 5).
	MaxFileBytes int64 `json:"max_file_bytes,omitempty" yaml:"max_file_bytes,omitempty"`
	MaxFiles     int   `json:"max_files,omitempty" yaml:"max_files,omitempty"`

	// Timeout bounds one Send (default 30s).
	Timeout Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// BatchSize is the most messages per Send (default 100).
	BatchSize int `json:"batch_size,omitempty" yaml:"batch_size,omitempty"`
}

// TLSConfig is a TLS client configuration.
type TLSConfig struct {
	CAFile   string `json:"ca_file,omitempty" yaml:"ca_file,omitempty"`     // PEM roots; default: the system's
	CertFile string `json:"cert_file,omitempty" yaml:"cert_file,omitempty"` // client certificate (PEM)
	KeyFile  string `json:"key_file,omitempty" yaml:"key_file,omitempty"`
	// ServerName overrides the name checked in the server's certificate.
	ServerName string `json:"server_name,omitempty" yaml:"server_name,omitempty"`
	// InsecureSkipVerify accepts any server certificate (tests only).
	InsecureSkipVerify bool `json:"insecure_skip_verify,omitempty" yaml:"insecure_skip_verify,omitempty"`
}

// IoTHubConfig is the Azure IoT Hub MQTT device protocol: username
// "{hub}/{device}/?api-version=2021-04-12", a SAS token as password,
// topic "devices/{device}/messages/events/".
type IoTHubConfig struct {
	Hub    string `json:"hub" yaml:"hub"`       // e.g. "myhub.azure-devices.net"
	Device string `json:"device" yaml:"device"` // device id
	// SASKey is the device's shared access key (base64), from which the
	// sink signs its tokens; SASToken, instead, is a ready-made token.
	SASKey   Secret `json:"sas_key,omitempty" yaml:"sas_key,omitempty"`
	SASToken Secret `json:"sas_token,omitempty" yaml:"sas_token,omitempty"`
	// TokenTTL is the life of signed tokens (default 1h).
	TokenTTL Duration `json:"token_ttl,omitempty" yaml:"token_ttl,omitempty"`
}

// Secret is a value read from a file or an environment variable, never
// written in the configuration itself, never logged.
type Secret struct {
	File string `json:"file,omitempty" yaml:"file,omitempty"`
	Env  string `json:"env,omitempty" yaml:"env,omitempty"`
}

// IsSet tells whether s names a source.
func (s Secret) IsSet() bool { return s.File != "" || s.Env != "" }

// Read returns the secret, without a trailing newline. It names the file
// or variable in its errors, never the value.
func (s Secret) Read() (string, error) {
	switch {
	case s.File != "" && s.Env != "":
		return "", fmt.Errorf("secret: both file %q and env %s given: choose one", s.File, s.Env)
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("secret: %w", err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("secret: file %s is empty", s.File)
		}
		return v, nil
	case s.Env != "":
		v, ok := os.LookupEnv(s.Env)
		if !ok || v == "" {
			return "", fmt.Errorf("secret: environment variable %s is not set", s.Env)
		}
		return v, nil
	}
	return "", fmt.Errorf("secret: no file or env given")
}

// Duration is a time.Duration written as "30s", "5m" in configuration.
type Duration time.Duration

// UnmarshalText reads a Go duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes a Go duration.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Scheme returns the URL's scheme ("mqtts", "syslog+tcp", ...), lower case.
func (c Config) Scheme() string {
	i := strings.Index(c.URL, "://")
	if i < 0 {
		return ""
	}
	return strings.ToLower(c.URL[:i])
}

// SinkName is Name, or the URL without query, fragment or password.
func (c Config) SinkName() string {
	if c.Name != "" {
		return c.Name
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		return c.Scheme() + "://?"
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	return u.String()
}

// SendTimeout is Timeout or its default.
func (c Config) SendTimeout() time.Duration {
	if c.Timeout > 0 {
		return time.Duration(c.Timeout)
	}
	return 30 * time.Second
}

// Batch is BatchSize or its default.
func (c Config) Batch() int {
	if c.BatchSize > 0 {
		return c.BatchSize
	}
	return 100
}

// ParseURL reads a --sink flag. The query may set the Config fields that
// a URL has no place for: name, envelope, format, timeout, batch_size,
// password_env, password_file, connection_string_env,
// connection_string_file, ca_file, cert_file, key_file, server_name,
// insecure_skip_verify, max_file_bytes, max_files, and for IoT Hub
// iot_hub, iot_device, sas_key_env, sas_key_file. A password in the URL
// is refused.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Config{}, fmt.Errorf("sink %q: %w", redact(raw), err)
	}
	if u.Scheme == "" || !strings.Contains(raw, "://") {
		return Config{}, fmt.Errorf("sink %q: no scheme (mqtt://, kafka://, eventhubs://, syslog+udp://, https://, file://, ...)", raw)
	}
	if _, has := u.User.Password(); has {
		return Config{}, fmt.Errorf("sink %q: a password in the URL would show in process lists and logs: use ?password_env=VAR or ?password_file=PATH", redact(raw))
	}
	c := Config{URL: raw}
	if u.User != nil {
		c.Username = u.User.Username()
	}
	q := u.Query()
	var iot IoTHubConfig
	for key, vals := range q {
		v := vals[len(vals)-1]
		if err := c.setQuery(key, v, &iot); err != nil {
			return Config{}, fmt.Errorf("sink %q: %s: %w", redact(raw), key, err)
		}
	}
	if iot.Hub != "" || iot.Device != "" || iot.SASKey.IsSet() {
		c.IoTHub = &iot
	}
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	c.URL = u.String()
	return c, nil
}

// setQuery sets the field a query key names.
func (c *Config) setQuery(key, v string, iot *IoTHubConfig) error {
	var err error
	switch key {
	case "name":
		c.Name = v
	case "envelope":
		c.Envelope = v
	case "format":
		c.Format = v
	case "timeout":
		err = c.Timeout.UnmarshalText([]byte(v))
	case "batch_size":
		c.BatchSize, err = strconv.Atoi(v)
	case "password_env":
		c.Password.Env = v
	case "password_file":
		c.Password.File = v
	case "connection_string_env":
		c.ConnectionString.Env = v
	case "connection_string_file":
		c.ConnectionString.File = v
	case "ca_file":
		c.TLS.CAFile = v
	case "cert_file":
		c.TLS.CertFile = v
	case "key_file":
		c.TLS.KeyFile = v
	case "server_name":
		c.TLS.ServerName = v
	case "insecure_skip_verify":
		c.TLS.InsecureSkipVerify, err = strconv.ParseBool(v)
	case "max_file_bytes":
		c.MaxFileBytes, err = strconv.ParseInt(v, 10, 64)
	case "max_files":
		c.MaxFiles, err = strconv.Atoi(v)
	case "iot_hub":
		iot.Hub = v
	case "iot_device":
		iot.Device = v
	case "sas_key_env":
		iot.SASKey.Env = v
	case "sas_key_file":
		iot.SASKey.File = v
	default:
		return fmt.Errorf("unknown parameter")
	}
	return err
}

// redact drops a URL's query and password for error messages.
func redact(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			user := rest[:at]
			if c := strings.Index(user, ":"); c >= 0 {
				user = user[:c] + ":***"
			}
			raw = raw[:i+3] + user + rest[at:]
		}
	}
	return raw
}
