package tls

import "github.com/otsensor/otsensor/dissectors"

// Defaults and limits of Options.
const (
	// DefaultMaxHandshake is the default Options.MaxHandshake: 64 KiB.
	// Certificate chains of 10-30 KiB are normal and some reach 60 KiB and
	// more (long intermediate chains, big RSA keys, many SANs); 64 KiB
	// keeps nearly all of them while bounding what a flow can make the
	// parser hold: at most 64 KiB + 4 octets per direction, allocated only
	// while a message spans records.
	DefaultMaxHandshake = 64 << 10
	// MaxMaxHandshake is the largest Options.MaxHandshake: the handshake
	// length field has 24 bits.
	MaxMaxHandshake = 1<<24 - 1
	// MaxRecordLength is the largest record length accepted: 2^14 + 2048,
	// the largest TLSCiphertext fragment (RFC 5246 6.2.3).
	MaxRecordLength = 1<<14 + 2048
)

// Options configure the dissector. The zero value gives the defaults.
type Options struct {
	// MaxHandshake caps the length of one handshake message (body, without
	// its 4-octet header) that the parser reassembles across records and
	// segments, in its own per-direction buffer (not in the flow layer's,
	// whose MaxParserBuffer of 64 KiB a message may exceed). A longer
	// message raises tls.handshake_too_long and its bytes are skipped as
	// they arrive, never buffered. Default DefaultMaxHandshake, at most
	// MaxMaxHandshake.
	MaxHandshake int
}

// Dissector is the TLS dissector: TCP 443 (HTTPS), 8883 (MQTT over TLS),
// 4843 (OPC UA over TLS) and 19999 (DNP3 over TLS), and any port by
// content. It is safe for concurrent use.
type Dissector struct {
	opts  Options
	certs *certCache // shared by its parsers: a server's chain is parsed once
}

var _ dissectors.Dissector = (*Dissector)(nil)

// New returns a TLS dissector. A zero or negative MaxHandshake takes the
// default; one above MaxMaxHandshake is lowered to it.
func New(opts Options) *Dissector {
	if opts.MaxHandshake <= 0 {
		opts.MaxHandshake = DefaultMaxHandshake
	}
	opts.MaxHandshake = min(opts.MaxHandshake, MaxMaxHandshake)
	return &Dissector{opts: opts, certs: newCertCache(0)}
}

// Name returns "tls".
func (d *Dissector) Name() string { return "tls" }

// Ports returns TCP 443, 8883, 4843 and 19999.
func (d *Dissector) Ports() []dissectors.Port {
	return []dissectors.Port{
		{Transport: dissectors.TCP, Port: 443},
		{Transport: dissectors.TCP, Port: 8883},
		{Transport: dissectors.TCP, Port: 4843},
		{Transport: dissectors.TCP, Port: 19999},
	}
}

// NewParser returns the parser for one flow. A flow whose first packet
// was not a SYN (f.Handshake false) may start inside a record: a direction
// whose first record header is not valid is then resynchronised quietly
// instead of being reported.
func (d *Dissector) NewParser(f *dissectors.Flow) dissectors.Parser {
	p := newParser(d.opts, f != nil && f.Handshake)
	p.hs.certs = d.certs
	return p
}

// Probe implements dissectors.Dissector. On a TLS port a plausible record
// header is enough: a handshake record (version SSL 3.0 - TLS 1.3) whose
// first message is a ClientHello from the client or a ServerHello from the
// server, an application data, alert or ChangeCipherSpec record (a capture
// that starts mid-connection), or an SSLv2-compatible ClientHello.
// Elsewhere only a complete, consistent ClientHello (TLS or
// SSLv2-compatible) says yes; see probeStrict.
func (d *Dissector) Probe(dir dissectors.Direction, data []byte, onPort bool) dissectors.ProbeResult {
	if onPort {
		return probeOnPort(dir, data)
	}
	return probeStrict(dir, data)
}
