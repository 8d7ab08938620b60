package kafka

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/otsensor/otsensor/alerts/sink"
)

// A fake Event Hubs connection string; its key must never show in errors.
const (
	testKey = "c2VjcmV0LWtleS1ub3QtZm9yLWVycm9ycw=="
	testCS  = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=" + testKey
)

func TestParseConfig(t *testing.T) {
	t.Setenv("OTS_KAFKA_PW", "pw-value")
	t.Setenv("OTS_EH", testCS)
	t.Setenv("OTS_EH_ENTITY", testCS+";EntityPath=hub1")
	cases := []struct {
		url       string
		brokers   []string
		topic     string
		tls       bool
		user      string
		eventHubs bool
	}{
		{url: "kafka://b1:9092,b2:9093/alerts", brokers: []string{"b1:9092", "b2:9093"}, topic: "alerts"},
		{url: "kafka://b1/alerts", brokers: []string{"b1:9092"}, topic: "alerts"},
		{url: "kafka+tls://b1:9093/alerts", brokers: []string{"b1:9093"}, topic: "alerts", tls: true},
		{url: "kafka://b1:9093/alerts?insecure_skip_verify=true", brokers: []string{"b1:9093"}, topic: "alerts", tls: true},
		{url: "kafka://b1:9093/alerts?server_name=kafka.example", brokers: []string{"b1:9093"}, topic: "alerts", tls: true},
		{url: "kafka://svc@b1:9092/a.b_c-1?password_env=OTS_KAFKA_PW", brokers: []string{"b1:9092"}, topic: "a.b_c-1", user: "svc"},
		{
			url:     "kafka://ns.servicebus.windows.net:9093/hub?connection_string_env=OTS_EH",
			brokers: []string{"ns.servicebus.windows.net:9093"}, topic: "hub", tls: true, user: "$ConnectionString", eventHubs: true,
		},
		{ // broker from Endpoint (port 9093), topic from EntityPath
			url:     "kafka:///?connection_string_env=OTS_EH_ENTITY",
			brokers: []string{"ns.servicebus.windows.net:9093"}, topic: "hub1", tls: true, user: "$ConnectionString", eventHubs: true,
		},
		{
			url:     "kafka://ns.servicebus.windows.net/hub1?connection_string_env=OTS_EH_ENTITY",
			brokers: []string{"ns.servicebus.windows.net:9093"}, topic: "hub1", tls: true, user: "$ConnectionString", eventHubs: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			cfg, err := sink.ParseURL(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			s, err := parseConfig(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(s.brokers, tc.brokers) || s.topic != tc.topic || (s.tls != nil) != tc.tls ||
				s.user != tc.user || s.eventHubs != tc.eventHubs {
				t.Errorf("got brokers=%v topic=%q tls=%v user=%q eventHubs=%v", s.brokers, s.topic, s.tls != nil, s.user, s.eventHubs)
			}
			if tc.eventHubs && s.pass != testCS && s.pass != testCS+";EntityPath=hub1" {
				t.Errorf("password is not the connection string")
			}
			if tc.user == "svc" && s.pass != "pw-value" {
				t.Errorf("password not read from the environment")
			}
			if s.tls != nil && s.tls.ServerName != "" && !strings.Contains(tc.url, "server_name") {
				t.Errorf("ServerName %q set: kgo should check each broker's own name", s.tls.ServerName)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	t.Setenv("OTS_KAFKA_PW", "pw-value")
	t.Setenv("OTS_EH", testCS)
	t.Setenv("OTS_EH_BAD", "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey="+testKey) // no key name
	t.Setenv("OTS_EH_ENTITY", testCS+";EntityPath=hub1")
	cases := []struct {
		cfg  sink.Config
		want string // a piece of the error
	}{
		{sink.Config{URL: "mqtt://b1/t"}, "scheme"},
		{sink.Config{URL: "kafka://b1:9092"}, "no topic"},
		{sink.Config{URL: "kafka://b1:9092/"}, "no topic"},
		{sink.Config{URL: "kafka://b1:9092/bad topic!"}, "not a valid Kafka topic"},
		{sink.Config{URL: "kafka://b1:9092/a/b"}, "not a valid Kafka topic"},
		{sink.Config{URL: "kafka://b1:9092/" + strings.Repeat("t", 250)}, "not a valid Kafka topic"},
		{sink.Config{URL: "kafka:///alerts"}, "no broker"},
		{sink.Config{URL: "kafka://b1,,b2:9092/alerts"}, "empty broker"},
		// url.Parse takes the text after the last colon for a port.
		{sink.Config{URL: "kafka://b1:9092,b2/alerts"}, "invalid port"},
		{sink.Config{URL: "kafka://b1:9092/alerts?timeout=1s"}, "query"},
		{sink.Config{URL: "kafka://svc@b1:9092/alerts"}, "password"},
		{sink.Config{URL: "kafka://b1:9092/alerts", Password: sink.Secret{Env: "OTS_KAFKA_PW"}}, "no username"},
		{sink.Config{URL: "kafka://svc@b1:9092/alerts", Password: sink.Secret{Env: "OTS_UNSET_VAR"}}, "OTS_UNSET_VAR"},
		{sink.Config{URL: "kafka://b1:9093/hub", Username: "u", ConnectionString: sink.Secret{Env: "OTS_EH"}}, "drop username"},
		{sink.Config{URL: "kafka://b1:9093/hub", ConnectionString: sink.Secret{Env: "OTS_EH_BAD"}}, "SharedAccessKeyName"},
		{sink.Config{URL: "kafka://b1:9093/other", ConnectionString: sink.Secret{Env: "OTS_EH_ENTITY"}}, "EntityPath"},
		{sink.Config{URL: "kafka://b1:9092/alerts", TLS: sink.TLSConfig{CAFile: "/nonexistent/ca.pem"}}, "ca_file"},
	}
	for _, tc := range cases {
		t.Run(tc.cfg.URL, func(t *testing.T) {
			_, err := New(tc.cfg, nil)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			for _, secret := range []string{testKey, "pw-value"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a secret: %v", err)
				}
			}
		})
	}
}

func TestClassify(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	cases := []struct {
		err       error
		permanent bool
	}{
		{fmt.Errorf("produce: %w", kerr.SaslAuthenticationFailed), true},
		{fmt.Errorf("produce: %w", kerr.TopicAuthorizationFailed), true},
		{fmt.Errorf("produce: %w", kerr.ClusterAuthorizationFailed), true},
		{fmt.Errorf("produce: %w", kerr.UnknownTopicOrPartition), true},
		{fmt.Errorf("produce: %w", kerr.InvalidTopicException), true},
		{fmt.Errorf("produce: %w", kerr.MessageTooLarge), true},
		{fmt.Errorf("dial: %w", x509.UnknownAuthorityError{}), true},
		{fmt.Errorf("dial: %w", x509.HostnameError{Host: "b1"}), true},
		{fmt.Errorf("produce: %w", kerr.NotLeaderForPartition), false},
		{fmt.Errorf("produce: %w", kerr.RequestTimedOut), false},
		{fmt.Errorf("produce: %w", kerr.ThrottlingQuotaExceeded), false},
		{fmt.Errorf("produce: %w", kerr.NotEnoughReplicas), false},
		{fmt.Errorf("produce: %w", kgo.ErrRecordTimeout), false},
		{fmt.Errorf("produce: %w", kgo.ErrClientClosed), false},
		{fmt.Errorf("send: %w", context.DeadlineExceeded), false},
		{refused, false},
		{errors.New("EOF"), false},
	}
	for _, tc := range cases {
		got := classify(tc.err)
		if sink.IsPermanent(got) != tc.permanent {
			t.Errorf("classify(%v): permanent=%v, want %v", tc.err, sink.IsPermanent(got), tc.permanent)
		}
		if !errors.Is(got, tc.err) {
			t.Errorf("classify(%v) lost the error", tc.err)
		}
	}
	if classify(nil) != nil {
		t.Error("classify(nil) != nil")
	}
}
