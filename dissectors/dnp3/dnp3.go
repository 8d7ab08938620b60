package dnp3

import "github.com/otsensor/otsensor/dissectors"

// DefaultMaxFragment is the default Options.MaxFragment: 64 transport
// segments of 249 application octets, the most one pass through the 6-bit
// transport sequence can carry.
const DefaultMaxFragment = 64 * maxSegmentData

// Options configure the dissector. The zero value gives the defaults.
type Options struct {
	// MaxFragment caps the size of an application fragment being
	// reassembled from transport segments (default DefaultMaxFragment).
	// A fragment growing beyond it raises dnp3.too_long_reassembly and is
	// dropped up to the next FIR segment.
	MaxFragment int
}

// Dissector is the DNP3 dissector (TCP and UDP). It is safe for concurrent
// use.
type Dissector struct {
	opts Options
}

var _ dissectors.Dissector = (*Dissector)(nil)

// New returns a DNP3 dissector; a zero or negative MaxFragment takes the
// default.
func New(opts Options) *Dissector {
	if opts.MaxFragment <= 0 {
		opts.MaxFragment = DefaultMaxFragment
	}
	return &Dissector{opts: opts}
}

// Name returns "dnp3".
func (d *Dissector) Name() string { return "dnp3" }

// Ports returns TCP 20000 and UDP 20000.
func (d *Dissector) Ports() []dissectors.Port {
	return []dissectors.Port{{Transport: dissectors.TCP, Port: 20000}, {Transport: dissectors.UDP, Port: 20000}}
}

// NewParser returns the parser for one flow (f may be nil: TCP assumed).
func (d *Dissector) NewParser(f *dissectors.Flow) dissectors.Parser {
	return newParser(d.opts, f != nil && f.Transport == dissectors.UDP)
}

// Probe implements dissectors.Dissector. On port 20000 a link header with a
// valid CRC within the first bytes (a capture may start mid-frame) is
// enough; elsewhere the data must start with a valid link header, and the
// first frame's data blocks must pass their CRCs too.
func (d *Dissector) Probe(dir dissectors.Direction, data []byte, onPort bool) dissectors.ProbeResult {
	if onPort {
		return probeOnPort(data)
	}
	return probeStrict(data)
}
