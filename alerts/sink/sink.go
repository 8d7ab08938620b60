// Package sink is the contract between the outbox (alerts/outbox) and the
// destinations it forwards to: Event Hubs, Kafka, MQTT, syslog, webhooks,
// files. It depends on the standard library only.
//
// The outbox hands a Sink batches of Messages in order and resends a batch
// until Send returns nil: delivery is at-least-once, and Message.ID lets
// the receiving side drop duplicates. A Sink decides which of its errors
// are worth retrying: an error wrapped with Permanent (bad credentials, an
// unknown hub or topic, a refused certificate) is reported to the user and
// retried only slowly; any other error is retried with backoff.
package sink

import (
	"context"
	"errors"
	"time"
)

// Message types.
const (
	TypeAlert     = "alert"
	TypeDevice    = "device"
	TypeHeartbeat = "heartbeat"
)

// Message is one document the outbox forwards.
type Message struct {
	// Seq is the outbox's sequence number, assigned by Enqueue; it grows
	// by one per message and survives restarts.
	Seq uint64
	// ID is stable: the same message always carries the same ID, so a
	// receiver de-duplicates resent messages on it.
	ID string
	// Type is TypeAlert, TypeDevice or TypeHeartbeat.
	Type string
	// Time is when the message was produced (packet time for alerts and
	// devices, the sensor's clock for heartbeats).
	Time time.Time
	// Body is the JSON document to send (see alerts/message for the
	// schema); a sink sends it as it is, or reads the fields it needs
	// from it (syslog, CEF).
	Body []byte
}

// Sink delivers batches of messages to one destination. The outbox calls
// Send from one goroutine per sink; Close is called once, after the last
// Send returned.
type Sink interface {
	// Name identifies the sink in status output and in the outbox's
	// per-sink cursor: stable across restarts and free of secrets.
	Name() string
	// Send delivers batch, in order. Nil means the destination accepted
	// every message of it; an error means some or none were, and the
	// outbox sends the whole batch again later. Send returns when ctx
	// ends, with ctx's error if it had not finished.
	Send(ctx context.Context, batch []Message) error
	// Close releases the sink's connections.
	Close() error
}

// permanentError marks an error that retrying will not fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent marks err as one retrying will not fix (bad credentials, an
// unknown hub, topic or path, a certificate refused). Nil stays nil.
func Permanent(err error) error {
	if err == nil || IsPermanent(err) {
		return err
	}
	return permanentError{err}
}

// IsPermanent tells whether err, or an error it wraps, was marked with
// Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
