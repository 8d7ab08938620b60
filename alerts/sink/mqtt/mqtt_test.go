package mqtt

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// Azure-IoT-Hub-style identity used against mosquitto.
const (
	testHub    = "hub.example.net"
	testDevice = "dev-1"
	hubUser    = testHub + "/" + testDevice + "/?api-version=2021-04-12"
)

// testACL gives the reader everything, the generic publisher otsensor/#
// and the IoT Hub device only its own events topic, as IoT Hub does.
const testACL = `user ` + subUser + `
topic read #

user ` + pubUser + `
topic write otsensor/#

user ` + hubUser + `
topic write devices/` + testDevice + `/messages/events/#
`

// t0 is the fixed clock of IoT Hub tests, so their tokens are known.
var t0 = time.Unix(1893456000, 0) // 2030-01-01T00:00:00Z

// batch makes n messages of type typ with ids prefix-0, prefix-1, ...,
// whose bodies follow the otsensor message schema.
func batch(prefix string, n int, typ string) []sink.Message {
	out := make([]sink.Message, n)
	for i := range out {
		id := fmt.Sprintf("%s-%d", prefix, i)
		out[i] = sink.Message{Seq: uint64(i + 1), ID: id, Type: typ, Time: t0,
			Body: fmt.Appendf(nil, `{"schema":"otsensor.message","v":1,"id":%q,"type":%q,"sensor_id":"s1","time":"2030-01-01T00:00:00Z","%s":{}}`, id, typ, typ)}
	}
	return out
}

// secretFile writes value to a file in dir and returns a Secret naming it.
func secretFile(t *testing.T, dir, name, value string) sink.Secret {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return sink.Secret{File: p}
}

// hubToken is the token the broker expects from a device signing at now
// with a 1h TTL, computed with openssl (TestSASTokenMatchesOpenSSL).
func hubToken(t *testing.T, now time.Time) string {
	return opensslSAS(t, testHub+"%2Fdevices%2F"+testDevice, testDeviceKey, now.Add(time.Hour).Unix())
}

// brokerUsers are the broker's users; the hub device's password is the
// token signed at t0.
func brokerUsers(t *testing.T) map[string]string {
	return map[string]string{pubUser: pubPass, subUser: subPass, hubUser: hubToken(t, t0)}
}

func newTestSink(t *testing.T, cfg sink.Config, now func() time.Time) *Sink {
	t.Helper()
	if now == nil {
		now = time.Now
	}
	s, err := newSink(cfg, nil, now)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func send(t *testing.T, s *Sink, msgs []sink.Message) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Send(ctx, msgs)
}

func TestGenericPublishTypeTopics(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerUsers(t), testACL)
	sub := subscribe(t, b, "otsensor/#")
	dir := t.TempDir()
	for _, scheme := range []string{"mqtt", "mqtts"} {
		cfg := sink.Config{URL: b.url(scheme, pubUser, "otsensor/{type}"), Password: secretFile(t, dir, "pw", pubPass)}
		if scheme == "mqtts" {
			cfg.TLS.CAFile = b.ca.File
		}
		s := newTestSink(t, cfg, nil)
		msgs := append(batch(scheme+"-a", 50, sink.TypeAlert), batch(scheme+"-h", 2, sink.TypeHeartbeat)...)
		msgs = append(msgs, batch(scheme+"-d", 3, sink.TypeDevice)...)
		if err := send(t, s, msgs); err != nil {
			t.Fatalf("%s: Send: %v", scheme, err)
		}
		if s.connects != 1 {
			t.Errorf("%s: %d connections, want 1", scheme, s.connects)
		}
	}
	got := sub.wait(t, 110, 5*time.Second)
	if len(got) != 110 {
		t.Fatalf("got %d messages, want 110", len(got))
	}
	// One connection, one topic per type: the broker keeps the order.
	var i int
	for _, scheme := range []string{"mqtt", "mqtts"} {
		for _, want := range []struct {
			prefix, topic string
			n             int
		}{{"-a", "otsensor/alert", 50}, {"-h", "otsensor/heartbeat", 2}, {"-d", "otsensor/device", 3}} {
			for k := range want.n {
				m := got[i]
				i++
				if id := fmt.Sprintf("%s%s-%d", scheme, want.prefix, k); m.ID != id || m.Topic != want.topic {
					t.Errorf("message %d: id %q on %q, want %q on %q", i-1, m.ID, m.Topic, id, want.topic)
				}
			}
		}
	}
}

