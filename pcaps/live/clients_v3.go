package live

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	paho3 "github.com/eclipse/paho.mqtt.golang"
)

// tokenTimeout bounds every paho operation.
const tokenTimeout = 5 * time.Second

// inbox collects the payloads a subscriber receives, so a run can wait
// until everything it published has been delivered.
type inbox struct {
	mu   sync.Mutex
	got  map[string]int
	more chan struct{}
}

func newInbox() *inbox { return &inbox{got: map[string]int{}, more: make(chan struct{}, 1)} }

func (in *inbox) add(topic string) {
	in.mu.Lock()
	in.got[topic]++
	in.mu.Unlock()
	select {
	case in.more <- struct{}{}:
	default:
	}
}

// wait waits until every topic in want was received at least once.
func (in *inbox) wait(timeout time.Duration, want ...string) error {
	deadline := time.After(timeout)
	for {
		in.mu.Lock()
		var missing []string
		for _, w := range want {
			if in.got[w] == 0 {
				missing = append(missing, w)
			}
		}
		in.mu.Unlock()
		if len(missing) == 0 {
			return nil
		}
		select {
		case <-in.more:
		case <-deadline:
			return fmt.Errorf("subscriber did not receive %s", strings.Join(missing, ", "))
		}
	}
}

// v3Client describes one paho.mqtt.golang connection.
type v3Client struct {
	addr     string // AuthAddr or AnonAddr
	version  uint   // 3 (MQIsdp) or 4 (MQTT 3.1.1)
	id       string
	user     string
	password string
	will     bool
	keep     time.Duration
}

func (c v3Client) connect(port int, onMsg paho3.MessageHandler) (paho3.Client, error) {
	o := paho3.NewClientOptions().
		AddBroker(fmt.Sprintf("tcp://%s:%d", c.addr, port)).
		SetClientID(c.id).
		SetProtocolVersion(c.version).
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(tokenTimeout).
		SetKeepAlive(c.keep).
		SetDefaultPublishHandler(onMsg)
	if c.user != "" {
		o.SetUsername(c.user)
	}
	if c.password != "" {
		o.SetPassword(c.password)
	}
	if c.will {
		o.SetWill("plant/status/"+c.id, "offline", 1, true)
	}
	cl := paho3.NewClient(o)
	if err := wait(cl.Connect()); err != nil {
		return nil, err
	}
	return cl, nil
}

// wait waits for a paho token and returns its error.
func wait(t paho3.Token) error {
	if !t.WaitTimeout(tokenTimeout) {
		return errors.New("paho: timed out")
	}
	return t.Error()
}

// payload returns n deterministic printable bytes for a message on topic.
func payload(topic string, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = "0123456789abcdefghijklmnopqrstuvwxyz"[(i+len(topic))%36]
	}
	return b
}

// publisher311 is an MQTT 3.1.1 field device: it publishes temperatures
// at QoS 0, 1 and 2 and a retained set point, subscribes to its command
// topic and unsubscribes again.
func publisher311(port int) error {
	cl, err := v3Client{addr: AuthAddr, version: 4, id: "plc-line1", user: User, password: Password, will: true, keep: 30 * time.Second}.
		connect(port, func(paho3.Client, paho3.Message) {})
	if err != nil {
		return fmt.Errorf("3.1.1 publisher: %w", err)
	}
	defer cl.Disconnect(100)
	return steps("3.1.1 publisher",
		func() paho3.Token { return cl.Publish("plant/line1/temp", 0, false, []byte("21.5")) },
		func() paho3.Token { return cl.Publish("plant/line1/temp", 1, false, []byte("21.6")) },
		func() paho3.Token { return cl.Publish("plant/line1/temp", 2, false, []byte("21.7")) },
		func() paho3.Token { return cl.Publish("plant/line1/setpoint", 1, true, []byte("22.0")) },
		func() paho3.Token { return cl.Publish("plant/line1/log", 1, false, payload("plant/line1/log", 1500)) },
		func() paho3.Token { return cl.Subscribe("plant/line1/cmd", 1, nil) },
		func() paho3.Token { return cl.Unsubscribe("plant/line1/cmd") },
	)
}

// steps runs paho operations one after the other.
func steps(who string, ops ...func() paho3.Token) error {
	for i, op := range ops {
		if err := wait(op()); err != nil {
			return fmt.Errorf("%s step %d: %w", who, i+1, err)
		}
	}
	return nil
}

// publisher31 is an old MQTT 3.1 (MQIsdp) device.
func publisher31(port int) error {
	cl, err := v3Client{addr: AuthAddr, version: 3, id: "rtu-line2", user: User, password: Password, keep: 30 * time.Second}.
		connect(port, func(paho3.Client, paho3.Message) {})
	if err != nil {
		return fmt.Errorf("3.1 publisher: %w", err)
	}
	defer cl.Disconnect(100)
	return steps("3.1 publisher",
		func() paho3.Token { return cl.Subscribe("plant/line2/cmd", 2, nil) },
		func() paho3.Token { return cl.Publish("plant/line2/temp", 1, false, []byte("19.25")) },
		func() paho3.Token { return cl.Publish("plant/line2/temp", 2, false, []byte("19.50")) },
		func() paho3.Token { return cl.Unsubscribe("plant/line2/cmd") },
	)
}

// subscriber311 connects the SCADA subscriber (with a will) and
// subscribes to two wildcard filters, one SUBSCRIBE each (paho's
// SubscribeMultiple would order them at random).
func subscriber311(port int, in *inbox) (paho3.Client, error) {
	cl, err := v3Client{addr: AuthAddr, version: 4, id: "scada-sub", user: User, password: Password, will: true, keep: 60 * time.Second}.
		connect(port, func(_ paho3.Client, m paho3.Message) { in.add(m.Topic()) })
	if err != nil {
		return nil, fmt.Errorf("3.1.1 subscriber: %w", err)
	}
	for _, f := range []struct {
		topic string
		qos   byte
	}{{"plant/+/temp", 1}, {"plant/#", 2}} {
		if err := wait(cl.Subscribe(f.topic, f.qos, nil)); err != nil {
			cl.Disconnect(0)
			return nil, fmt.Errorf("3.1.1 subscribe %s: %w", f.topic, err)
		}
	}
	return cl, nil
}

// refused311 connects with bad credentials and expects the broker to
// refuse: anonymous (no username) and a wrong password.
func refused311(port int) error {
	for _, c := range []v3Client{
		{addr: AuthAddr, version: 4, id: "anon-probe"},
		{addr: AuthAddr, version: 4, id: "guess-pw", user: User, password: "wrong-password"},
	} {
		cl, err := c.connect(port, nil)
		if err == nil {
			cl.Disconnect(0)
			return fmt.Errorf("3.1.1 client %s: the broker accepted it", c.id)
		}
	}
	return nil
}

// anonymous311 connects to the anonymous listener with an empty client id
// and a clean session (the broker assigns an id) and publishes once.
func anonymous311(port int) error {
	cl, err := v3Client{addr: AnonAddr, version: 4, keep: 30 * time.Second}.connect(port, nil)
	if err != nil {
		return fmt.Errorf("anonymous 3.1.1: %w", err)
	}
	defer cl.Disconnect(100)
	return wait(cl.Publish("plant/anon/temp", 0, false, []byte("18.0")))
}
