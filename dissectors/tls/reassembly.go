package tls

import "github.com/otsensor/otsensor/dissectors"

// hsHeaderLen is the length of a handshake message header: type and a
// 24-bit length.
const hsHeaderLen = 4

// handshakeContent feeds the content of a handshake record in clear to
// the direction's stream of handshake messages. A message that lies
// whole in the content is decoded in place; one that spans records is
// reassembled in the direction's buffer, grown to its exact length (at
// most MaxHandshake + 4 octets). A message longer than MaxHandshake
// raises tls.handshake_too_long and is skipped as it arrives. Decoding
// stops where a message makes the direction encrypted (a TLS 1.3
// ServerHello): the rest of the record is dropped.
func (p *Parser) handshakeContent(dir dissectors.Direction, c []byte, out dissectors.Emitter) {
	s := &p.dir[dir&1]
	if s.hsLost {
		if !plausibleMessageStart(c) {
			return
		}
		s.hsLost = false
	}
	for len(c) > 0 && !s.encrypted {
		if s.hsSkip > 0 {
			k := min(s.hsSkip, len(c))
			s.hsSkip -= k
			c = c[k:]
			continue
		}
		if len(s.hs) == 0 && len(c) >= hsHeaderLen {
			m := be24(c[1:])
			if m > p.opts.MaxHandshake {
				p.tooLong(s, m, out)
				c = c[hsHeaderLen:]
				continue
			}
			if hsHeaderLen+m <= len(c) {
				p.message(dir, c[0], c[hsHeaderLen:hsHeaderLen+m], out)
				c = c[hsHeaderLen+m:]
				continue
			}
		}
		if len(s.hs) < hsHeaderLen {
			k := min(hsHeaderLen-len(s.hs), len(c))
			s.hs = append(s.hs, c[:k]...)
			c = c[k:]
			if len(s.hs) < hsHeaderLen {
				return
			}
			m := be24(s.hs[1:])
			if m > p.opts.MaxHandshake {
				s.hs = s.hs[:0]
				p.tooLong(s, m, out)
				continue
			}
			if need := hsHeaderLen + m; cap(s.hs) < need {
				b := make([]byte, hsHeaderLen, need)
				copy(b, s.hs)
				s.hs = b
			}
		}
		m := be24(s.hs[1:])
		k := min(hsHeaderLen+m-len(s.hs), len(c))
		s.hs = append(s.hs, c[:k]...)
		c = c[k:]
		if len(s.hs) == hsHeaderLen+m {
			msg := s.hs
			s.hs = s.hs[:0]
			p.message(dir, msg[0], msg[hsHeaderLen:], out)
		}
	}
}

// tooLong reports a handshake message of body length m above the cap
// and skips its body.
func (p *Parser) tooLong(s *dirState, m int, out dissectors.Emitter) {
	s.hsSkip = m
	p.emitAnomaly(anHandshakeTooLong, "handshake message longer than MaxHandshake: skipped", out)
}

// plausibleMessageStart reports whether handshake record content can
// start a message: a defined handshake type other than HelloRequest, with
// a non-zero length unless it is a ServerHelloDone.
func plausibleMessageStart(c []byte) bool {
	return len(c) >= hsHeaderLen && c[0] != hsHelloRequest && knownHandshakeType(c[0]) &&
		(be24(c[1:]) > 0 || c[0] == hsServerHelloDone)
}

// strictHeader reports whether b starts with a record header that
// resynchronisation accepts: content type 20-23, version SSL 3.0 - TLS
// 1.3, length 1 to MaxRecordLength.
func strictHeader(b []byte) bool {
	if len(b) < headerLen || b[0] < ctChangeCipherSpec || b[0] > ctApplicationData {
		return false
	}
	n := be16(b[3:])
	return recordVersionOK(be16(b[1:])) && n > 0 && n <= MaxRecordLength
}

// resyncAt looks for a record boundary in data: the first offset where a
// strict header starts and is followed, right after its record, by
// another strict header. It returns that offset and true, or the offset
// from which data must be kept (a candidate whose following header has
// not arrived yet, at most MaxRecordLength + 10 octets before the end, or
// the last 4 octets) and false. The answer depends only on the octets, not
// on how they were split into calls.
func resyncAt(data []byte) (int, bool) {
	for i := 0; i+headerLen <= len(data); i++ {
		if !strictHeader(data[i:]) {
			continue
		}
		next := i + headerLen + be16(data[i+3:])
		if next+headerLen > len(data) {
			return i, false
		}
		if strictHeader(data[next:]) {
			return i, true
		}
	}
	return max(0, len(data)-(headerLen-1)), false
}