func TestClientCertificate(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerUsers(t), testACL)
	sub := subscribe(t, b, "otsensor/#")
	dir := t.TempDir()
	cert, key := b.ca.Client("client")
	s := newTestSink(t, sink.Config{URL: fmt.Sprintf("mqtts://%s@127.0.0.1:%d/otsensor/m", pubUser, b.mtls),
		Password: secretFile(t, dir, "pw", pubPass), TLS: sink.TLSConfig{CAFile: b.ca.File, CertFile: cert, KeyFile: key}}, nil)
	if err := send(t, s, batch("mtls", 2, sink.TypeAlert)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	sub.wait(t, 2, 5*time.Second)
	if got := strings.Join(sub.ids(), " "); got != "mtls-0 mtls-1" {
		t.Errorf("received %s", got)
	}
}

// TestClientCertificateRefused: a broker that refuses the client's
// certificate. With TLS 1.2 the refusal is an alert during the handshake,
// which the sink reports as permanent. (With TLS 1.3 the client finishes
// its handshake first and the alert may be lost to a connection reset, a
// retryable error; Config has no TLS version setting, so the test caps it.)
func TestClientCertificateRefused(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerUsers(t), testACL)
	dir := t.TempDir()
	other := sinktest.NewCA(t, "other")
	cert, key := other.Client("stranger")
	for _, tc := range []struct {
		name      string
		cert, key string
	}{{"no client certificate", "", ""}, {"client certificate from another CA", cert, key}} {
		s := newTestSink(t, sink.Config{URL: fmt.Sprintf("mqtts://%s@127.0.0.1:%d/otsensor/m", pubUser, b.mtls),
			Password: secretFile(t, dir, "pw", pubPass), TLS: sink.TLSConfig{CAFile: b.ca.File, CertFile: tc.cert, KeyFile: tc.key}}, nil)
		s.opt.tls.MaxVersion = tls.VersionTLS12
		err := send(t, s, batch("x", 1, sink.TypeAlert))
		if !sink.IsPermanent(err) {
			t.Errorf("%s: Send = %v, want a permanent error", tc.name, err)
		}
		t.Logf("%s: %v", tc.name, err)
	}
}

func TestCredentialsAndCertificatesArePermanent(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerUsers(t), testACL)
	dir := t.TempDir()
	other := sinktest.NewCA(t, "other")
	for _, tc := range []struct {
		name string
		cfg  sink.Config
	}{
		{"wrong password", sink.Config{URL: b.url("mqtt", pubUser, "otsensor/x"), Password: secretFile(t, dir, "bad", "not-the-password")}},
		{"unknown user", sink.Config{URL: b.url("mqtt", "nobody", "otsensor/x"), Password: secretFile(t, dir, "pw", pubPass)}},
		{"no credentials", sink.Config{URL: b.url("mqtt", "", "otsensor/x")}},
		{"unknown CA", sink.Config{URL: b.url("mqtts", pubUser, "otsensor/x"), Password: secretFile(t, dir, "pw", pubPass), TLS: sink.TLSConfig{CAFile: other.File}}},
		{"wrong server name", sink.Config{URL: b.url("mqtts", pubUser, "otsensor/x"), Password: secretFile(t, dir, "pw", pubPass), TLS: sink.TLSConfig{CAFile: b.ca.File, ServerName: "broker.example"}}},
	} {
		s := newTestSink(t, tc.cfg, nil)
		start := time.Now()
		err := send(t, s, batch("p", 1, sink.TypeAlert))
		if err == nil || !sink.IsPermanent(err) {
			t.Errorf("%s: Send = %v, want a permanent error", tc.name, err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("%s: Send took %v", tc.name, d)
		}
		if err != nil && (strings.Contains(err.Error(), pubPass) || strings.Contains(err.Error(), "not-the-password")) {
			t.Errorf("%s: the error shows the password: %v", tc.name, err)
		}
		t.Logf("%s: %v", tc.name, err)
	}
}

