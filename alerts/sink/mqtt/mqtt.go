// Package mqtt is the MQTT 3.1.1 sink, for a generic broker or for Azure
// IoT Hub's device protocol, with the Eclipse Paho client.
//
// Generic-broker mode, mqtt://[user@]host[:1883]/topic or
// mqtts://[user@]host[:8883]/topic: each message's Body is published with
// QoS 1 to the URL's topic, in which "{type}" is replaced by the message
// type ("alert", "device", "heartbeat"), so mqtt://broker/otsensor/{type}
// publishes alerts to otsensor/alert. The password comes from
// Config.Password, TLS settings from Config.TLS. The client id is
// "otsensor" and 12 random hex digits, new for every sink, with a clean
// session.
//
// Azure IoT Hub mode (Config.IoTHub set, mqtts:// required, no URL path):
// the client id is the device id, the username
// "{hub}/{device}/?api-version=2021-04-12", the password a SAS token
// signed from the device key (renewed, by reconnecting, once four fifths
// of its life have passed) or a ready-made token (re-read from its file or
// variable on every connect). Messages go to
// "devices/{device}/messages/events/" followed by their properties:
// $.mid=<Message.ID>&$.ct=application%2Fjson&$.ce=utf-8&type=<Message.Type>.
//
// Send returns nil only when the broker acknowledged (PUBACK) every
// message of the batch. The sink owns its connection: it connects on the
// first Send and after any error, within the Send's deadline; Paho's
// automatic reconnection and offline queueing are off, so a message is
// never buffered while disconnected and reported as sent. CONNACK refusals
// for credentials, authorization, client id or protocol, and TLS
// certificate failures, are sink.Permanent; refused, lost or timed-out
// connections are retryable.
package mqtt

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts/sink"
)

// Sink publishes messages to an MQTT broker or an IoT Hub.
type Sink struct {
	name string
	opt  options
	log  *zap.Logger
	now  func() time.Time

	mu       sync.Mutex // serialises Send and Close
	client   paho.Client
	renewAt  time.Time // reconnect from then on (a SAS token is due); zero: never
	connects int       // successful connections, for tests
	closed   bool
}

var _ sink.Sink = (*Sink)(nil)

// New validates cfg, reads its secrets and returns the sink; it connects
// on the first Send. log may be nil.
func New(cfg sink.Config, log *zap.Logger) (sink.Sink, error) {
	return newSink(cfg, log, time.Now)
}

// newSink is New with a clock (tests sign tokens at a fixed time).
func newSink(cfg sink.Config, log *zap.Logger, now func() time.Time) (*Sink, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	opt, err := parseConfig(cfg, "otsensor"+hex.EncodeToString(b[:]))
	if err != nil {
		return nil, fmt.Errorf("mqtt sink %s: %w", cfg.SinkName(), err)
	}
	if log == nil {
		log = zap.NewNop()
	}
	name := cfg.SinkName()
	return &Sink{name: name, opt: opt, log: log.With(zap.String("sink", name)), now: now}, nil
}

// Name is the configured name or the URL without secrets.
func (s *Sink) Name() string { return s.name }

// Send publishes batch with QoS 1 and waits for every PUBACK, within ctx
// and the configured timeout.
func (s *Sink) Send(ctx context.Context, batch []sink.Message) error {
	if len(batch) == 0 {
		return nil
	}
	topics, err := s.topics(batch)
	if err != nil {
		return sink.Permanent(fmt.Errorf("mqtt: %w", err))
	}
	ctx, cancel := context.WithTimeout(ctx, s.opt.timeout)
	defer cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("mqtt: sink closed")
	}
	switch {
	case s.client == nil:
	case !s.client.IsConnectionOpen():
		s.drop(0)
	case !s.renewAt.IsZero() && !s.now().Before(s.renewAt):
		s.drop(100) // the token is due: a polite DISCONNECT, then a new one
	}
	if s.client == nil {
		if err := s.connect(ctx); err != nil {
			return err
		}
	}
	if err := publish(ctx, s.client, topics, batch); err != nil {
		s.drop(0)
		return fmt.Errorf("mqtt: publish to %s: %w", s.opt.addr, err)
	}
	return nil
}

// topics returns the topic of each message.
func (s *Sink) topics(batch []sink.Message) ([]string, error) {
	out := make([]string, len(batch))
	for i := range batch {
		m := &batch[i]
		if !validType(m.Type) {
			return nil, fmt.Errorf("message %s: type %q is not a lower-case word", m.ID, m.Type)
		}
		if s.opt.hub == nil {
			out[i] = strings.ReplaceAll(s.opt.topic, typePlaceholder, m.Type)
			continue
		}
		out[i] = "devices/" + s.opt.hub.device + "/messages/events/" +
			"$.mid=" + uriEscape(m.ID) + "&$.ct=application%2Fjson&$.ce=utf-8&type=" + uriEscape(m.Type)
	}
	return out, nil
}

// validType accepts a message type that is safe in a topic: [a-z0-9_-]+.
func validType(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// publish sends every message with QoS 1 and waits for all PUBACKs or
// the end of ctx. Paho's Publish can block (up to its write timeout) when
// the socket is stuck, so the work runs in its own goroutine and an
// abandoned one ends when the dropped client fails its tokens.
func publish(ctx context.Context, c paho.Client, topics []string, batch []sink.Message) error {
	res := make(chan error, 1)
	go func() {
		toks := make([]paho.Token, 0, len(batch))
		for i := range batch {
			if ctx.Err() != nil {
				res <- ctx.Err()
				return
			}
			toks = append(toks, c.Publish(topics[i], 1, false, batch[i].Body))
		}
		for i, t := range toks {
			select {
			case <-t.Done():
			case <-ctx.Done():
				res <- fmt.Errorf("%d of %d messages not acknowledged (PUBACK): %w", len(toks)-i, len(toks), ctx.Err())
				return
			}
			if err := t.Error(); err != nil {
				res <- fmt.Errorf("message %s: %w", batch[i].ID, err)
				return
			}
		}
		res <- nil
	}()
	select {
	case err := <-res:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%d messages, not all acknowledged (PUBACK): %w", len(batch), ctx.Err())
	}
}

// Close disconnects, waiting at most 250 ms for the DISCONNECT to go out.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.client != nil {
		s.client.Disconnect(250)
		s.client = nil
	}
	return nil
}
