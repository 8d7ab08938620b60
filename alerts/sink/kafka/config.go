package kafka

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// URL schemes this sink accepts.
const (
	Scheme    = "kafka"     // plaintext unless TLS settings or a connection string ask for TLS
	SchemeTLS = "kafka+tls" // always TLS
)

// Event Hubs' Kafka endpoint: SASL PLAIN with this user name and the
// connection string as password, TLS on port 9093.
const (
	eventHubsUser = "$ConnectionString"
	eventHubsPort = "9093"
	defaultPort   = "9092"
)

// settings is a validated Config, secrets read.
type settings struct {
	brokers   []string
	topic     string
	tls       *tls.Config // nil: plaintext
	user      string      // SASL PLAIN when not empty
	pass      string
	eventHubs bool
	timeout   time.Duration
	batch     int
}

// parseConfig validates cfg and reads its secrets. Errors name fields,
// never secret values.
func parseConfig(cfg sink.Config) (settings, error) {
	var s settings
	scheme := cfg.Scheme()
	if scheme != Scheme && scheme != SchemeTLS {
		return s, fmt.Errorf("url: scheme %q is not %s:// or %s://", scheme, Scheme, SchemeTLS)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return s, fmt.Errorf("url: %w", err)
	}
	if u.RawQuery != "" {
		return s, fmt.Errorf("url: query parameters must be given to sink.ParseURL or as configuration fields")
	}
	if _, has := u.User.Password(); has {
		return s, fmt.Errorf("url: a password in the URL is refused: use password_env or password_file")
	}
	s.timeout, s.batch = cfg.SendTimeout(), cfg.Batch()

	user := cfg.Username
	if u.User != nil && u.User.Username() != "" {
		if user != "" && user != u.User.Username() {
			return s, fmt.Errorf("username: the URL and the username field disagree")
		}
		user = u.User.Username()
	}

	var endpointHost, entityPath string
	if cfg.ConnectionString.IsSet() {
		if user != "" || cfg.Password.IsSet() {
			return s, fmt.Errorf("connection_string: Event Hubs uses the connection string as its password: drop username and password")
		}
		cs, err := cfg.ConnectionString.Read()
		if err != nil {
			return s, fmt.Errorf("connection_string: %w", err)
		}
		endpointHost, entityPath, err = parseConnectionString(cs)
		if err != nil {
			return s, fmt.Errorf("connection_string: %w", err)
		}
		s.eventHubs, s.user, s.pass = true, eventHubsUser, cs
	} else {
		switch {
		case user != "" && !cfg.Password.IsSet():
			return s, fmt.Errorf("password: user %q needs password_env or password_file for SASL PLAIN", user)
		case user == "" && cfg.Password.IsSet():
			return s, fmt.Errorf("username: a password is set but no username")
		case user != "":
			pass, err := cfg.Password.Read()
			if err != nil {
				return s, fmt.Errorf("password: %w", err)
			}
			s.user, s.pass = user, pass
		}
	}

	port := defaultPort
	if s.eventHubs {
		port = eventHubsPort
	}
	s.brokers, err = parseBrokers(u.Host, endpointHost, port)
	if err != nil {
		return s, err
	}

	s.topic = strings.TrimPrefix(u.Path, "/")
	if s.topic == "" {
		s.topic = entityPath
	}
	if entityPath != "" && s.topic != entityPath {
		return s, fmt.Errorf("url: topic %q differs from the connection string's EntityPath %q", s.topic, entityPath)
	}
	if err := validTopic(s.topic); err != nil {
		return s, fmt.Errorf("url: %w", err)
	}

	if scheme == SchemeTLS || s.eventHubs || cfg.TLS != (sink.TLSConfig{}) {
		// An empty ServerName lets kgo check each broker's own host name.
		s.tls, err = cfg.TLS.Client("")
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// parseBrokers splits the URL's comma-separated host list; with no host,
// an Event Hubs endpoint host is used. Brokers without a port get port.
func parseBrokers(hosts, endpointHost, port string) ([]string, error) {
	if hosts == "" {
		hosts = endpointHost
	}
	if hosts == "" {
		return nil, fmt.Errorf("url: no broker: kafka://host:port[,host:port...]/topic")
	}
	var out []string
	for _, h := range strings.Split(hosts, ",") {
		if h == "" {
			return nil, fmt.Errorf("url: empty broker in %q", hosts)
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			if strings.Contains(h, ":") {
				return nil, fmt.Errorf("url: broker %q: %w", h, err)
			}
			h = net.JoinHostPort(h, port)
		}
		out = append(out, h)
	}
	return out, nil
}

// parseConnectionString reads the Endpoint host and optional EntityPath of
// an Event Hubs connection string
// (Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=...;SharedAccessKey=...[;EntityPath=hub]).
// Its errors never quote the string.
func parseConnectionString(cs string) (host, entityPath string, err error) {
	var endpoint, keyName, key, sas string
	for _, part := range strings.Split(cs, ";") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "endpoint":
			endpoint = v
		case "sharedaccesskeyname":
			keyName = v
		case "sharedaccesskey":
			key = v
		case "sharedaccesssignature":
			sas = v
		case "entitypath":
			entityPath = v
		}
	}
	if endpoint == "" {
		return "", "", fmt.Errorf("no Endpoint=sb://... in it")
	}
	if (keyName == "" || key == "") && sas == "" {
		return "", "", fmt.Errorf("no SharedAccessKeyName and SharedAccessKey (or SharedAccessSignature) in it")
	}
	eu, err := url.Parse(endpoint)
	if err != nil || eu.Hostname() == "" {
		return "", "", fmt.Errorf("Endpoint is not a URL like sb://namespace.servicebus.windows.net/")
	}
	return eu.Hostname(), entityPath, nil
}

// validTopic applies Kafka's topic name rules: 1 to 249 characters of
// [a-zA-Z0-9._-], not "." or "..".
func validTopic(t string) error {
	if t == "" {
		return fmt.Errorf("no topic: kafka://host:port/topic")
	}
	if len(t) > 249 || t == "." || t == ".." {
		return fmt.Errorf("topic %q is not a valid Kafka topic name", t)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("topic %q is not a valid Kafka topic name (allowed: letters, digits, '.', '_', '-')", t)
		}
	}
	return nil
}
