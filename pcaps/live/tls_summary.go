package live

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
)

// TLSSummary is what SummarizeTLS found in a capture.
type TLSSummary struct {
	Packets     int // frames in the file
	Connections int // SYNs (without ACK) to a server port
	// Records counts TLS records by content type, both directions.
	Records map[byte]int
	// Handshake messages in clear: ClientHello (SSLv2-compatible ones
	// included), ServerHello (HelloRetryRequests apart), Certificate.
	ClientHellos, ServerHellos, HelloRetryRequests, Certificates int
	// Versions counts ServerHellos by negotiated version (the
	// supported_versions extension if present, else server_version).
	Versions map[uint16]int
	// Alerts counts alerts sent in clear by level<<8 | description.
	Alerts map[uint16]int
	// SNI counts ClientHellos by server name (host_name entries).
	SNI map[string]int
}

// helloRetryRandom is the ServerHello.random of a HelloRetryRequest
// (RFC 8446 section 4.1.3): SHA-256 of "HelloRetryRequest".
var helloRetryRandom = sha256.Sum256([]byte("HelloRetryRequest"))

// SummarizeTLS reads the pcap at path with gopacket and follows the TCP
// connections to or from the server ports: it counts connections and
// splits each direction's byte stream into TLS records (RFC 5246 6.2.1,
// RFC 8446 5.1), reading the handshake messages sent in clear. It assumes
// a clean capture (no loss, no reordering: what lo gives) with every
// connection captured from its SYN, and fails on anything it cannot
// frame.
func SummarizeTLS(path string, ports ...uint16) (TLSSummary, error) {
	s := TLSSummary{Records: map[byte]int{}, Versions: map[uint16]int{}, Alerts: map[uint16]int{}, SNI: map[string]int{}}
	conns, packets, syns, err := capturedConns(path, ports...)
	s.Packets, s.Connections = packets, syns
	if err != nil {
		return s, err
	}
	for _, c := range conns {
		// The server's direction first: its ServerHello tells whether a
		// handshake record after ChangeCipherSpec is encrypted (TLS 1.2
		// and before) or not (TLS 1.3's compatibility CCS).
		tls13, err := s.direction(c.down, false, false)
		if err != nil {
			return s, fmt.Errorf("%v <- %v: %w", c.client, c.server, err)
		}
		if _, err := s.direction(c.up, true, tls13); err != nil {
			return s, fmt.Errorf("%v -> %v: %w", c.client, c.server, err)
		}
	}
	return s, nil
}

// direction splits one direction's stream into records and reads its
// clear handshake messages and alerts. It reports whether a ServerHello
// chose TLS 1.3.
func (s *TLSSummary) direction(b []byte, client, tls13 bool) (bool, error) {
	if client && len(b) >= 3 && b[0]&0x80 != 0 && b[2] == 1 {
		// An SSLv2-compatible ClientHello (RFC 5246 appendix E.2):
		// two-byte length with the high bit set, msg_type 1.
		n := int(b[0]&0x7f)<<8 | int(b[1])
		if 2+n > len(b) {
			return false, errors.New("truncated SSLv2 ClientHello")
		}
		s.ClientHellos++
		b = b[2+n:]
	}
	var hs []byte // handshake bytes in clear, across records
	encrypted := false
	for off := 0; off < len(b); {
		if off+5 > len(b) {
			return tls13, fmt.Errorf("%d bytes left at offset %d: not a record header", len(b)-off, off)
		}
		typ := b[off]
		n := int(b[off+3])<<8 | int(b[off+4])
		if b[off+1] != 3 || off+5+n > len(b) {
			return tls13, fmt.Errorf("record at offset %d: version %#x, length %d, %d bytes left", off, b[off+1:off+3], n, len(b)-off-5)
		}
		body := b[off+5 : off+5+n]
		off += 5 + n
		s.Records[typ]++
		switch typ {
		case 20: // change_cipher_spec: what follows is encrypted, but in TLS 1.3
			encrypted = !tls13
		case 21:
			// In TLS 1.3 every alert of type 21 is in clear (encrypted
			// ones travel as application data).
			if !encrypted || tls13 {
				if len(body) != 2 {
					return tls13, fmt.Errorf("clear alert of %d bytes", len(body))
				}
				s.Alerts[uint16(body[0])<<8|uint16(body[1])]++
			}
		case 22:
			if encrypted {
				continue
			}
			hs = append(hs, body...)
			var err error
			if hs, tls13, err = s.messages(hs, tls13); err != nil {
				return tls13, err
			}
		case 23:
			encrypted = true
		}
	}
	return tls13, nil
}