func TestIoTHubTopicPropertiesAndACL(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerUsers(t), testACL)
	sub := subscribe(t, b, "#")
	dir := t.TempDir()
	key := secretFile(t, dir, "key", base64Std(testDeviceKey))
	s := newTestSink(t, sink.Config{URL: b.url("mqtts", "", ""), TLS: sink.TLSConfig{CAFile: b.ca.File},
		IoTHub: &sink.IoTHubConfig{Hub: testHub, Device: testDevice, SASKey: key}}, func() time.Time { return t0 })
	msgs := append(batch("hub-a", 3, sink.TypeAlert), batch("hub-h", 1, sink.TypeHeartbeat)...)
	if err := send(t, s, msgs); err != nil {
		t.Fatalf("Send: %v", err)
	}
	// The same device publishing outside its events topic is dropped by
	// the ACL (MQTT 3.1.1 still acknowledges it): the ACL is in force.
	rogue := newTestSink(t, sink.Config{URL: b.url("mqtt", "", "otsensor/{type}"), Username: hubUser,
		Password: secretFile(t, dir, "tok", hubToken(t, t0))}, nil)
	if err := send(t, rogue, batch("rogue", 1, sink.TypeAlert)); err != nil {
		t.Fatalf("rogue Send: %v", err)
	}
	// A marker sent after it proves the rogue message had its chance.
	if err := send(t, s, batch("hub-m", 1, sink.TypeAlert)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := sub.wait(t, 5, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	got = sub.all()
	const events = "devices/" + testDevice + "/messages/events/"
	want := []received{
		{Topic: events + "$.mid=hub-a-0&$.ct=application%2Fjson&$.ce=utf-8&type=alert", ID: "hub-a-0"},
		{Topic: events + "$.mid=hub-a-1&$.ct=application%2Fjson&$.ce=utf-8&type=alert", ID: "hub-a-1"},
		{Topic: events + "$.mid=hub-a-2&$.ct=application%2Fjson&$.ce=utf-8&type=alert", ID: "hub-a-2"},
		{Topic: events + "$.mid=hub-h-0&$.ct=application%2Fjson&$.ce=utf-8&type=heartbeat", ID: "hub-h-0"},
		{Topic: events + "$.mid=hub-m-0&$.ct=application%2Fjson&$.ce=utf-8&type=alert", ID: "hub-m-0"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d messages %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i].Topic != want[i].Topic || got[i].ID != want[i].ID {
			t.Errorf("message %d: %q id %q, want %q id %q", i, got[i].Topic, got[i].ID, want[i].Topic, want[i].ID)
		}
	}
	if l := b.log(); !strings.Contains(l, "as "+testDevice+" ") || !strings.Contains(l, "u'"+hubUser+"'") {
		t.Errorf("the broker log shows no connection with client id %s and user %s:\n%s", testDevice, hubUser, b.tail())
	}
	if !strings.Contains(b.log(), "Denied PUBLISH") {
		t.Errorf("the broker did not deny the rogue publish:\n%s", b.tail())
	}
}

func TestIoTHubTokenRenewal(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerUsers(t), testACL)
	sub := subscribe(t, b, "devices/#")
	dir := t.TempDir()
	now := t0
	s := newTestSink(t, sink.Config{URL: b.url("mqtts", "", ""), TLS: sink.TLSConfig{CAFile: b.ca.File},
		IoTHub: &sink.IoTHubConfig{Hub: testHub, Device: testDevice, SASKey: secretFile(t, dir, "key", base64Std(testDeviceKey))}},
		func() time.Time { return now })
	if err := send(t, s, batch("r1", 1, sink.TypeAlert)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	// 47 of the token's 60 minutes: not yet due (renewal at 48).
	now = t0.Add(47 * time.Minute)
	if err := send(t, s, batch("r2", 1, sink.TypeAlert)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if s.connects != 1 {
		t.Fatalf("%d connections before renewal, want 1", s.connects)
	}
	// At 50 minutes the sink reconnects with a token signed then, which
	// the broker does not know yet: refused, where the old connection
	// would have worked.
	now = t0.Add(50 * time.Minute)
	if err := send(t, s, batch("refused", 1, sink.TypeAlert)); !sink.IsPermanent(err) {
		t.Fatalf("Send at renewal time with the broker knowing only the old token = %v, want a permanent refusal", err)
	}
	// With the new token in the broker's password file, it goes through.
	b.users[hubUser] = hubToken(t, now)
	b.reload()
	if err := send(t, s, batch("r3", 1, sink.TypeAlert)); err != nil {
		t.Fatalf("Send after renewal: %v\n%s", err, b.tail())
	}
	if s.connects != 2 {
		t.Errorf("%d connections after renewal, want 2", s.connects)
	}

	sub.wait(t, 3, 5*time.Second)
	if got := strings.Join(sub.ids(), " "); got != "r1-0 r2-0 r3-0" {
		t.Errorf("received %s", got)
	}
}

func TestIoTHubGivenToken(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerUsers(t), testACL)
	sub := subscribe(t, b, "devices/#")
	dir := t.TempDir()
	tok := secretFile(t, dir, "token", hubToken(t, t0)) // expires at t0+1h
	cfg := sink.Config{URL: b.url("mqtts", "", ""), TLS: sink.TLSConfig{CAFile: b.ca.File},
		IoTHub: &sink.IoTHubConfig{Hub: testHub, Device: testDevice, SASToken: tok}}
	s := newTestSink(t, cfg, func() time.Time { return t0.Add(59 * time.Minute) })
	if err := send(t, s, batch("given", 2, sink.TypeAlert)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	sub.wait(t, 2, 5*time.Second)
	expired := newTestSink(t, cfg, func() time.Time { return t0.Add(time.Hour) })
	err := send(t, expired, batch("late", 1, sink.TypeAlert))
	if !sink.IsPermanent(err) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("Send with an expired token = %v, want a permanent error about expiry", err)
	}
	if strings.Contains(err.Error(), "sig=") {
		t.Errorf("the error shows the token: %v", err)
	}
}

func TestBrokerRestart(t *testing.T) {
	t.Parallel()
	b := startBroker(t, brokerUsers(t), testACL)
	sub := subscribe(t, b, "otsensor/#")
	dir := t.TempDir()
	s := newTestSink(t, sink.Config{URL: b.url("mqtts", pubUser, "otsensor/events"), Password: secretFile(t, dir, "pw", pubPass),
		TLS: sink.TLSConfig{CAFile: b.ca.File}, Timeout: sink.Duration(3 * time.Second)}, nil)
	if err := send(t, s, batch("before", 5, sink.TypeAlert)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	b.stop()
	// Twice: the first Send finds the lost connection, the second dials
	// a closed port. Neither may buffer and claim success.
	for i := range 2 {
		start := time.Now()
		err := send(t, s, batch(fmt.Sprintf("down%d", i), 3, sink.TypeAlert))
		if err == nil || sink.IsPermanent(err) {
			t.Fatalf("Send %d with the broker down = %v, want a retryable error", i, err)
		}
		if d := time.Since(start); d > 3500*time.Millisecond {
			t.Errorf("Send %d took %v, more than its 3s timeout", i, d)
		}
		t.Logf("broker down: %v (%v)", err, time.Since(start).Round(time.Millisecond))
	}
	b.start()
	if err := send(t, s, batch("after", 5, sink.TypeAlert)); err != nil {
		t.Fatalf("Send after restart: %v", err)
	}
	sub.wait(t, 10, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	want := "before-0 before-1 before-2 before-3 before-4 after-0 after-1 after-2 after-3 after-4"
	if got := strings.Join(sub.ids(), " "); got != want {
		t.Errorf("received %s\nwant     %s", got, want)
	}
}

func TestSendHonoursDeadline(t *testing.T) {
	t.Parallel()
	addr := sinktest.SilentPeer(t)
	for _, scheme := range []string{"mqtt", "mqtts"} {
		s := newTestSink(t, sink.Config{URL: scheme + "://" + addr + "/t", Timeout: sink.Duration(10 * time.Second)}, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		err := s.Send(ctx, batch("x", 1, sink.TypeAlert))
		cancel()
		if err == nil || sink.IsPermanent(err) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: Send = %v, want a retryable deadline error", scheme, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: Send took %v with a 300ms deadline", scheme, d)
		}
		// The configured timeout bounds a Send without a deadline too.
		s.opt.timeout = 200 * time.Millisecond
		start = time.Now()
		if err := s.Send(context.Background(), batch("y", 1, sink.TypeAlert)); err == nil || sink.IsPermanent(err) {
			t.Errorf("%s: Send = %v, want a retryable error", scheme, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: Send took %v with a 200ms timeout", scheme, d)
		}
	}
}

func TestConnectionRefusedIsRetryable(t *testing.T) {
	t.Parallel()
	port := freePort(t) // closed again: nothing listens
	s := newTestSink(t, sink.Config{URL: fmt.Sprintf("mqtt://127.0.0.1:%d/t", port)}, nil)
	err := send(t, s, batch("x", 1, sink.TypeAlert))
	if err == nil || sink.IsPermanent(err) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("Send = %v, want a retryable connection-refused error", err)
	}
}
