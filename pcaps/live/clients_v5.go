package live

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/eclipse/paho.golang/paho"
)

// v5Dial connects a paho.golang client to addr:port. onMsg (if not nil)
// sees the topic of every PUBLISH received.
func v5Dial(ctx context.Context, addr string, port int, onMsg func(topic string)) (*paho.Client, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", fmt.Sprintf("%s:%d", addr, port))
	if err != nil {
		return nil, err
	}
	cfg := paho.ClientConfig{Conn: conn, PacketTimeout: tokenTimeout}
	if onMsg != nil {
		cfg.OnPublishReceived = []func(paho.PublishReceived) (bool, error){
			func(p paho.PublishReceived) (bool, error) { onMsg(p.Packet.Topic); return true, nil },
		}
	}
	return paho.NewClient(cfg), nil
}

func u32(v uint32) *uint32 { return &v }
func u16(v uint16) *uint16 { return &v }
func ptr[T any](v T) *T    { return &v }

// hmiV5 is an MQTT 5.0 HMI: CONNECT with session expiry, receive
// maximum, user properties and a will with properties; SUBSCRIBE with
// options and a subscription identifier (it receives the retained set
// point); PUBLISH at QoS 1 and 2 with content type, response topic,
// correlation data, message expiry and user properties; UNSUBSCRIBE;
// DISCONNECT with reason 0x04 (disconnect with will message), so the
// broker publishes its will.
func hmiV5(ctx context.Context, port int) error {
	in := newInbox()
	c, err := v5Dial(ctx, AuthAddr, port, in.add)
	if err != nil {
		return err
	}
	ca, err := c.Connect(ctx, &paho.Connect{
		ClientID:     "hmi-v5",
		KeepAlive:    30,
		CleanStart:   true,
		Username:     User,
		UsernameFlag: true,
		Password:     []byte(Password),
		PasswordFlag: true,
		Properties: &paho.ConnectProperties{
			SessionExpiryInterval: u32(300),
			ReceiveMaximum:        u16(20),
			MaximumPacketSize:     u32(1 << 20),
			TopicAliasMaximum:     u16(0),
			RequestProblemInfo:    true,
			User:                  paho.UserProperties{{Key: "site", Value: "plant-a"}, {Key: "role", Value: "hmi"}},
		},
		WillMessage: &paho.WillMessage{Topic: "plant/status/hmi-v5", Payload: []byte("offline"), QoS: 1, Retain: false},
		WillProperties: &paho.WillProperties{
			WillDelayInterval: u32(0),
			PayloadFormat:     ptr(byte(1)),
			MessageExpiry:     u32(600),
			ContentType:       "text/plain",
		},
	})
	if err != nil {
		return fmt.Errorf("5.0 hmi connect: %w", err)
	}
	if ca.ReasonCode != 0 {
		return fmt.Errorf("5.0 hmi: CONNACK reason %#x", ca.ReasonCode)
	}
	if _, err := c.Subscribe(ctx, &paho.Subscribe{
		Properties: &paho.SubscribeProperties{SubscriptionIdentifier: ptr(7), User: paho.UserProperties{{Key: "view", Value: "overview"}}},
		Subscriptions: []paho.SubscribeOptions{
			{Topic: "plant/+/setpoint", QoS: 2, RetainHandling: 0, RetainAsPublished: true},
			{Topic: "plant/hmi/#", QoS: 1, NoLocal: true, RetainHandling: 1},
			{Topic: "alarms/#", QoS: 0, RetainHandling: 2},
		},
	}); err != nil {
		return fmt.Errorf("5.0 hmi subscribe: %w", err)
	}
	if err := in.wait(tokenTimeout, "plant/line1/setpoint"); err != nil {
		return fmt.Errorf("5.0 hmi: %w", err)
	}
	for i, p := range []*paho.Publish{
		{Topic: "plant/hmi/cmd", QoS: 1, Payload: []byte(`{"pump":"start"}`), Properties: &paho.PublishProperties{
			ContentType:     "application/json",
			ResponseTopic:   "plant/hmi/reply",
			CorrelationData: []byte{0xc0, 0xff, 0xee, 0x01},
			PayloadFormat:   ptr(byte(1)),
			MessageExpiry:   u32(60),
			User:            paho.UserProperties{{Key: "operator", Value: "op-7"}},
		}},
		{Topic: "plant/hmi/cmd", QoS: 2, Payload: []byte(`{"valve":42}`), Properties: &paho.PublishProperties{
			ContentType:     "application/json",
			ResponseTopic:   "plant/hmi/reply",
			CorrelationData: []byte{0xc0, 0xff, 0xee, 0x02},
		}},
		{Topic: "plant/hmi/trend", QoS: 0, Payload: payload("plant/hmi/trend", 300)},
	} {
		if _, err := c.Publish(ctx, p); err != nil {
			return fmt.Errorf("5.0 hmi publish %d: %w", i+1, err)
		}
	}
	if _, err := c.Unsubscribe(ctx, &paho.Unsubscribe{Topics: []string{"alarms/#", "plant/hmi/#"},
		Properties: &paho.UnsubscribeProperties{User: paho.UserProperties{{Key: "view", Value: "closed"}}}}); err != nil {
		return fmt.Errorf("5.0 hmi unsubscribe: %w", err)
	}
	time.Sleep(50 * time.Millisecond)
	err = c.Disconnect(&paho.Disconnect{ReasonCode: 0x04, Properties: &paho.DisconnectProperties{
		ReasonString: "operator logout", SessionExpiryInterval: u32(0)}})
	closed(c)
	return err
}

