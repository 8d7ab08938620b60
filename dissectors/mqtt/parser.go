package mqtt

import (
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/finding"
)

const dirs = 2 // indexed by Direction

// framing is the state of one direction's framing.
type framing uint8

const (
	framed framing = iota // at a packet boundary (or inside one being skipped)
	// resync: after a gap, a chunk is accepted only when it tiles exactly
	// into complete plausible packets; chunks that do not are dropped.
	resync
	// broken: a malformed remaining length; everything is dropped until a
	// gap (MQTT has no sync marker to find the next packet by).
	broken
)

// Parser parses the MQTT control packets of one flow. It reuses one
// Event, one Record and their slices for every packet, and keeps the
// session's state: CONNECT seen, protocol version and client id, and the
// requests awaiting their acks.
type Parser struct {
	opts Options

	state [dirs]framing
	skip  [dirs]int // bytes of a too-large packet still to discard

	sess    session
	pending [dirs]pendingTable // requests sent in a direction

	ev  dissectors.Event
	an  dissectors.Anomaly
	rec Record
	dec packetDecoder
	f   findings
}

var _ dissectors.Parser = (*Parser)(nil)

func newParser(opts Options) *Parser {
	p := &Parser{opts: opts}
	p.dec.preview = opts.PayloadPreview
	p.dec.strs.Max, p.dec.previews.Max = internMax, internMax
	p.an.AppProto = "mqtt"
	for d := range p.pending {
		p.pending[d].max = opts.MaxOutstanding
	}
	return p
}

// Parse implements dissectors.Parser: it emits one Record per complete
// packet (followed by its anomalies) and returns the offset of the first
// incomplete one. A packet whose remaining length is above MaxMessage is
// decoded once its first MaxMessage bytes are there, and the rest of it is
// consumed as it arrives.
func (p *Parser) Parse(dir dissectors.Direction, data []byte, ts time.Time, out dissectors.Emitter) (int, error) {
	d := int(dir & 1)
	p.ev.Time, p.ev.Dir = ts, dir
	switch p.state[d] {
	case broken:
		return len(data), nil
	case resync:
		if !chainOK(data, p.opts.MaxMessage) {
			return len(data), nil
		}
		p.state[d] = framed
	}
	off := 0
	if p.skip[d] > 0 {
		off = min(p.skip[d], len(data))
		p.skip[d] -= off
	}
	for off < len(data) {
		rest := data[off:]
		length, hlen, st := remainingLength(rest)
		switch st {
		case lengthNeedMore:
			return off, nil
		case lengthMalformed:
			p.state[d] = broken
			p.emitAnomaly(anMalformedRemainingLength, "remaining length longer than 4 octets: direction no longer framed", out)
			return len(data), nil
		}
		if length > p.opts.MaxMessage {
			keep := hlen + p.opts.MaxMessage
			if len(rest) < keep {
				return off, nil
			}
			p.packet(d, rest[0], rest[hlen:keep], length, out)
			total := hlen + length
			if len(rest) >= total {
				off += total
				continue
			}
			p.skip[d] = total - len(rest)
			return len(data), nil
		}
		total := hlen + length
		if len(rest) < total {
			return off, nil
		}
		p.packet(d, rest[0], rest[hlen:total], length, out)
		off += total
	}
	return off, nil
}

// chainOK reports whether data is one or more complete packets with
// plausible fixed headers (type, flags, remaining length no larger than
// maxLen), ending exactly at its end.
func chainOK(data []byte, maxLen int) bool {
	if len(data) == 0 {
		return false
	}
	for off := 0; off < len(data); {
		length, hlen, ok, complete := plausibleHeader(data[off:], maxLen)
		if !ok || !complete || length > len(data)-off-hlen {
			return false
		}
		off += hlen + length
	}
	return true
}

// packet decodes and emits one packet of direction d whose control octet
// is h and remaining length length; body holds its first bytes (all of
// them unless the packet is too large).
func (p *Parser) packet(d int, h byte, body []byte, length int, out dissectors.Emitter) {
	r := &p.rec
	p.f.Reset()
	r.ProtocolVersion, r.ClientID = p.sess.version, p.sess.clientID
	p.dec.decode(h, body, length, p.sess.version, r, &p.f)
	if len(body) < length {
		p.f.Add(anMessageTooLarge, "remaining length above the message size cap: payload skipped")
	}
	p.sess.update(r, &p.f)
	p.match(d, r)
	p.ev.Record, p.ev.Anomaly = r, nil
	out.Emit(&p.ev)
	p.f.Emit(out, &p.ev, &p.an, Anomalies)
}

func (p *Parser) emitAnomaly(a anomaly, detail string, out dissectors.Emitter) {
	finding.Emit(out, &p.ev, &p.an, Anomalies[a].Name, detail)
}

// Gap implements dissectors.Parser. The next bytes in dir are accepted
// only from a chunk that is whole packets (see chainOK); until then they
// are dropped. Requests of dir may have been lost: acks that match nothing
// are not flagged until the next request in dir. Acks of the other
// direction's requests may have been lost too: those requests stay
// matchable, but are forgotten without mqtt.too_many_outstanding.
func (p *Parser) Gap(dir dissectors.Direction) {
	d := int(dir & 1)
	p.state[d], p.skip[d] = resync, 0
	p.pending[d].seen = false
	p.pending[d^1].markStale()
}

// Close implements dissectors.Parser. Requests never acked are dropped
// without events.
func (p *Parser) Close(ts time.Time, out dissectors.Emitter) {
	for d := range p.pending {
		p.pending[d].clear()
	}
}
