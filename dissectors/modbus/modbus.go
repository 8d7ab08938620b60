package modbus

import (
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

// Defaults for Options.
const (
	DefaultMaxOutstanding = 64
	DefaultRequestTimeout = 30 * time.Second
)

// Options configure the dissector. The zero value gives the defaults.
type Options struct {
	// MaxOutstanding caps the requests awaiting a response per flow
	// (default 64). Above it the oldest is forgotten and
	// modbus.too_many_outstanding is raised.
	MaxOutstanding int
	// RequestTimeout is how long, in packet time, a request waits for its
	// response before it is silently forgotten (default 30s; negative:
	// never). Without it, a server that ignores some requests would
	// eventually fill MaxOutstanding on a long-lived connection.
	RequestTimeout time.Duration
}

// Dissector is the Modbus/TCP dissector. It is safe for concurrent use.
type Dissector struct {
	opts Options
}

var _ dissectors.Dissector = (*Dissector)(nil)

// New returns a Modbus dissector; zero or negative MaxOutstanding and zero
// RequestTimeout take the defaults.
func New(opts Options) *Dissector {
	if opts.MaxOutstanding <= 0 {
		opts.MaxOutstanding = DefaultMaxOutstanding
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	return &Dissector{opts: opts}
}

// Name returns "modbus".
func (d *Dissector) Name() string { return "modbus" }

// Ports returns TCP 502 and UDP 502.
func (d *Dissector) Ports() []dissectors.Port {
	return []dissectors.Port{{Transport: dissectors.TCP, Port: 502}, {Transport: dissectors.UDP, Port: 502}}
}

// NewParser returns the parser for one flow (f may be nil: TCP assumed).
func (d *Dissector) NewParser(f *dissectors.Flow) dissectors.Parser {
	return newParser(d.opts, f != nil && f.Transport == dissectors.UDP)
}

// Probe implements dissectors.Dissector. On port 502 one plausible MBAP
// header is enough; elsewhere the bytes must tile exactly into complete
// ADUs of known public function codes whose data is consistent.
func (d *Dissector) Probe(dir dissectors.Direction, data []byte, onPort bool) dissectors.ProbeResult {
	if onPort {
		return probeHeader(data)
	}
	return probeStrict(dir, data)
}
