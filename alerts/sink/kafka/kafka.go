// Package kafka is the outbox's Kafka sink, built on franz-go (kgo). It
// also serves Azure Event Hubs' Kafka endpoint, Confluent, Redpanda, MSK.
//
// URL: kafka://broker1:9092,broker2:9092/topic. A broker without a port
// gets 9092 (9093 for Event Hubs); since URL parsing reads the text after
// the last colon as a port, the last broker of a list must be the one
// with a port if any has one. IPv6 literals work for a single broker only.
//
// TLS rule: the connection uses TLS when the scheme is kafka+tls://, when
// any tls setting is given (ca_file, cert_file, key_file, server_name,
// insecure_skip_verify), or when a connection string is set (Event Hubs
// only speaks TLS); otherwise it is plaintext. Each broker's certificate
// is checked against its own host name unless server_name overrides it.
//
// Authentication: SASL PLAIN with username and password when a username
// is set. A connection string (connection_string_env / _file) selects
// Event Hubs: SASL PLAIN as "$ConnectionString" with the connection string
// as password, TLS, port 9093. So
//
//	kafka://ns.servicebus.windows.net:9093/hub?connection_string_env=VAR
//
// is all Event Hubs needs; the broker may be left out (taken from the
// string's Endpoint) and so may the topic (its EntityPath).
//
// Records: value = Message.Body; key = the sensor id (WithSensorKey) or
// else the message type, so one key's messages stay in order on one
// partition; headers id, type and content-type (application/json). The
// record timestamp is the produce time, not Message.Time: replayed
// captures carry old packet times that broker retention would delete at
// once, and the body carries the message's own time.
//
// Every Send runs under the sink timeout (Config.Timeout): kgo's delivery
// timeout, request timeouts and backoff are set to fit inside it, and Send
// stops waiting when it expires whatever the client is doing. It does not
// wait that long when the outcome is known: when every broker refuses
// connections (every seed, or every broker the client has discovered) it
// returns a retryable error at once, while one refusing broker of several
// is waited for; a refused SASL login or certificate (which kgo would
// keep retrying) comes back at once as permanent.
//
// After any failed Send the client is closed (in the background, so Send
// returns at once) and the next Send waits for that close before it
// starts a fresh client: the old client's retries stop, and a broker that
// comes back is found again. The producer is idempotent (kgo's default)
// within one client; a request already on the wire when its client was
// dropped may still be written by the broker, so across clients the
// outbox's at-least-once resend applies and receivers de-duplicate on the
// id header (Message.ID).
//
// Batches are snappy-compressed (kgo's default), gzip for Event Hubs,
// which takes nothing else.
//
// Errors: SASL authentication, authorization, unknown or invalid topic,
// record too large and refused certificates are sink.Permanent; broker
// unreachable, NOT_LEADER, timeouts and throttling are retryable.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts/sink"
)

// ContentType is the content-type header of every record.
const ContentType = "application/json"

// Sink produces messages to one Kafka topic.
type Sink struct {
	name  string
	set   settings
	key   []byte // sensor id, or nil to key by message type
	log   *zap.Logger
	extra []kgo.Opt // tests only

	mu      sync.Mutex
	cl      *kgo.Client
	hook    *lastError
	closed  bool
	closing []chan struct{} // closed when a dropped client finished closing
}

var _ sink.Sink = (*Sink)(nil)

// Option adjusts a Sink.
type Option func(*Sink)

// WithSensorKey keys every record with the sensor id instead of the
// message type, keeping all of one sensor's messages in order on one
// partition.
func WithSensorKey(sensorID string) Option {
	return func(s *Sink) {
		if sensorID != "" {
			s.key = []byte(sensorID)
		}
	}
}

// New validates cfg, reads its secrets and returns the sink; it connects
// lazily, on the first Send.
func New(cfg sink.Config, log *zap.Logger) (sink.Sink, error) {
	return NewWithOptions(cfg, log)
}

// NewWithOptions is New with options.
func NewWithOptions(cfg sink.Config, log *zap.Logger, opts ...Option) (*Sink, error) {
	set, err := parseConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kafka sink %s: %w", cfg.SinkName(), err)
	}
	if log == nil {
		log = zap.NewNop()
	}
	s := &Sink{name: cfg.SinkName(), set: set, log: log}
	for _, o := range opts {
		o(s)
	}
	if set.user != "" && set.tls == nil {
		s.log.Warn("kafka sink sends its SASL password without TLS", zap.String("sink", s.name))
	}
	return s, nil
}

