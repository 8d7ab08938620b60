package mqtt

import "github.com/otsensor/otsensor/dissectors"

// Defaults and limits of Options.
const (
	// DefaultMaxMessage is the default Options.MaxMessage: 32 KiB of
	// remaining length. Packets up to it are buffered whole until complete
	// (at most 32 KiB + 5 bytes per direction per flow); bigger ones are
	// decoded from their first MaxMessage bytes and the rest is skipped.
	DefaultMaxMessage = 32 << 10
	// MaxMaxMessage is the largest Options.MaxMessage: a whole packet
	// (fixed header included) must fit the 64 KiB the flow layer keeps
	// unconsumed for a parser by default (flow.Config.MaxParserBuffer),
	// or the flow layer would drop the direction's bytes and report a gap.
	MaxMaxMessage = 64<<10 - maxHeaderLen
	// DefaultMaxOutstanding is the default Options.MaxOutstanding.
	DefaultMaxOutstanding = 64
)

// Options configure the dissector. The zero value gives the defaults.
type Options struct {
	// MaxMessage caps the remaining length of a packet the parser waits
	// for in full (default DefaultMaxMessage, at most MaxMaxMessage). A
	// bigger packet raises mqtt.message_too_large: the first MaxMessage
	// bytes after its fixed header are decoded (a PUBLISH keeps its topic
	// and payload length, a CONNECT its headers) and the rest is skipped as
	// it arrives, never buffered.
	MaxMessage int
	// MaxOutstanding caps the requests awaiting their ack per direction of
	// a flow (default 64): PUBLISH with QoS 1 or 2, PUBREL, SUBSCRIBE,
	// UNSUBSCRIBE. Above it the oldest is forgotten and
	// mqtt.too_many_outstanding is raised.
	MaxOutstanding int
	// PayloadPreview is how many bytes of a PUBLISH payload go into
	// Record.Preview (0, the default: none).
	PayloadPreview int
}

// Dissector is the MQTT dissector (TCP 1883; MQTT over TLS on 8883 is not
// parsed here). It is safe for concurrent use.
type Dissector struct {
	opts Options
}

var _ dissectors.Dissector = (*Dissector)(nil)

// New returns an MQTT dissector. Zero or negative values take the
// defaults; MaxMessage above MaxMaxMessage is lowered to it.
func New(opts Options) *Dissector {
	if opts.MaxMessage <= 0 {
		opts.MaxMessage = DefaultMaxMessage
	}
	opts.MaxMessage = min(opts.MaxMessage, MaxMaxMessage)
	if opts.MaxOutstanding <= 0 {
		opts.MaxOutstanding = DefaultMaxOutstanding
	}
	opts.PayloadPreview = max(opts.PayloadPreview, 0)
	return &Dissector{opts: opts}
}

// Name returns "mqtt".
func (d *Dissector) Name() string { return "mqtt" }

// Ports returns TCP 1883.
func (d *Dissector) Ports() []dissectors.Port {
	return []dissectors.Port{{Transport: dissectors.TCP, Port: 1883}}
}

// NewParser returns the parser for one flow (f is not used: MQTT runs
// over TCP only).
func (d *Dissector) NewParser(f *dissectors.Flow) dissectors.Parser {
	p := newParser(d.opts)
	p.sess.handshake = f != nil && f.Handshake
	return p
}

// Probe implements dissectors.Dissector. On port 1883 a plausible fixed
// header is enough (a capture may start mid-session). Elsewhere only a
// complete, consistent CONNECT (MQTT 3.1, 3.1.1 or 5.0) says yes; a
// 3.x CONNACK from the broker asks for more, waiting for the CONNECT in
// the other direction.
func (d *Dissector) Probe(dir dissectors.Direction, data []byte, onPort bool) dissectors.ProbeResult {
	if onPort {
		return probeHeader(data)
	}
	return probeStrict(data, d.opts.MaxMessage)
}
