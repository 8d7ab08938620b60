package synth

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"
)

// AppendDNSName appends name (dot-separated) in DNS wire format.
func AppendDNSName(dst []byte, name string) []byte {
	for _, label := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		dst = append(dst, byte(len(label)))
		dst = append(dst, label...)
	}
	return append(dst, 0)
}

// DNS record types used in crafted traffic.
const (
	DNSTypeA    = 1
	DNSTypeAAAA = 28
)

// AppendDNSQuery appends a standard recursive query for wireName (already
// in wire format, see AppendDNSName) of type qtype, class IN.
func AppendDNSQuery(dst []byte, id uint16, wireName []byte, qtype uint16) []byte {
	dst = append(dst, byte(id>>8), byte(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0)
	dst = append(dst, wireName...)
	return append(dst, byte(qtype>>8), byte(qtype), 0, 1)
}

// AppendDNSResponse appends the answer to AppendDNSQuery's question with
// one record whose data is addr (4 bytes for A, 16 for AAAA) and the
// given TTL in seconds.
func AppendDNSResponse(dst []byte, id uint16, wireName []byte, qtype uint16, addr []byte, ttl uint32) []byte {
	dst = append(dst, byte(id>>8), byte(id), 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0)
	dst = append(dst, wireName...)
	dst = append(dst, byte(qtype>>8), byte(qtype), 0, 1)
	dst = append(dst, 0xc0, 0x0c, byte(qtype>>8), byte(qtype), 0, 1)
	dst = binary.BigEndian.AppendUint32(dst, ttl)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(addr)))
	return append(dst, addr...)
}

// ntpEpochOffset is the number of seconds from 1900-01-01 to 1970-01-01.
const ntpEpochOffset = 2208988800

func appendNTPTime(dst []byte, t time.Time) []byte {
	sec := uint32(t.Unix() + ntpEpochOffset)
	frac := uint32((uint64(t.Nanosecond()) << 32) / 1e9)
	dst = binary.BigEndian.AppendUint32(dst, sec)
	return binary.BigEndian.AppendUint32(dst, frac)
}

// AppendNTP appends a 48-byte NTPv4 packet: mode 3 (client) with transmit
// time t, or mode 4 (server, stratum 2) answering a request sent at orig
// with receive/transmit time t.
func AppendNTP(dst []byte, server bool, orig, t time.Time) []byte {
	if !server {
		dst = append(dst, 0x23, 0, 6, 0xec) // LI 0, VN 4, mode 3; poll 6; precision -20
		var zero [36]byte
		dst = append(dst, zero[:]...)
		return appendNTPTime(dst, t)
	}
	dst = append(dst, 0x24, 2, 6, 0xe9) // mode 4, stratum 2
	dst = append(dst, 0, 0, 0x01, 0x2c, 0, 0, 0x02, 0x10)
	dst = append(dst, 'G', 'P', 'S', 0) // reference id
	dst = appendNTPTime(dst, t.Add(-17*time.Second))
	dst = appendNTPTime(dst, orig)
	dst = appendNTPTime(dst, t)
	return appendNTPTime(dst, t)
}

const months = "JanFebMarAprMayJunJulAugSepOctNovDec"

// AppendSyslog appends an RFC 3164 message: <pri>Mmm dd hh:mm:ss host tag: msg.
func AppendSyslog(dst []byte, pri int, t time.Time, host, tag, msg string) []byte {
	dst = append(dst, '<')
	dst = strconv.AppendInt(dst, int64(pri), 10)
	dst = append(dst, '>')
	mo := 3 * int(t.Month()-1)
	dst = append(dst, months[mo:mo+3]...)
	dst = append(dst, ' ')
	if t.Day() < 10 {
		dst = append(dst, ' ')
	}
	dst = strconv.AppendInt(dst, int64(t.Day()), 10)
	dst = append(dst, ' ')
	dst = append2(dst, t.Hour(), ':')
	dst = append2(dst, t.Minute(), ':')
	dst = append2(dst, t.Second(), ' ')
	dst = append(dst, host...)
	dst = append(dst, ' ')
	dst = append(dst, tag...)
	dst = append(dst, ": "...)
	return append(dst, msg...)
}

func append2(dst []byte, v int, sep byte) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10), sep)
}

// AppendHTTPRequest appends a small HTTP/1.1 GET request.
func AppendHTTPRequest(dst []byte, host, path string, id int) []byte {
	dst = append(dst, "GET "...)
	dst = append(dst, path...)
	dst = strconv.AppendInt(dst, int64(id), 10)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, host...)
	return append(dst, "\r\nUser-Agent: plant-historian/2.4\r\nAccept: application/json\r\nConnection: close\r\n\r\n"...)
}

// AppendHTTPResponseHeader appends an HTTP/1.1 200 response header for a
// JSON body of n bytes.
func AppendHTTPResponseHeader(dst []byte, n int) []byte {
	dst = append(dst, "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, "\r\nConnection: close\r\n\r\n"...)
}
