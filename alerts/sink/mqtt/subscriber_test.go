package mqtt

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// received is one message a subscriber got.
type received struct {
	Topic string
	ID    string // the body's "id"
	Body  string
}

// subscriber reads everything from a broker with QoS 1 and a persistent
// session (clean session off), reconnecting on its own, so it misses
// nothing across broker restarts (the broker persists the session).
type subscriber struct {
	mu   sync.Mutex
	msgs []received
	c    paho.Client
}

// subscribe connects a subscriber to b's plain listener for filter.
func subscribe(t testing.TB, b *broker, filter string) *subscriber {
	t.Helper()
	s := &subscriber{}
	o := paho.NewClientOptions().
		AddBroker(fmt.Sprintf("tcp://127.0.0.1:%d", b.plain)).
		SetClientID("testsub").
		SetUsername(subUser).SetPassword(subPass).
		SetProtocolVersion(4).
		SetCleanSession(false).
		SetAutoReconnect(true).
		SetConnectRetry(true).
		SetConnectRetryInterval(50 * time.Millisecond).
		SetMaxReconnectInterval(100 * time.Millisecond).
		SetConnectTimeout(2 * time.Second).
		SetOnConnectHandler(func(c paho.Client) {
			// The broker keeps the subscription in the session; subscribing
			// again is harmless and covers a first connection.
			c.Subscribe(filter, 1, nil)
		}).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			var body struct {
				ID string `json:"id"`
			}
			json.Unmarshal(m.Payload(), &body)
			s.mu.Lock()
			s.msgs = append(s.msgs, received{Topic: m.Topic(), ID: body.ID, Body: string(m.Payload())})
			s.mu.Unlock()
		})
	s.c = paho.NewClient(o)
	tok := s.c.Connect()
	if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("subscriber connect: %v", tok.Error())
	}
	// The first connection subscribes in the handler; wait for SUBACK.
	st := s.c.Subscribe(filter, 1, nil)
	if !st.WaitTimeout(5*time.Second) || st.Error() != nil {
		t.Fatalf("subscribe: %v", st.Error())
	}
	t.Cleanup(func() { s.c.Disconnect(100) })
	return s
}

// all returns what arrived so far.
func (s *subscriber) all() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

// ids returns the ids that arrived so far, in order.
func (s *subscriber) ids() []string {
	var out []string
	for _, m := range s.all() {
		out = append(out, m.ID)
	}
	return out
}

// wait waits until n messages arrived (or fails the test after timeout).
func (s *subscriber) wait(t testing.TB, n int, timeout time.Duration) []received {
	t.Helper()
	return sinktest.WaitN(t, timeout, "subscriber messages", n, s.all)
}
