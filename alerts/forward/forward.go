// Package forward is what the sensor sends to the cloud and how: it turns
// new alerts, device changes and heartbeats into messages (alerts/message),
// keeps them in the durable outbox (alerts/outbox), and runs one forwarder
// per configured sink. Replay and the daemon use it the same way.
package forward

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/message"
	"github.com/otsensor/otsensor/alerts/outbox"
	"github.com/otsensor/otsensor/alerts/sink"
)

// Config configures forwarding.
type Config struct {
	SensorID string // names the sensor in every message (default: the host name)
	Version  string // the sensor's version, in heartbeats and the Defender envelope
	Sinks    []sink.Config
	Outbox   outbox.Config
	// NewSink builds a sink (alerts/sink/all.New).
	NewSink func(sink.Config, *zap.Logger) (sink.Sink, error)
	// Forward tunes every forwarder (backoff, clock); Encode, SendTimeout,
	// BatchSize and the callbacks are set per sink.
	Forward outbox.ForwardConfig
	// OnAlert receives the alerts about forwarding itself (a sink failing
	// on a permanent error, messages dropped by the outbox's cap), after
	// they were enqueued for the other sinks. It may be called from the
	// forwarders' goroutines.
	OnAlert func(*alerts.Alert)
	Now     func() time.Time // the sensor's clock (default time.Now)
	Log     *zap.Logger
}

// Forwarding is the outbox and its sinks.
type Forwarding struct {
	cfg   Config
	db    *badger.DB
	ob    *outbox.Outbox
	sinks []sink.Sink
	fws   []*outbox.Forwarder

	mu      sync.Mutex
	dropped map[string]uint64 // per sink, as last seen by checkDrops
	raised  map[string]bool   // sensor alerts enqueued, by id

	devMu  sync.Mutex
	sentFP map[string]string // device id → fingerprint last enqueued (Devices)
}

// Open opens the outbox in db and builds the configured sinks. A sink
// whose configuration is wrong fails Open, naming it.
func Open(db *badger.DB, cfg Config) (*Forwarding, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	if cfg.Outbox.Now == nil {
		cfg.Outbox.Now = cfg.Now
	}
	if cfg.Outbox.Log == nil {
		cfg.Outbox.Log = cfg.Log
	}
	ob, err := outbox.Open(db, cfg.Outbox)
	if err != nil {
		return nil, err
	}
	f := &Forwarding{cfg: cfg, db: db, ob: ob, dropped: map[string]uint64{}, raised: map[string]bool{}, sentFP: map[string]string{}}
	names := map[string]bool{}
	for _, sc := range cfg.Sinks {
		name := sc.SinkName()
		if names[name] {
			f.Close()
			return nil, fmt.Errorf("sink %s configured twice: give one a name", name)
		}
		names[name] = true
		if err := f.addSink(sc); err != nil {
			f.Close()
			return nil, err
		}
	}
	f.dropped, _ = ob.Drops()
	return f, nil
}

func (f *Forwarding) addSink(sc sink.Config) error {
	switch sc.Envelope {
	case "", "otsensor", "defender":
	default:
		return fmt.Errorf("sink %s: envelope %q: want otsensor or defender", sc.SinkName(), sc.Envelope)
	}
	if f.cfg.NewSink == nil {
		return fmt.Errorf("sink %s: no sink factory", sc.SinkName())
	}
	s, err := f.cfg.NewSink(sc, f.cfg.Log.With(zap.String("sink", sc.SinkName())))
	if err != nil {
		return err
	}
	fc := f.cfg.Forward
	fc.SendTimeout = sc.SendTimeout()
	fc.BatchSize = sc.Batch()
	if fc.Log == nil {
		fc.Log = f.cfg.Log
	}
	if sc.Envelope == "defender" {
		fc.Encode = message.Defender(f.cfg.SensorID, f.cfg.Version)
	}
	fc.OnPermanent = f.sinkFailing
	f.sinks = append(f.sinks, s)
	f.fws = append(f.fws, f.ob.Forwarder(s, fc))
	return nil
}

// Outbox returns the outbox (status, tests).
func (f *Forwarding) Outbox() *outbox.Outbox { return f.ob }

// Sinks returns the names of the configured sinks.
func (f *Forwarding) Sinks() []string {
	names := make([]string, len(f.fws))
	for i, fw := range f.fws {
		names[i] = fw.Name()
	}
	return names
}

// Alert enqueues a new alert.
func (f *Forwarding) Alert(a *alerts.Alert) error {
	m, err := message.Alert(f.cfg.SensorID, a)
	if err != nil {
		return err
	}
	return f.enqueue(m)
}

// Heartbeat enqueues a heartbeat, its outbox and sink fields filled from
// the outbox's status.
func (f *Forwarding) Heartbeat(hb message.Heartbeat) error {
	hb.SensorID, hb.Version = f.cfg.SensorID, f.cfg.Version
	if st, err := f.ob.Status(); err == nil {
		hb.Outbox = message.HeartbeatOutbox{Depth: int(st.Depth), Bytes: st.Bytes}
		hb.Sinks = hb.Sinks[:0]
		for _, s := range st.Sinks {
			hb.Outbox.Dropped += s.Dropped
			hb.Sinks = append(hb.Sinks, message.HeartbeatSink{Name: s.Name, Sent: s.Sent, Bytes: uint64(s.BytesSent), Failed: s.Failed, Dropped: s.Dropped})
		}
	}
	m, err := message.HeartbeatMessage(&hb)
	if err != nil {
		return err
	}
	return f.enqueue(m)
}

func (f *Forwarding) enqueue(msgs ...sink.Message) error {
	if err := f.ob.Enqueue(msgs...); err != nil {
		return err
	}
	f.checkDrops()
	return nil
}

// Run forwards to every sink until ctx ends.
func (f *Forwarding) Run(ctx context.Context) error {
	return f.eachSink(func(fw *outbox.Forwarder) error {
		if err := fw.Run(ctx); !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	})
}

// Flush delivers what is pending to every sink, at once, until nothing is
// or ctx ends; the error names what is still pending where.
func (f *Forwarding) Flush(ctx context.Context) error {
	return f.eachSink(func(fw *outbox.Forwarder) error { return fw.Flush(ctx) })
}

// eachSink runs fn for every sink's forwarder at once and joins their
// errors.
func (f *Forwarding) eachSink(fn func(*outbox.Forwarder) error) error {
	var wg sync.WaitGroup
	errs := make([]error, len(f.fws))
	for i, fw := range f.fws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(fw)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close closes the sinks and the outbox (which syncs it).
func (f *Forwarding) Close() error {
	var errs []error
	for _, s := range f.sinks {
		errs = append(errs, s.Close())
	}
	errs = append(errs, f.ob.Close())
	return errors.Join(errs...)
}
