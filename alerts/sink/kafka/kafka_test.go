package kafka

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// TestDelivery produces alerts, devices and heartbeats and reads them back
// with a kgo consumer: value, id/type/content-type headers, key = type, and
// each key's messages in order.
func TestDelivery(t *testing.T) {
	c := startCluster(t, 0)
	s := newTestSink(t, "kafka://"+addr(c)+"/"+testTopic, 5*time.Second)
	if got, want := s.Name(), "kafka://"+addr(c)+"/"+testTopic; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}

	var all []sink.Message
	for _, b := range [][]sink.Message{
		messages("alert", sink.TypeAlert, 40),
		messages("device", sink.TypeDevice, 7),
		messages("hb", sink.TypeHeartbeat, 1),
		messages("alert2", sink.TypeAlert, 100),
	} {
		if err := send(s, b); err != nil {
			t.Fatalf("Send: %v", err)
		}
		all = append(all, b...)
	}
	if err := s.Send(context.Background(), nil); err != nil {
		t.Errorf("Send(empty batch) = %v", err)
	}

	recs := consume(t, addr(c), testTopic, len(all))
	assertOnce(t, recs, all)
	byID := map[string]sink.Message{}
	for _, m := range all {
		byID[m.ID] = m
	}
	perKey := map[string][]string{}
	for _, r := range recs {
		m := byID[header(r, "id")]
		if got := header(r, "type"); got != m.Type {
			t.Errorf("%s: type header %q, want %q", m.ID, got, m.Type)
		}
		if got := header(r, "content-type"); got != "application/json" {
			t.Errorf("%s: content-type header %q", m.ID, got)
		}
		if string(r.Key) != m.Type {
			t.Errorf("%s: key %q, want the type %q", m.ID, r.Key, m.Type)
		}
		if string(r.Value) != string(m.Body) {
			t.Errorf("%s: value %s, want %s", m.ID, r.Value, m.Body)
		}
		if r.Topic != testTopic {
			t.Errorf("%s: topic %q", m.ID, r.Topic)
		}
		perKey[string(r.Key)] = append(perKey[string(r.Key)], m.ID)
	}
	// Same key, same partition, so the order of sending is kept.
	var wantAlerts []string
	for _, m := range all {
		if m.Type == sink.TypeAlert {
			wantAlerts = append(wantAlerts, m.ID)
		}
	}
	if !slices.Equal(perKey[sink.TypeAlert], wantAlerts) {
		t.Errorf("alerts out of order: %v", perKey[sink.TypeAlert])
	}
}

// TestSensorKey keys records with the sensor id when asked to.
func TestSensorKey(t *testing.T) {
	c := startCluster(t, 0)
	s := newTestSink(t, "kafka://"+addr(c)+"/"+testTopic, 5*time.Second, WithSensorKey("sensor-7"))
	batch := append(messages("a", sink.TypeAlert, 3), messages("d", sink.TypeDevice, 3)...)
	if err := send(s, batch); err != nil {
		t.Fatal(err)
	}
	recs := consume(t, addr(c), testTopic, len(batch))
	assertOnce(t, recs, batch)
	for _, r := range recs {
		if string(r.Key) != "sensor-7" {
			t.Errorf("%s: key %q, want sensor-7", header(r, "id"), r.Key)
		}
	}
	// Same key, one partition: the exact sending order.
	if got, want := ids(recs), ids2(batch); !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func ids2(ms []sink.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

// produceAnswer answers every partition of a produce request with code
// and throttle.
func produceAnswer(req kmsg.Request, code int16, throttleMs int32) *kmsg.ProduceResponse {
	preq := req.(*kmsg.ProduceRequest)
	resp := preq.ResponseKind().(*kmsg.ProduceResponse)
	resp.ThrottleMillis = throttleMs
	for _, rt := range preq.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic = rt.Topic
		st.TopicID = rt.TopicID
		for _, rp := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.ErrorCode = code
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp
}

// throttleHook counts throttles kgo saw.
type throttleHook struct{ n atomic.Int32 }

func (h *throttleHook) OnBrokerThrottle(_ kgo.BrokerMetadata, d time.Duration, _ bool) {
	if d > 0 {
		h.n.Add(1)
	}
}

// TestRetryableBrokerErrors answers the first produce requests with
// retryable broker errors (or drops the connection); Send must retry
// within its timeout and deliver every message exactly once.
func TestRetryableBrokerErrors(t *testing.T) {
	cases := []struct {
		name     string
		times    int
		code     int16
		throttle int32
		drop     bool // close the connection instead of answering
	}{
		{name: "not leader", times: 2, code: kerr.NotLeaderForPartition.Code},
		{name: "not enough replicas", times: 1, code: kerr.NotEnoughReplicas.Code},
		{name: "request timed out", times: 1, code: kerr.RequestTimedOut.Code},
		{name: "throttled", times: 1, code: kerr.ThrottlingQuotaExceeded.Code, throttle: 300},
		{name: "connection dropped", times: 1, drop: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, 0)
			var hits atomic.Int32
			c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
				if int(hits.Add(1)) > tc.times {
					c.DropControl()
					return nil, nil, false
				}
				c.KeepControl()
				if tc.drop {
					return nil, errors.New("injected: connection closed"), true
				}
				return produceAnswer(req, tc.code, tc.throttle), nil, true
			})
			th := &throttleHook{}
			s := newTestSink(t, "kafka://"+addr(c)+"/"+testTopic, 8*time.Second)
			s.extra = []kgo.Opt{kgo.WithHooks(th)}
			batch := messages("m", sink.TypeAlert, 20)
			start := time.Now()
			if err := send(s, batch); err != nil {
				t.Fatalf("Send: %v", err)
			}
			if el := time.Since(start); el > 8*time.Second {
				t.Errorf("Send took %v, past its 8s timeout", el)
			}
			if got := int(hits.Load()); got <= tc.times {
				t.Errorf("the broker saw %d produce requests, want more than the %d injected failures", got, tc.times)
			}
			if tc.throttle > 0 && th.n.Load() == 0 {
				t.Errorf("kgo saw no throttle")
			}
			assertOnce(t, consume(t, addr(c), testTopic, len(batch)), batch)
		})
	}
}

