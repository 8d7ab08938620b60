package tls

import "github.com/otsensor/otsensor/dissectors"

// Record content types (RFC 8446 5.1, RFC 6520).
const (
	ctChangeCipherSpec = 20
	ctAlert            = 21
	ctHandshake        = 22
	ctApplicationData  = 23
	ctHeartbeat        = 24
)

// headerLen is the length of a record header: type, version, length.
const headerLen = 5

// probeCap is how many bytes an off-port probe waits for before deciding
// on a consistent but still incomplete ClientHello: the flow layer offers
// at most 4 KiB (flow.Config.MaxProbeBytes) to probes.
const probeCap = 4 << 10

// recordVersionOK reports whether v is SSL 3.0 to TLS 1.3 (0x0300-0x0304).
func recordVersionOK(v int) bool { return v >= 0x0300 && v <= 0x0304 }

func be16(b []byte) int { return int(b[0])<<8 | int(b[1]) }
func be24(b []byte) int { return int(b[0])<<16 | int(b[1])<<8 | int(b[2]) }

// headerPrefixOK reports whether the first len(b) (< headerLen) octets can
// start a record header of type typ: version major 3, minor 0 to 4.
func headerPrefixOK(b []byte) bool {
	return (len(b) < 2 || b[1] == 3) && (len(b) < 3 || b[2] <= 4)
}

// probeOnPort judges the first bytes seen on a TLS port.
func probeOnPort(dir dissectors.Direction, data []byte) dissectors.ProbeResult {
	if len(data) == 0 {
		return dissectors.ProbeNeedMore
	}
	if data[0]&0x80 != 0 {
		return probeSSLv2(dir, data)
	}
	typ := data[0]
	if typ < ctChangeCipherSpec || typ > ctApplicationData {
		return dissectors.ProbeNo
	}
	if len(data) < headerLen {
		if headerPrefixOK(data) {
			return dissectors.ProbeNeedMore
		}
		return dissectors.ProbeNo
	}
	n := be16(data[3:])
	if !recordVersionOK(be16(data[1:])) || n == 0 || n > MaxRecordLength {
		return dissectors.ProbeNo
	}
	switch typ {
	case ctHandshake:
		if len(data) == headerLen {
			return dissectors.ProbeNeedMore
		}
		want := byte(hsClientHello)
		if dir == dissectors.ToClient {
			want = hsServerHello
		}
		if data[headerLen] != want {
			return dissectors.ProbeNo
		}
	case ctChangeCipherSpec:
		if n != 1 {
			return dissectors.ProbeNo
		}
	case ctAlert:
		if n < 2 {
			return dissectors.ProbeNo
		}
	}
	return dissectors.ProbeYes
}

// probeStrict judges the first bytes seen off port: ProbeYes only for a
// complete, consistent ClientHello record from the client (or one whose
// consistent prefix reaches probeCap bytes), or an SSLv2-compatible
// ClientHello; ProbeNeedMore while data is a consistent prefix of one, or
// of a ServerHello record from the server (whose ClientHello may come in
// the other direction).
func probeStrict(dir dissectors.Direction, data []byte) dissectors.ProbeResult {
	if len(data) == 0 {
		return dissectors.ProbeNeedMore
	}
	if data[0]&0x80 != 0 {
		return probeSSLv2(dir, data)
	}
	if data[0] != ctHandshake {
		return dissectors.ProbeNo
	}
	if len(data) < headerLen {
		if headerPrefixOK(data) {
			return dissectors.ProbeNeedMore
		}
		return dissectors.ProbeNo
	}
	n := be16(data[3:])
	if !recordVersionOK(be16(data[1:])) || n < 4 || n > MaxRecordLength {
		return dissectors.ProbeNo
	}
	if dir == dissectors.ToClient {
		if len(data) < headerLen+n && (len(data) == headerLen || data[headerLen] == hsServerHello) {
			return dissectors.ProbeNeedMore
		}
		return dissectors.ProbeNo
	}
	if len(data) == headerLen {
		return dissectors.ProbeNeedMore
	}
	rec := data[headerLen:min(len(data), headerLen+n)]
	if rec[0] != hsClientHello {
		return dissectors.ProbeNo
	}
	if len(rec) < 4 {
		return dissectors.ProbeNeedMore
	}
	m := be24(rec[1:])
	full := 4+m <= n // the message fits its record
	body := rec[4:min(len(rec), 4+m)]
	complete := len(body) == m
	switch checkClientHello(body, complete) {
	case helloBad:
		return dissectors.ProbeNo
	case helloGood:
		if full {
			return dissectors.ProbeYes
		}
	}
	// A consistent prefix: a message spanning records is accepted once its
	// first record is complete and holds the fixed fields; any prefix is
	// accepted at the probe cap.
	if !full && len(rec) == n && helloFixedLen(body) > 0 {
		return dissectors.ProbeYes
	}
	if len(data) >= probeCap {
		return dissectors.ProbeYes
	}
	return dissectors.ProbeNeedMore
}