// messages reads the complete handshake messages at the start of hs and
// returns what is left (a message continued in the next record).
func (s *TLSSummary) messages(hs []byte, tls13 bool) ([]byte, bool, error) {
	for len(hs) >= 4 {
		n := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
		if 4+n > len(hs) {
			break
		}
		body := hs[4 : 4+n]
		switch hs[0] {
		case 1:
			s.ClientHellos++
			for _, name := range helloSNI(body) {
				s.SNI[name]++
			}
		case 2:
			if len(body) < 34 {
				return hs, tls13, errors.New("short ServerHello")
			}
			if bytes.Equal(body[2:34], helloRetryRandom[:]) {
				s.HelloRetryRequests++
				tls13 = true
				break
			}
			s.ServerHellos++
			v := uint16(body[0])<<8 | uint16(body[1])
			if sv, ok := serverSupportedVersion(body); ok {
				v = sv
			}
			s.Versions[v]++
			tls13 = v == 0x0304
		case 11:
			s.Certificates++
		}
		hs = hs[4+n:]
	}
	return hs, tls13, nil
}

// helloExtensions returns the extensions block of a ClientHello (client)
// or ServerHello body, or nil.
func helloExtensions(body []byte, client bool) []byte {
	off := 34 // version, random
	if off >= len(body) {
		return nil
	}
	off += 1 + int(body[off]) // session id
	if client {
		if off+2 > len(body) {
			return nil
		}
		off += 2 + (int(body[off])<<8 | int(body[off+1])) // cipher suites
		if off >= len(body) {
			return nil
		}
		off += 1 + int(body[off]) // compression methods
	} else {
		off += 3 // cipher suite, compression method
	}
	if off+2 > len(body) {
		return nil
	}
	n := int(body[off])<<8 | int(body[off+1])
	if off+2+n > len(body) {
		return nil
	}
	return body[off+2 : off+2+n]
}

// extension returns the data of extension typ in exts.
func extension(exts []byte, typ uint16) ([]byte, bool) {
	for len(exts) >= 4 {
		t := uint16(exts[0])<<8 | uint16(exts[1])
		n := int(exts[2])<<8 | int(exts[3])
		if 4+n > len(exts) {
			return nil, false
		}
		if t == typ {
			return exts[4 : 4+n], true
		}
		exts = exts[4+n:]
	}
	return nil, false
}

// helloSNI returns the host_name entries of a ClientHello's server_name
// extension (RFC 6066 section 3).
func helloSNI(body []byte) []string {
	d, ok := extension(helloExtensions(body, true), 0)
	if !ok || len(d) < 2 {
		return nil
	}
	var names []string
	for l := d[2:]; len(l) >= 3; {
		n := int(l[1])<<8 | int(l[2])
		if 3+n > len(l) {
			break
		}
		if l[0] == 0 {
			names = append(names, string(l[3:3+n]))
		}
		l = l[3+n:]
	}
	return names
}

// serverSupportedVersion returns the version of a ServerHello's
// supported_versions extension (RFC 8446 section 4.2.1).
func serverSupportedVersion(body []byte) (uint16, bool) {
	d, ok := extension(helloExtensions(body, false), 43)
	if !ok || len(d) != 2 {
		return 0, false
	}
	return uint16(d[0])<<8 | uint16(d[1]), true
}