// TestPermanentErrors: errors retrying cannot fix come back as
// sink.Permanent within the timeout.
func TestPermanentErrors(t *testing.T) {
	cases := []struct {
		name    string
		opts    []kfake.Opt
		control int16 // error code answered to every produce; 0: none
		url     func(addr string) string
		env     map[string]string
		body    int // body size; 0: small
		// saslFail answers SaslAuthenticate with SASL_AUTHENTICATION_FAILED.
		saslFail bool
		want     *kerr.Error
	}{
		{
			name: "unknown topic",
			url:  func(a string) string { return "kafka://" + a + "/no-such-topic" },
			want: kerr.UnknownTopicOrPartition,
		},
		{
			name:    "topic authorization failed",
			control: kerr.TopicAuthorizationFailed.Code,
			url:     func(a string) string { return "kafka://" + a + "/" + testTopic },
			want:    kerr.TopicAuthorizationFailed,
		},
		{
			name:    "invalid topic",
			control: kerr.InvalidTopicException.Code,
			url:     func(a string) string { return "kafka://" + a + "/" + testTopic },
			want:    kerr.InvalidTopicException,
		},
		{
			name: "record too large",
			opts: []kfake.Opt{kfake.BrokerConfigs(map[string]string{"message.max.bytes": "2048"})},
			url:  func(a string) string { return "kafka://" + a + "/" + testTopic },
			body: 8192,
			want: kerr.MessageTooLarge,
		},
		{
			// kfake just closes the connection on a wrong password; a
			// Kafka broker first answers SaslAuthenticate with
			// SASL_AUTHENTICATION_FAILED, which the control reproduces.
			name:     "sasl wrong password",
			opts:     []kfake.Opt{kfake.EnableSASL(), kfake.Superuser("PLAIN", "otsensor", "right-password")},
			saslFail: true,
			url: func(a string) string {
				return "kafka://otsensor@" + a + "/" + testTopic + "?password_env=OTS_KAFKA_TEST_PW"
			},
			env:  map[string]string{"OTS_KAFKA_TEST_PW": "wrong-password-XYZZY"},
			want: kerr.SaslAuthenticationFailed,
		},
		{
			// No IDEMPOTENT_WRITE on the cluster and no WRITE on any
			// topic: InitProducerID is refused.
			name: "acl read only",
			opts: []kfake.Opt{
				kfake.EnableSASL(), kfake.EnableACLs(),
				kfake.Superuser("PLAIN", "admin", "admin-pw"),
				kfake.User("PLAIN", "reader", "reader-pw", readACL),
			},
			url: func(a string) string {
				return "kafka://reader@" + a + "/" + testTopic + "?password_env=OTS_KAFKA_TEST_PW"
			},
			env:  map[string]string{"OTS_KAFKA_TEST_PW": "reader-pw"},
			want: kerr.ClusterAuthorizationFailed,
		},
		{
			// May produce idempotently, may not write the topic.
			name: "acl denies topic write",
			opts: []kfake.Opt{
				kfake.EnableSASL(), kfake.EnableACLs(),
				kfake.Superuser("PLAIN", "admin", "admin-pw"),
				kfake.User("PLAIN", "reader", "reader-pw", readACL, kfake.ACL{
					Resource: kmsg.ACLResourceTypeCluster, Name: "kafka-cluster",
					Pattern: kmsg.ACLResourcePatternTypeLiteral, Operation: kmsg.ACLOperationIdempotentWrite, Allow: true,
				}),
			},
			url: func(a string) string {
				return "kafka://reader@" + a + "/" + testTopic + "?password_env=OTS_KAFKA_TEST_PW"
			},
			env:  map[string]string{"OTS_KAFKA_TEST_PW": "reader-pw"},
			want: kerr.TopicAuthorizationFailed,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c := startCluster(t, 0, tc.opts...)
			if tc.saslFail {
				c.ControlKey(int16(kmsg.SASLAuthenticate), func(req kmsg.Request) (kmsg.Response, error, bool) {
					c.KeepControl()
					resp := req.ResponseKind().(*kmsg.SASLAuthenticateResponse)
					resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
					msg := "Authentication failed: Invalid username or password"
					resp.ErrorMessage = &msg
					return resp, nil, true
				})
			}
			if tc.control != 0 {
				c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
					c.KeepControl()
					return produceAnswer(req, tc.control, 0), nil, true
				})
			}
			const timeout = 8 * time.Second
			s := newTestSink(t, tc.url(addr(c)), timeout)
			batch := messages("p", sink.TypeAlert, 3)
			if tc.body > 0 {
				// Random hex: kgo compresses batches, so the body must
				// not shrink below message.max.bytes.
				rnd := rand.New(rand.NewPCG(1, 2))
				pad := make([]byte, tc.body/2)
				for i := range pad {
					pad[i] = byte(rnd.Uint32())
				}
				batch[1].Body = []byte(`{"pad":"` + hex.EncodeToString(pad) + `"}`)
			}
			start := time.Now()
			err := send(s, batch)
			el := time.Since(start)
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if !sink.IsPermanent(err) {
				t.Errorf("error not permanent: %v", err)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v is not %v", err, tc.want)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("a permanent error should not wait for the timeout: %v", err)
			}
			if el >= timeout {
				t.Errorf("Send took %v", el)
			}
			for _, v := range tc.env {
				if strings.Contains(err.Error(), v) {
					t.Errorf("error shows the secret: %v", err)
				}
			}
			t.Logf("%v after %v", err, el.Round(time.Millisecond))
		})
	}
}