// helloCheck is what checkClientHello makes of a (possibly partial) body.
type helloCheck uint8

const (
	helloBad     helloCheck = iota // inconsistent
	helloPartial                   // consistent so far
	helloGood                      // complete and consistent
)

// helloFixedLen returns the length of a ClientHello body's fields up to
// and including compression_methods, or 0 when b does not hold them all.
func helloFixedLen(b []byte) int {
	i := 2 + 32
	if len(b) < i+1 {
		return 0
	}
	i += 1 + int(b[i])
	if len(b) < i+2 {
		return 0
	}
	i += 2 + be16(b[i:])
	if len(b) < i+1 {
		return 0
	}
	i += 1 + int(b[i])
	if len(b) < i {
		return 0
	}
	return i
}

// checkClientHello walks a ClientHello body (RFC 8446 4.1.2; RFC 5246
// 7.4.1.2 allows omitting extensions): legacy_version SSL 3.0 - TLS 1.3,
// session id of at most 32 octets, a non-empty even cipher suite list,
// compression methods including null, and extensions whose lengths add up
// exactly. complete says b is the whole body.
func checkClientHello(b []byte, complete bool) helloCheck {
	partial := helloPartial
	if complete {
		partial = helloBad // running out is inconsistency
	}
	if len(b) < 2 {
		return partial
	}
	if !recordVersionOK(be16(b)) {
		return helloBad
	}
	i := 2 + 32
	if len(b) < i+1 {
		return partial
	}
	if b[i] > 32 {
		return helloBad
	}
	i += 1 + int(b[i])
	if len(b) < i+2 {
		return partial
	}
	cs := be16(b[i:])
	if cs < 2 || cs%2 != 0 {
		return helloBad
	}
	i += 2 + cs
	if len(b) < i+1 {
		return partial
	}
	cm := int(b[i])
	if cm < 1 {
		return helloBad
	}
	i += 1 + cm
	if len(b) < i {
		return partial
	}
	if len(b) == i {
		if complete {
			return helloGood // no extensions
		}
		return helloPartial
	}
	if len(b) < i+2 {
		return partial
	}
	ext := be16(b[i:])
	i += 2
	if complete && ext != len(b)-i {
		return helloBad
	}
	end := i + ext
	for i < end {
		if len(b) < i+4 {
			return partial
		}
		i += 4 + be16(b[i+2:])
		if i > end {
			return helloBad
		}
	}
	if complete {
		return helloGood
	}
	return helloPartial
}

// sslv2HeaderLen is the 2-octet header of an SSLv2 record whose first
// octet has the high bit set.
const sslv2HeaderLen = 2

// sslv2MinLen is the shortest SSLv2 ClientHello: type, version, three
// lengths, one cipher spec and a 16-octet challenge.
const sslv2MinLen = 9 + 3 + 16

// checkSSLv2 judges the start of an SSLv2-compatible ClientHello (RFC 5246
// E.2): a 2-octet header with the high bit set, message type 1, version
// SSL 2.0 or SSL 3.0 - TLS 1.3, cipher specs in threes, a session id of 0
// or 16 octets and a challenge of 16 to 32, adding up to the length. It
// returns the record length (header excluded), and whether data is
// consistent and complete.
func checkSSLv2(data []byte) (n int, ok, complete bool) {
	if len(data) < 1 || data[0]&0x80 == 0 {
		return 0, false, false
	}
	if len(data) < sslv2HeaderLen {
		return 0, true, false
	}
	n = int(data[0]&0x7f)<<8 | int(data[1])
	if n < sslv2MinLen {
		return n, false, false
	}
	if len(data) > 2 && data[2] != hsClientHello {
		return n, false, false
	}
	if len(data) > 4 {
		if v := be16(data[3:]); v != 0x0002 && !recordVersionOK(v) {
			return n, false, false
		}
	}
	if len(data) < 11 {
		return n, true, false
	}
	cs, sid, ch := be16(data[5:]), be16(data[7:]), be16(data[9:])
	if cs == 0 || cs%3 != 0 || (sid != 0 && sid != 16) || ch < 16 || ch > 32 || 9+cs+sid+ch != n {
		return n, false, false
	}
	return n, true, len(data) >= sslv2HeaderLen+n
}

// probeSSLv2 accepts a complete, consistent SSLv2-compatible ClientHello
// from the client.
func probeSSLv2(dir dissectors.Direction, data []byte) dissectors.ProbeResult {
	if dir != dissectors.ToServer {
		return dissectors.ProbeNo
	}
	_, ok, complete := checkSSLv2(data)
	switch {
	case !ok:
		return dissectors.ProbeNo
	case !complete:
		return dissectors.ProbeNeedMore
	}
	return dissectors.ProbeYes
}