// refusedV5 connects with credentials the broker refuses: none, a wrong
// password, and an authentication method it does not support.
func refusedV5(ctx context.Context, port int) error {
	for _, cp := range []*paho.Connect{
		{ClientID: "anon-v5", KeepAlive: 30, CleanStart: true},
		{ClientID: "guess-v5", KeepAlive: 30, CleanStart: true, Username: User, UsernameFlag: true,
			Password: []byte("wrong-password"), PasswordFlag: true},
		{ClientID: "scram-v5", KeepAlive: 30, CleanStart: true, Properties: &paho.ConnectProperties{
			AuthMethod: "SCRAM-SHA-256", AuthData: []byte("n,,n=plant-operator,r=fyko+d2lbbFgONRv9qkxdawL")}},
	} {
		c, err := v5Dial(ctx, AuthAddr, port, nil)
		if err != nil {
			return err
		}
		ca, err := c.Connect(ctx, cp)
		if err == nil {
			c.Disconnect(&paho.Disconnect{})
			return fmt.Errorf("5.0 client %s: the broker accepted it", cp.ClientID)
		}
		if ca == nil {
			return fmt.Errorf("5.0 client %s: no CONNACK: %w", cp.ClientID, err)
		}
		closed(c)
	}
	return nil
}

// anonymousV5 connects to the anonymous listener with an empty client id
// and clean start: the broker assigns an id in the CONNACK.
func anonymousV5(ctx context.Context, port int) error {
	c, err := v5Dial(ctx, AnonAddr, port, nil)
	if err != nil {
		return err
	}
	ca, err := c.Connect(ctx, &paho.Connect{KeepAlive: 30, CleanStart: true})
	if err != nil {
		return fmt.Errorf("anonymous 5.0: %w", err)
	}
	if ca.Properties == nil || ca.Properties.AssignedClientID == "" {
		return fmt.Errorf("anonymous 5.0: no assigned client identifier in CONNACK")
	}
	if _, err := c.Publish(ctx, &paho.Publish{Topic: "plant/anon/v5", QoS: 1, Payload: []byte("17.5")}); err != nil {
		return fmt.Errorf("anonymous 5.0 publish: %w", err)
	}
	err = c.Disconnect(&paho.Disconnect{ReasonCode: 0})
	closed(c)
	return err
}

// closed waits (a while) for a paho.golang client to shut down.
func closed(c *paho.Client) {
	select {
	case <-c.Done():
	case <-time.After(tokenTimeout):
	}
}