// readACL lets a user read testTopic.
var readACL = kfake.ACL{
	Resource: kmsg.ACLResourceTypeTopic, Name: testTopic,
	Pattern: kmsg.ACLResourcePatternTypeLiteral, Operation: kmsg.ACLOperationRead, Allow: true,
}

// TestSASLPlain delivers through a broker that requires SASL PLAIN.
func TestSASLPlain(t *testing.T) {
	t.Setenv("OTS_KAFKA_TEST_PW", "s3cret-pw")
	c := startCluster(t, 0, kfake.EnableSASL(), kfake.Superuser("PLAIN", "otsensor", "s3cret-pw"))
	s := newTestSink(t, "kafka://otsensor@"+addr(c)+"/"+testTopic+"?password_env=OTS_KAFKA_TEST_PW", 5*time.Second)
	batch := messages("sasl", sink.TypeAlert, 10)
	if err := send(s, batch); err != nil {
		t.Fatalf("Send: %v", err)
	}
	assertOnce(t, consume(t, addr(c), testTopic, len(batch), withSASL("otsensor", "s3cret-pw")), batch)
}

// TestBrokerDownAndBack: a stopped cluster gives a retryable error within
// the timeout; a new cluster on the same port is found again.
func TestBrokerDownAndBack(t *testing.T) {
	port := sinktest.FreePort(t)
	c := startCluster(t, port)
	const timeout = 5 * time.Second
	s := newTestSink(t, fmt.Sprintf("kafka://127.0.0.1:%d/%s", port, testTopic), timeout)
	first := messages("before", sink.TypeAlert, 5)
	if err := send(s, first); err != nil {
		t.Fatalf("Send: %v", err)
	}
	c.Close()

	for i := range 2 { // twice: the second Send runs on a fresh client
		start := time.Now()
		err := send(s, messages("down", sink.TypeAlert, 5))
		el := time.Since(start)
		if err == nil {
			t.Fatal("Send to a stopped cluster succeeded")
		}
		if sink.IsPermanent(err) {
			t.Errorf("error is permanent: %v", err)
		}
		// Connection refused by the only broker: no need to wait for
		// the timeout.
		if el > time.Second {
			t.Errorf("Send %d took %v: a refused connection should fail fast", i, el)
		}
		if !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("error does not say why: %v", err)
		}
		t.Logf("down: %v after %v", err, el.Round(time.Millisecond))
	}

	c2 := startCluster(t, port)
	after := messages("after", sink.TypeAlert, 5)
	var err error
	for try := 0; try < 5; try++ { // the first try may still meet the old client's backoff
		if err = send(s, after); err == nil {
			break
		}
		t.Logf("after restart, try %d: %v", try, err)
	}
	if err != nil {
		t.Fatalf("Send after restart: %v", err)
	}
	// The "down" batches may or may not have been written; "after" must be,
	// exactly once.
	recs := consume(t, addr(c2), testTopic, len(after))
	var got []*kgo.Record
	for _, r := range recs {
		if strings.HasPrefix(header(r, "id"), "after-") {
			got = append(got, r)
		}
	}
	assertOnce(t, got, after)
}