// Name is the sink's name: Config.Name or the URL without its query.
func (s *Sink) Name() string { return s.name }

// Send produces batch and waits until the brokers acknowledged every
// record, the sink timeout expires or ctx ends.
func (s *Sink) Send(ctx context.Context, batch []sink.Message) error {
	if len(batch) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("kafka: sink is closed")
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, s.set.timeout)
	defer cancel()
	cl, hook, err := s.client(ctx)
	if err != nil {
		return err
	}

	results := make(chan error, len(batch)) // buffered: late promises never block
	promise := func(_ *kgo.Record, err error) { results <- err }
	for i := range batch {
		cl.Produce(ctx, s.record(&batch[i]), promise)
	}
	var first error
	down := hook.downChan()
	for pending := len(batch); pending > 0; {
		select {
		case err := <-results:
			pending--
			if err != nil && first == nil {
				first = err
			}
		case <-hook.fatal:
			s.drop()
			return classify(fmt.Errorf("kafka: connecting to %s: %w", strings.Join(s.set.brokers, ","), hook.get()))
		case <-down:
			// Every seed, or every broker the hook knew of, refused: an
			// outage if every broker the client knows of now does too.
			if down = hook.rearm(len(cl.DiscoveredBrokers())); !closed(down) {
				continue
			}
			s.drop()
			return fmt.Errorf("kafka: brokers %s unreachable: %w", strings.Join(s.set.brokers, ","), hook.get())
		case <-ctx.Done():
			s.drop()
			err := fmt.Errorf("kafka: %d of %d messages to topic %s unacknowledged after %s: %w",
				pending, len(batch), s.set.topic, time.Since(start).Round(time.Millisecond), ctx.Err())
			if last := hook.get(); last != nil {
				err = fmt.Errorf("%w (last broker error: %w)", err, last)
			}
			return classify(err)
		}
	}
	if first != nil {
		s.drop()
		return classify(fmt.Errorf("kafka: produce to topic %s: %w", s.set.topic, first))
	}
	return nil
}

// record builds the Kafka record for m.
func (s *Sink) record(m *sink.Message) *kgo.Record {
	key := s.key
	if key == nil {
		key = []byte(m.Type)
	}
	return &kgo.Record{
		Topic: s.set.topic,
		Key:   key,
		Value: m.Body,
		Headers: []kgo.RecordHeader{
			{Key: "id", Value: []byte(m.ID)},
			{Key: "type", Value: []byte(m.Type)},
			{Key: "content-type", Value: []byte(ContentType)},
		},
	}
}

// Close closes the client and waits (up to the sink timeout) for clients
// dropped after errors to finish closing.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.drop()
	ctx, cancel := context.WithTimeout(context.Background(), s.set.timeout)
	defer cancel()
	if err := s.waitClosed(ctx); err != nil {
		return fmt.Errorf("kafka: client still closing after %s", s.set.timeout)
	}
	return nil
}

// waitClosed waits until the dropped clients are closed or ctx ends.
// s.mu is held.
func (s *Sink) waitClosed(ctx context.Context) error {
	for len(s.closing) > 0 {
		select {
		case <-s.closing[0]:
			s.closing = s.closing[1:]
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// client returns the current client, creating one once the clients
// dropped earlier finished closing. s.mu is held.
func (s *Sink) client(ctx context.Context) (*kgo.Client, *lastError, error) {
	if s.cl != nil {
		return s.cl, s.hook, nil
	}
	if err := s.waitClosed(ctx); err != nil {
		return nil, nil, fmt.Errorf("kafka: previous client still closing: %w", err)
	}
	hook := newLastError(len(s.set.brokers))
	cl, err := kgo.NewClient(append(s.clientOpts(hook), s.extra...)...)
	if err != nil {
		return nil, nil, sink.Permanent(fmt.Errorf("kafka: client: %w", err))
	}
	s.cl, s.hook = cl, hook
	return cl, hook, nil
}

// drop closes the current client in the background: a client abandoned
// mid-produce may still hold records in flight, and it must never produce
// them after the next client's. s.mu is held.
func (s *Sink) drop() {
	cl := s.cl
	if cl == nil {
		return
	}
	s.cl, s.hook = nil, nil
	s.log.Debug("kafka sink: closing client", zap.String("sink", s.name))
	done := make(chan struct{})
	s.closing = append(s.closing, done)
	go func() {
		defer close(done)
		cl.Close()
	}()
}
