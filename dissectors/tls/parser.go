package tls

import (
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/finding"
)

const dirs = 2 // indexed by Direction

// framing is the state of one direction's record framing.
type framing uint8

const (
	framed framing = iota // at a record boundary, or inside one being skipped
	// resync: after a gap (or in a flow joined mid-stream) octets are
	// dropped up to a strictly plausible record header (see resync).
	resync
	// stopped: an invalid record header; the rest of the direction is
	// dropped.
	stopped
)

// dirState is the record layer and handshake reassembly of one direction.
type dirState struct {
	mode      framing
	started   bool // a record (or the SSLv2 hello) was accepted
	encrypted bool // ChangeCipherSpec seen (TLS <= 1.2), or after a TLS 1.3 ServerHello
	skip      int  // content octets of the current record still to skip

	hs     []byte // handshake message being reassembled (header included)
	hsSkip int    // octets of a too-long handshake message still to skip
	hsLost bool   // after a gap: handshake content dropped until a record starts a message

	heartbeat  bool // tls.heartbeat raised
	badVersion bool // tls.unknown_version raised for a record version

	records  uint64 // records whose header was accepted
	appBytes uint64 // application data content octets (declared lengths)
}

// Parser parses the TLS records of one flow. It reassembles handshake
// messages in clear, hands them to the handshake decoder, and emits one
// handshake Record per handshake and one alert Record per alert in clear.
// Application data and encrypted records are counted, never copied. It
// reuses one Event and its Records for every event.
type Parser struct {
	opts      Options
	handshake bool // the flow's first packet was a SYN

	dir [dirs]dirState

	hs       hsDecoder
	rec      Record // the handshake being accumulated (or last emitted)
	alertRec Record
	alert    Alert
	f        findings

	pending bool // rec holds a handshake not emitted yet
	emitted bool // rec was emitted: a new hello starts a new Record
	realSH  bool // a ServerHello that is not a HelloRetryRequest was decoded
	certReq bool // the server asked for a client certificate
	tls13   bool // the ServerHello negotiated TLS 1.3: the rest is encrypted
	sslv2   bool // the client opened with an SSLv2-compatible ClientHello
	lastDir dissectors.Direction

	// msgHook, when set (by tests), sees every handshake message passed
	// to the decoder.
	msgHook func(dir dissectors.Direction, typ uint8, body []byte)

	ev dissectors.Event
	an dissectors.Anomaly
}

var _ dissectors.Parser = (*Parser)(nil)

func newParser(opts Options, handshake bool) *Parser {
	if opts.MaxHandshake <= 0 {
		opts.MaxHandshake = DefaultMaxHandshake
	}
	opts.MaxHandshake = min(opts.MaxHandshake, MaxMaxHandshake)
	p := &Parser{opts: opts, handshake: handshake}
	p.an.AppProto = "tls"
	return p
}

// headerProblem returns the anomaly an invalid record header raises, or
// numAnomalies when it is valid.
func headerProblem(typ byte, n int) anomaly {
	switch {
	case typ < ctChangeCipherSpec || typ > ctHeartbeat:
		return anInvalidRecordType
	case n > MaxRecordLength, n == 0 && typ <= ctHandshake:
		return anInvalidRecordLength
	}
	return numAnomalies
}

// Parse implements dissectors.Parser: it handles every record of data
// and returns the offset of the first incomplete record that it must see
// whole (a handshake, alert or ChangeCipherSpec record in clear, at most
// MaxRecordLength + 5 octets; an SSLv2 ClientHello, at most 32 KiB).
// Application data and encrypted records are consumed as they arrive.
func (p *Parser) Parse(dir dissectors.Direction, data []byte, ts time.Time, out dissectors.Emitter) (int, error) {
	d := int(dir & 1)
	s := &p.dir[d]
	p.ev.Time, p.ev.Dir = ts, dir
	off := 0
	for off < len(data) {
		if s.mode == stopped {
			return len(data), nil
		}
		if s.skip > 0 {
			n := min(s.skip, len(data)-off)
			s.skip -= n
			off += n
			continue
		}
		rest := data[off:]
		if s.mode == resync {
			i, found := resyncAt(rest)
			off += i
			if !found {
				return off, nil
			}
			s.mode, s.started = framed, true
			continue
		}
		if rest[0]&0x80 != 0 {
			if p.sslv2 {
				s.mode = stopped // an SSLv2 session: not parsed further
				return len(data), nil
			}
			if !s.started && dir == dissectors.ToServer {
				n, ok, complete := checkSSLv2(rest)
				if ok && !complete {
					return off, nil
				}
				if ok {
					s.started = true
					off += sslv2HeaderLen + n
					p.sslv2Hello(dir, rest[sslv2HeaderLen:sslv2HeaderLen+n], out)
					continue
				}
			}
		}
		if len(rest) < headerLen {
			return off, nil
		}
		typ, ver, n := rest[0], be16(rest[1:]), be16(rest[3:])
		if a := headerProblem(typ, n); a != numAnomalies {
			if !s.started && !p.handshake {
				s.mode = resync // joined mid-stream: find a record boundary
				continue
			}
			s.mode = stopped
			p.cut(s, out)
			p.emitAnomaly(a, "invalid record header: direction no longer parsed", out)
			return len(data), nil
		}
		if !s.started && (typ == ctApplicationData || typ == ctChangeCipherSpec) {
			// A direction that opens with application data or a
			// ChangeCipherSpec was joined after its handshake.
			s.encrypted = true
		}
		s.started = true
		if !recordVersionOK(ver) && !s.badVersion {
			s.badVersion = true
			p.emitAnomaly(anUnknownVersion, "record version outside SSL 3.0 - TLS 1.3", out)
		}
		// An alert is in clear when it is 2 octets, even after encryption
		// started: an encrypted one carries a MAC or an AEAD tag besides
		// (and one longer, even before encryption is known to have
		// started, is taken for an encrypted one).
		clear := !s.encrypted && typ != ctAlert || (typ == ctAlert && n == 2)
		if !clear || typ == ctApplicationData || typ == ctHeartbeat {
			s.records++
			p.opaque(dir, s, typ, n, out)
			avail := min(n, len(rest)-headerLen)
			off += headerLen + avail
			s.skip = n - avail
			continue
		}
		if len(rest) < headerLen+n {
			return off, nil
		}
		s.records++
		content := rest[headerLen : headerLen+n]
		off += headerLen + n
		p.lastDir = dir
		switch typ {
		case ctChangeCipherSpec:
			p.cut(s, out)
			p.changeCipherSpec(dir, out)
		case ctAlert:
			p.cut(s, out)
			p.alerts(content, out)
		case ctHandshake:
			p.handshakeContent(dir, content, out)
		}
	}
	return off, nil
}

