package modbus

import (
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/finding"
)

// MBAP framing (Modbus Messaging on TCP/IP Implementation Guide V1.0b).
const (
	mbapLen   = 7             // transaction id, protocol id, length, unit id
	minLength = 2             // unit id + function code
	maxLength = 254           // unit id + 253-byte PDU
	maxADU    = 6 + maxLength // 260
	headerFC  = mbapLen + 1   // bytes needed to see the function code
	dirs      = 2             // indexed by Direction
)

// Parser parses the Modbus ADUs of one flow. It reuses one Event, one
// Record and their buffers for every PDU.
type Parser struct {
	opts Options
	udp  bool

	resync [dirs]bool // after a gap or garbage: wait for a plausible header
	skip   [dirs]int  // bytes of an oversized ADU still to discard

	pending []pending // outstanding requests, oldest first
	// requestSeen is false until the first request, and again after a gap
	// in the requests: a response to a request the sensor never saw (the
	// capture started mid-session, or lost it) is not an anomaly.
	requestSeen bool

	ev  dissectors.Event
	an  dissectors.Anomaly
	rec Record
	dec decoder
	f   findings
}

var _ dissectors.Parser = (*Parser)(nil)

func newParser(opts Options, udp bool) *Parser {
	p := &Parser{opts: opts, udp: udp}
	p.dec = decoder{r: &p.rec, f: &p.f}
	p.an.AppProto = "modbus"
	return p
}

// Parse implements dissectors.Parser: it emits one Record per complete ADU
// (followed by its anomalies) and returns the offset of the first
// incomplete ADU.
func (p *Parser) Parse(dir dissectors.Direction, data []byte, ts time.Time, out dissectors.Emitter) (int, error) {
	d := int(dir & 1)
	p.ev.Time, p.ev.Dir = ts, dir
	off := 0
	if p.udp {
		p.resync[d], p.skip[d] = false, 0 // every datagram starts an ADU
	} else if p.skip[d] > 0 {
		off = min(p.skip[d], len(data))
		p.skip[d] -= off
	}
	for off < len(data) {
		rest := data[off:]
		if p.resync[d] {
			i := resyncOffset(rest)
			if i < 0 {
				return len(data), nil
			}
			off += i
			rest = data[off:]
			if len(rest) < headerFC {
				return off, nil
			}
			p.resync[d] = false
		}
		// A header whose length is already known to be wrong is handled at
		// once; otherwise wait for the function code.
		if len(rest) < headerFC && (len(rest) < 6 || plausiblePrefix(rest)) {
			if p.udp {
				p.emitAnomaly(anInvalidLength, "datagram ends inside the MBAP header", out)
				return len(data), nil
			}
			return off, nil
		}
		n, ok := p.frame(d, rest, out)
		if !ok {
			if p.resync[d] && !p.udp {
				off++ // look for the next header in what is left
				continue
			}
			return len(data), nil
		}
		if n == 0 {
			return off, nil
		}
		off += n
	}
	return off, nil
}

// frame handles the ADU at the start of rest (at least headerFC bytes). It
// returns the bytes consumed (0: need more), or ok == false when the rest
// of the chunk is to be dropped.
func (p *Parser) frame(d int, rest []byte, out dissectors.Emitter) (n int, ok bool) {
	pid, length := be16(rest[2:]), int(be16(rest[4:]))
	end := 6 + length
	if pid != 0 {
		p.emitAnomaly(anInvalidProtocolID, "protocol identifier is not 0", out)
		if length < minLength || length > maxLength {
			p.resync[d] = true
			return 0, false
		}
		return p.discard(d, rest, end)
	}
	if length < minLength {
		p.emitAnomaly(anInvalidLength, "MBAP length below 2", out)
		p.resync[d] = true
		return 0, false
	}
	if len(rest) < end {
		switch {
		case p.udp:
			p.emitAnomaly(anInvalidLength, "datagram ends inside the ADU", out)
			return 0, false
		case length <= maxLength || len(rest) < maxADU:
			return 0, true
		}
		// An oversized ADU that does not fit what we may ask to be kept:
		// decode what is here and discard the rest as it arrives.
		p.pdu(rest[:maxADU], length, out)
		return p.discard(d, rest, end)
	}
	p.pdu(rest[:end], length, out)
	return end, true
}

// discard consumes an ADU of end bytes, remembering what is still to come.
func (p *Parser) discard(d int, rest []byte, end int) (int, bool) {
	if len(rest) >= end {
		return end, true
	}
	if !p.udp {
		p.skip[d] = end - len(rest)
	}
	return 0, false
}

// pdu decodes and emits one ADU (header + PDU) whose MBAP length field is
// length; adu is shorter than 6+length when an oversized ADU is cut.
func (p *Parser) pdu(adu []byte, length int, out dissectors.Emitter) {
	r := &p.rec
	r.reset()
	p.f.Reset()
	if length > maxLength {
		p.f.Add(anInvalidLength, "MBAP length above 254")
	}
	r.TransactionID, r.UnitID = be16(adu), adu[6]
	r.Response = p.ev.Dir == dissectors.ToClient
	p.dec.decode(adu[mbapLen:], r.Response)
	if r.Has(FieldDataLength) {
		r.DataLength += 6 + length - len(adu) // bytes cut from an oversized ADU
	}
	if r.Response {
		p.match(r)
	} else {
		p.track(r, p.ev.Time)
	}
	p.ev.Record, p.ev.Anomaly = r, nil
	out.Emit(&p.ev)
	p.f.Emit(out, &p.ev, &p.an, Anomalies)
}

func (p *Parser) emitAnomaly(a anomaly, detail string, out dissectors.Emitter) {
	finding.Emit(out, &p.ev, &p.an, Anomalies[a].Name, detail)
}

// Gap implements dissectors.Parser: the next bytes in dir are resynchronised
// on a plausible MBAP header.
func (p *Parser) Gap(dir dissectors.Direction) {
	d := int(dir & 1)
	p.resync[d], p.skip[d] = true, 0
	if dir == dissectors.ToServer {
		p.requestSeen = false
	}
}

// Close implements dissectors.Parser. Unanswered requests are dropped
// without events.
func (p *Parser) Close(ts time.Time, out dissectors.Emitter) {
	p.pending = p.pending[:0]
}
