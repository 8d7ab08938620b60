package syslog

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/otsensor/otsensor/alerts/sink"
)

// RFC 5424 header values.
const (
	appName = "otsensor"
	// sdID is the structured-data element otsensor writes; 32473 is the
	// enterprise number RFC 5612 reserves for documentation and examples.
	sdID = "otsensor@32473"
	// truncMarker ends a MSG cut to fit a datagram.
	truncMarker = "...[truncated]"
)

// header holds what is the same in every message of a sink.
type header struct {
	hostname string // PRINTUSASCII, at most 255
	procID   string // at most 128
}

func newHeader(hostname string, pid int) header {
	return header{hostname: headerField(hostname, 255), procID: headerField(strconv.Itoa(pid), 128)}
}

// appendSyslog appends one RFC 5424 SYSLOG-MSG (no framing) for m to dst:
//
//	<PRI>1 TIMESTAMP HOSTNAME otsensor PROCID MSGID [otsensor@32473 id=".." seq=".." ...] MSG
//
// MSGID is the message type. MSG is msg without a BOM (MSG-ANY): collectors
// and SIEMs that look for "CEF:" or "{" at its start choke on one.
func (h *header) appendSyslog(dst []byte, m *sink.Message, b *body, msg []byte) []byte {
	pri := facilityLocal4*8 + b.syslogSeverity(m.Type)
	dst = append(dst, '<')
	dst = strconv.AppendInt(dst, int64(pri), 10)
	dst = append(dst, ">1 "...)
	dst = appendTimestamp(dst, m.Time)
	dst = append(dst, ' ')
	dst = append(dst, h.hostname...)
	dst = append(dst, ' ')
	dst = append(dst, appName...)
	dst = append(dst, ' ')
	dst = append(dst, h.procID...)
	dst = append(dst, ' ')
	dst = append(dst, headerField(m.Type, 32)...)
	dst = append(dst, ' ')
	dst = appendSD(dst, m, b)
	if len(msg) > 0 {
		dst = append(dst, ' ')
		dst = append(dst, msg...)
	}
	return dst
}

// appendTimestamp writes t in UTC with microseconds (RFC 5424 allows at
// most 6 fractional digits), or the NILVALUE "-" for a zero time or a year
// RFC 3339 cannot hold.
func appendTimestamp(dst []byte, t time.Time) []byte {
	if t.IsZero() || t.Year() < 0 || t.Year() > 9999 {
		return append(dst, '-')
	}
	return t.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000000Z07:00")
}

// appendSD writes the structured data: the message id and sequence, the
// sensor, and for alerts the rule and severity.
func appendSD(dst []byte, m *sink.Message, b *body) []byte {
	dst = append(dst, '[')
	dst = append(dst, sdID...)
	dst = appendParam(dst, "id", m.ID)
	dst = appendParam(dst, "seq", strconv.FormatUint(m.Seq, 10))
	dst = appendParam(dst, "sensor", b.SensorID)
	if a := b.Alert; a != nil && m.Type == sink.TypeAlert {
		dst = appendParam(dst, "alert", a.ID)
		dst = appendParam(dst, "rule", a.Rule)
		dst = appendParam(dst, "severity", a.Severity)
	}
	return append(dst, ']')
}

// maxParam bounds a PARAM-VALUE, so that the header always leaves room
// for a MSG in a datagram of MaxDatagram bytes.
const maxParam = 128

// appendParam writes ` name="value"`, escaping '"', '\' and ']' (RFC 5424
// section 6.3.3); an empty value is left out, a long one cut to maxParam
// bytes.
func appendParam(dst []byte, name, value string) []byte {
	if value == "" {
		return dst
	}
	value = strings.ToValidUTF8(cutString(value, maxParam), "\uFFFD")
	dst = append(dst, ' ')
	dst = append(dst, name...)
	dst = append(dst, '=', '"')
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c == '"' || c == '\\' || c == ']' {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

// headerField makes s a header field: printable US-ASCII without space
// (others become '_'), at most max bytes, "-" when empty.
func headerField(s string, max int) string {
	if s == "" {
		return "-"
	}
	if len(s) > max {
		s = s[:max]
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if s[i] < 33 || s[i] > 126 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c < 33 || c > 126 {
			b[i] = '_'
		}
	}
	return string(b)
}

// appendFrame appends msg with RFC 6587 / RFC 5425 octet-counting
// framing: MSG-LEN SP SYSLOG-MSG.
func appendFrame(dst, msg []byte) []byte {
	dst = strconv.AppendInt(dst, int64(len(msg)), 10)
	dst = append(dst, ' ')
	return append(dst, msg...)
}

// truncateMsg cuts msg so that it is at most max bytes with truncMarker
// appended, at a UTF-8 boundary and never inside a backslash escape. A msg
// that fits is returned as it is.
func truncateMsg(msg []byte, max int) []byte {
	if len(msg) <= max {
		return msg
	}
	cut := max - len(truncMarker)
	if cut <= 0 {
		return msg[:0]
	}
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	n := 0
	for i := cut - 1; i >= 0 && msg[i] == '\\'; i-- {
		n++
	}
	if n%2 == 1 {
		cut--
	}
	out := append(msg[:cut:cut], truncMarker...)
	return out
}