// opaque accounts for a record whose content is not parsed: application
// data, heartbeat, or anything after encryption started.
func (p *Parser) opaque(dir dissectors.Direction, s *dirState, typ byte, n int, out dissectors.Emitter) {
	switch typ {
	case ctApplicationData:
		s.appBytes += uint64(n)
		if !s.encrypted {
			p.cut(s, out)
		}
		if dir == dissectors.ToClient {
			p.emitPending(out) // the server's handshake is over
		}
	case ctHeartbeat:
		if !s.heartbeat {
			s.heartbeat = true
			p.emitAnomaly(anHeartbeat, "heartbeat record", out)
		}
	}
}

// cut drops a handshake message interrupted by a record of another type
// (RFC 8446 5.1: handshake messages are not interleaved with others).
func (p *Parser) cut(s *dirState, out dissectors.Emitter) {
	if len(s.hs) > 0 {
		s.hs = s.hs[:0]
		p.emitAnomaly(anInvalidHandshakeLength, "handshake message cut by a record of another type", out)
	}
	s.hsSkip = 0
}

// changeCipherSpec handles a ChangeCipherSpec in clear. In TLS <= 1.2 the
// records after it are encrypted; one sent for middlebox compatibility in
// TLS 1.3 (RFC 8446 D.4: after a HelloRetryRequest, or by a client that
// offered TLS 1.3 before the ServerHello) changes nothing.
func (p *Parser) changeCipherSpec(dir dissectors.Direction, out dissectors.Emitter) {
	if !p.realSH && (p.hs.helloRetryPending() || offered13(&p.rec)) {
		return
	}
	p.setEncrypted(int(dir & 1))
	p.emitPending(out)
}

func offered13(r *Record) bool {
	for _, v := range r.ClientVersions {
		if is13(v) {
			return true
		}
	}
	return false
}

// setEncrypted marks direction d encrypted and drops its reassembly.
func (p *Parser) setEncrypted(d int) {
	s := &p.dir[d]
	s.encrypted = true
	s.hs, s.hsSkip = s.hs[:0], 0
}

// alerts emits the alert of a 2-octet alert record: level and
// description. A fatal alert ends the handshake: the pending handshake
// Record is emitted first.
func (p *Parser) alerts(content []byte, out dissectors.Emitter) {
	if content[0] == 2 {
		p.emitPending(out)
	}
	p.alert = Alert{Level: content[0], Description: content[1]}
	a := &p.alertRec
	*a = Record{Alert: &p.alert, ClientVersion: p.rec.ClientVersion, ServerVersion: p.rec.ServerVersion, Version: p.rec.Version}
	p.ev.Record, p.ev.Anomaly = a, nil
	out.Emit(&p.ev)
}

func (p *Parser) emitAnomaly(a anomaly, detail string, out dissectors.Emitter) {
	finding.Emit(out, &p.ev, &p.an, Anomalies[a].Name, detail)
}

// flush emits the findings of the handshake decoder.
func (p *Parser) flush(out dissectors.Emitter) {
	p.f.Emit(out, &p.ev, &p.an, Anomalies)
	p.f.Reset()
}

// Gap implements dissectors.Parser: the handshake message being
// reassembled in dir is dropped, and the direction's next octets are
// dropped up to a record header that passes resyncAt. Handshake content
// is then ignored until a handshake record starts with a plausible message
// header. A stopped direction stays stopped.
func (p *Parser) Gap(dir dissectors.Direction) {
	s := &p.dir[dir&1]
	if s.mode == stopped {
		return
	}
	s.mode, s.started, s.skip = resync, true, 0
	s.hs, s.hsSkip, s.hsLost = s.hs[:0], 0, true
}

// Close implements dissectors.Parser: a handshake Record not emitted yet
// (a ClientHello the server refused, a connection reset or cut by the end
// of the capture) is emitted now.
func (p *Parser) Close(ts time.Time, out dissectors.Emitter) {
	p.ev.Time, p.ev.Dir = ts, p.lastDir
	p.emitPending(out)
	p.flush(out)
}
