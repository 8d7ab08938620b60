// Package eventhubs is the Azure Event Hubs sink: it sends outbox batches
// to an event hub with the azeventhubs producer client, authenticated by a
// connection string (with a SharedAccessKey or a ready-made
// SharedAccessSignature).
//
// Each Message becomes one event: Body as the event body, ID as its AMQP
// message-id, Type as the "type" application property, content type
// application/json, and the sensor id as partition key, so one sensor's
// messages stay in order on one partition. A batch larger than the hub
// takes in one transfer is sent as several.
package eventhubs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/messaging/azeventhubs/v2"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts/sink"
)

// closeTimeout bounds the close of a producer client.
const closeTimeout = 5 * time.Second

// defaultRetry bounds the SDK's own retries within one Send to about a
// second, so that the outbox's backoff decides when to try again.
func defaultRetry() azeventhubs.RetryOptions {
	return azeventhubs.RetryOptions{MaxRetries: 2, RetryDelay: 200 * time.Millisecond, MaxRetryDelay: time.Second}
}

// Option tunes a Sink.
type Option func(*options)

type options struct {
	partitionKey string
	retry        azeventhubs.RetryOptions
}

// WithPartitionKey sets the partition key of every event, normally the
// sensor id. Without it, an event's key is the sensor_id field of its
// body, when it has one.
func WithPartitionKey(key string) Option {
	return func(o *options) { o.partitionKey = key }
}

// WithRetryOptions replaces the SDK's retries within one Send (default:
// 2 retries, 200 ms growing to at most 1 s apart).
func WithRetryOptions(r azeventhubs.RetryOptions) Option {
	return func(o *options) { o.retry = r }
}

// Sink sends batches to one event hub.
type Sink struct {
	name       string
	target     target
	key        string
	timeout    time.Duration
	clientOpts azeventhubs.ProducerClientOptions
	log        *zap.Logger

	mu     sync.Mutex
	client *azeventhubs.ProducerClient // nil after an error: the next Send makes a new one
	closed bool
	closes sync.WaitGroup // clients being closed after an error
}

// New checks cfg and returns an Event Hubs sink. cfg.URL is
// eventhubs://<namespace host>/<hub> (host and hub may instead come from
// the connection string's Endpoint and EntityPath), cfg.ConnectionString
// the secret holding the connection string, cfg.TLS optional TLS client
// settings, cfg.Timeout the bound of one Send. New does not connect: the
// first Send does.
func New(cfg sink.Config, log *zap.Logger, opts ...Option) (sink.Sink, error) {
	t, err := parseConfig(cfg)
	if err != nil {
		return nil, err
	}
	o := options{retry: defaultRetry()}
	for _, opt := range opts {
		opt(&o)
	}
	if log == nil {
		log = zap.NewNop()
	}
	s := &Sink{
		name:       cfg.SinkName(),
		target:     t,
		key:        o.partitionKey,
		timeout:    cfg.SendTimeout(),
		clientOpts: azeventhubs.ProducerClientOptions{ApplicationID: "otsensor", RetryOptions: o.retry},
		log:        log,
	}
	if cfg.TLS != (sink.TLSConfig{}) {
		host := t.namespace
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if s.clientOpts.TLSConfig, err = cfg.TLS.Client(host); err != nil {
			return nil, fmt.Errorf("eventhubs: %w", err)
		}
	}
	// Creating the client checks the connection string fully; it does not
	// connect.
	if s.client, err = s.newClient(); err != nil {
		return nil, err
	}
	return s, nil
}

// Name returns the sink's name: the configured name or its URL.
func (s *Sink) Name() string { return s.name }

// Send delivers batch in order, in as few transfers as the hub's size
// limit allows. An error leaves some or none of the messages delivered.
func (s *Sink) Send(ctx context.Context, batch []sink.Message) error {
	if len(batch) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	pc, err := s.producer()
	if err != nil {
		return err
	}
	if err := s.send(ctx, pc, batch); err != nil {
		if !keepClient(err) {
			s.reset(pc, err)
		}
		return fmt.Errorf("eventhubs %s: %w", s.name, classify(err))
	}
	return nil
}

// send packs batch into event batches, one partition key at a time, and
// starts a new one whenever the current one is full.
func (s *Sink) send(ctx context.Context, pc *azeventhubs.ProducerClient, batch []sink.Message) error {
	keys := make([]string, len(batch))
	for i := range batch {
		keys[i] = s.partitionKey(batch[i])
	}
	for i := 0; i < len(batch); {
		opts := &azeventhubs.EventDataBatchOptions{}
		if keys[i] != "" {
			opts.PartitionKey = &keys[i]
		}
		edb, err := pc.NewEventDataBatch(ctx, opts)
		if err != nil {
			return err
		}
		j := i
		for ; j < len(batch) && keys[j] == keys[i]; j++ {
			err := edb.AddEventData(eventData(batch[j]), nil)
			if errors.Is(err, azeventhubs.ErrEventDataTooLarge) {
				if j == i {
					return sink.Permanent(fmt.Errorf("message %s (%d bytes) is larger than the hub accepts", batch[j].ID, len(batch[j].Body)))
				}
				break
			}
			if err != nil {
				return err
			}
		}
		if err := pc.SendEventDataBatch(ctx, edb, nil); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// partitionKey is the configured key, or the sensor_id of m's body.
func (s *Sink) partitionKey(m sink.Message) string {
	if s.key != "" {
		return s.key
	}
	var b struct {
		SensorID string `json:"sensor_id"`
	}
	if json.Unmarshal(m.Body, &b) != nil {
		return ""
	}
	return b.SensorID
}

// eventData is the event that carries m.
func eventData(m sink.Message) *azeventhubs.EventData {
	contentType, id := "application/json", m.ID
	return &azeventhubs.EventData{
		Body:        m.Body,
		ContentType: &contentType,
		MessageID:   &id,
		Properties:  map[string]any{"type": m.Type},
	}
}

func (s *Sink) newClient() (*azeventhubs.ProducerClient, error) {
	opts := s.clientOpts
	pc, err := azeventhubs.NewProducerClientFromConnectionString(s.target.connStr, s.target.hub, &opts)
	if err != nil {
		return nil, fmt.Errorf("eventhubs %s: %w", s.name, err)
	}
	return pc, nil
}

// producer returns the current client, making one if an error dropped it.
func (s *Sink) producer() (*azeventhubs.ProducerClient, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("eventhubs %s: sink closed", s.name)
	}
	if s.client == nil {
		pc, err := s.newClient()
		if err != nil {
			return nil, sink.Permanent(err)
		}
		s.client = pc
	}
	return s.client, nil
}

// reset drops pc after err so that the next Send starts afresh, and closes
// it in the background: closing may wait on a peer that is gone.
func (s *Sink) reset(pc *azeventhubs.ProducerClient, err error) {
	s.mu.Lock()
	if s.client == pc {
		s.client = nil
	}
	s.mu.Unlock()
	s.log.Debug("eventhubs: dropping producer client after error", zap.String("sink", s.name), zap.Error(err))
	s.closes.Add(1)
	go func() {
		defer s.closes.Done()
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_ = pc.Close(ctx)
	}()
}

// Close closes the connection to the hub.
func (s *Sink) Close() error {
	s.mu.Lock()
	pc := s.client
	s.client, s.closed = nil, true
	s.mu.Unlock()
	var err error
	if pc != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		err = pc.Close(ctx)
	}
	s.closes.Wait()
	return err
}
