package mqtt

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/otsensor/otsensor/alerts/sink"
)

// hubAPIVersion is the IoT Hub MQTT API version sent in the username.
const hubAPIVersion = "2021-04-12"

// typePlaceholder in a generic-broker topic is replaced by Message.Type.
const typePlaceholder = "{type}"

// options is what New derives from a sink.Config.
type options struct {
	addr     string      // host:port
	tls      *tls.Config // nil for mqtt://
	clientID string
	username string
	password string // generic mode only; IoT Hub passwords come from hub
	topic    string // generic mode: the topic, possibly with {type}
	hub      *hubAuth
	timeout  time.Duration
}

// hubAuth is the Azure IoT Hub device identity.
type hubAuth struct {
	hub, device string
	key         []byte      // decoded device key; nil when a token is given
	token       sink.Secret // a ready-made SAS token, re-read on every connect
	ttl         time.Duration
}

// resource is the SAS token's resource URI, "{hub}/devices/{device}".
func (h *hubAuth) resource() string { return h.hub + "/devices/" + h.device }

// username is the IoT Hub MQTT username.
func (h *hubAuth) username() string {
	return h.hub + "/" + h.device + "/?api-version=" + hubAPIVersion
}

// parseConfig validates cfg and reads its secrets.
func parseConfig(cfg sink.Config, clientID string) (options, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return options{}, fmt.Errorf("url: %w", err)
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "mqtt" && scheme != "mqtts" {
		return options{}, fmt.Errorf("url: scheme %q is not mqtt:// or mqtts://", u.Scheme)
	}
	if _, has := u.User.Password(); has {
		return options{}, errors.New("url: holds a password: use the password setting (a file or an environment variable)")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return options{}, errors.New("url: a query or fragment is not read here: use the configuration fields")
	}
	host := u.Hostname()
	if host == "" {
		return options{}, errors.New("url: no host")
	}
	port := u.Port()
	if port == "" {
		port = "1883"
		if scheme == "mqtts" {
			port = "8883"
		}
	}
	o := options{addr: net.JoinHostPort(host, port), clientID: clientID, timeout: cfg.SendTimeout()}
	if scheme == "mqtts" {
		if o.tls, err = cfg.TLS.Client(host); err != nil {
			return options{}, err
		}
	} else if cfg.TLS != (sink.TLSConfig{}) {
		return options{}, errors.New("tls: settings given for a plain mqtt:// URL: use mqtts://")
	}
	o.username = cfg.Username
	if u.User != nil {
		if o.username != "" && o.username != u.User.Username() {
			return options{}, errors.New("username: differs from the URL's user")
		}
		o.username = u.User.Username()
	}
	if cfg.IoTHub != nil {
		return parseHub(cfg, u, o)
	}
	if cfg.Password.IsSet() {
		if o.password, err = cfg.Password.Read(); err != nil {
			return options{}, fmt.Errorf("password: %w", err)
		}
		if o.username == "" {
			return options{}, errors.New("password: given without a username (mqtt://user@host:port/topic)")
		}
	}
	o.topic = strings.TrimPrefix(u.Path, "/")
	if o.topic == "" {
		return options{}, errors.New("url: no topic (mqtt://host:port/topic)")
	}
	if err := checkTopic(strings.ReplaceAll(o.topic, typePlaceholder, sink.TypeAlert)); err != nil {
		return options{}, fmt.Errorf("url: topic: %w", err)
	}
	return o, nil
}

// parseHub completes o for Azure IoT Hub mode.
func parseHub(cfg sink.Config, u *url.URL, o options) (options, error) {
	ih := cfg.IoTHub
	if o.tls == nil {
		return options{}, errors.New("iot_hub: IoT Hub needs TLS: use mqtts://")
	}
	if o.username != "" || cfg.Password.IsSet() {
		return options{}, errors.New("iot_hub: the username and password come from the device identity: drop username and password")
	}
	if p := strings.TrimPrefix(u.Path, "/"); p != "" {
		return options{}, fmt.Errorf("iot_hub: the topic is devices/{device}/messages/events/: drop the URL path %q", u.Path)
	}
	h := &hubAuth{hub: ih.Hub, device: ih.Device, token: ih.SASToken, ttl: time.Duration(ih.TokenTTL)}
	if h.hub == "" {
		h.hub = u.Hostname()
	}
	if h.device == "" {
		return options{}, errors.New("iot_hub.device: missing")
	}
	if strings.ContainsAny(h.device, "/+#") || !utf8.ValidString(h.device) {
		return options{}, fmt.Errorf("iot_hub.device %q: not a valid device id", h.device)
	}
	if h.ttl == 0 {
		h.ttl = time.Hour
	}
	if h.ttl < 10*time.Second {
		return options{}, fmt.Errorf("iot_hub.token_ttl %v: shorter than 10s", h.ttl)
	}
	switch {
	case ih.SASKey.IsSet() && ih.SASToken.IsSet():
		return options{}, errors.New("iot_hub: both sas_key and sas_token given: choose one")
	case ih.SASKey.IsSet():
		k, err := ih.SASKey.Read()
		if err != nil {
			return options{}, fmt.Errorf("iot_hub.sas_key: %w", err)
		}
		if h.key, err = base64.StdEncoding.DecodeString(k); err != nil || len(h.key) == 0 {
			return options{}, errors.New("iot_hub.sas_key: not a base64 key")
		}
	case ih.SASToken.IsSet():
		t, err := ih.SASToken.Read()
		if err != nil {
			return options{}, fmt.Errorf("iot_hub.sas_token: %w", err)
		}
		if _, err := tokenExpiry(t); err != nil {
			return options{}, fmt.Errorf("iot_hub.sas_token: %w", err)
		}
	default:
		return options{}, errors.New("iot_hub: sas_key or sas_token missing")
	}
	o.hub = h
	o.clientID = h.device
	o.username = h.username()
	return o, nil
}

// checkTopic rejects a topic a client may not publish to (MQTT 3.1.1
// sections 4.7.1 and 4.7.3): empty, wildcards, NUL, bad UTF-8, too long.
func checkTopic(t string) error {
	switch {
	case t == "":
		return errors.New("empty")
	case len(t) > 65535:
		return errors.New("longer than 65535 bytes")
	case strings.ContainsAny(t, "+#\x00"):
		return fmt.Errorf("%q holds a wildcard (+ #) or NUL", t)
	case !utf8.ValidString(t):
		return errors.New("not UTF-8")
	}
	return nil
}