// TestHungBroker: a broker that reads produce requests and never answers
// must not hold Send past its timeout; once it answers again a fresh
// client delivers.
func TestHungBroker(t *testing.T) {
	c := startCluster(t, 0)
	var hang atomic.Bool
	hang.Store(true)
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if hang.Load() {
			return nil, nil, true // no answer, connection kept open
		}
		return nil, nil, false
	})
	const timeout = 1500 * time.Millisecond
	s := newTestSink(t, "kafka://"+addr(c)+"/"+testTopic, timeout)
	start := time.Now()
	err := send(s, messages("hung", sink.TypeAlert, 3))
	el := time.Since(start)
	if err == nil {
		t.Fatal("Send to a hung broker succeeded")
	}
	if !errors.Is(err, context.DeadlineExceeded) || sink.IsPermanent(err) {
		t.Errorf("want a retryable deadline error, got %v", err)
	}
	if el > timeout+500*time.Millisecond {
		t.Errorf("Send took %v with a %v timeout", el, timeout)
	}

	hang.Store(false)
	batch := messages("ok", sink.TypeAlert, 3)
	if err := send(s, batch); err != nil {
		t.Fatalf("Send after the broker recovered: %v", err)
	}
	var got []*kgo.Record
	for _, r := range consume(t, addr(c), testTopic, len(batch)) {
		if strings.HasPrefix(header(r, "id"), "ok-") {
			got = append(got, r)
		}
	}
	assertOnce(t, got, batch)
}

// TestCallerContext: Send returns at once with the caller's error when
// the caller's context ends first.
func TestCallerContext(t *testing.T) {
	s := newTestSink(t, "kafka://"+sinktest.SilentPeer(t)+"/"+testTopic, 30*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, messages("x", sink.TypeAlert, 2))
	if !errors.Is(err, context.DeadlineExceeded) || sink.IsPermanent(err) {
		t.Errorf("Send = %v, want a retryable deadline error", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("Send took %v", el)
	}

	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, messages("y", sink.TypeAlert, 1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Send(canceled ctx) = %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Send(context.Background(), messages("z", sink.TypeAlert, 1)); err == nil {
		t.Errorf("Send after Close succeeded")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestOneSeedDown: one refusing seed of two is not an outage.
func TestOneSeedDown(t *testing.T) {
	c := startCluster(t, 0)
	dead := sinktest.FreePort(t)
	s := newTestSink(t, fmt.Sprintf("kafka://127.0.0.1:%d,%s/%s", dead, addr(c), testTopic), 5*time.Second)
	batch := messages("seed", sink.TypeAlert, 5)
	for i := range 3 { // kgo picks seeds at random: try a few times
		if err := send(s, batch); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	recs := consume(t, addr(c), testTopic, 3*len(batch))
	if len(recs) != 3*len(batch) {
		t.Errorf("%d records, want %d", len(recs), 3*len(batch))
	}
}
