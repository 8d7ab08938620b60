package syslog

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/sink"
)

// FuzzFormat formats arbitrary bodies (what the sink parses: the message
// body JSON) and message fields in both formats, whole and cut to a
// datagram: every line must be a valid RFC 5424 message carrying the
// message id, and every CEF line must parse, with the alert's title as its
// name.
func FuzzFormat(f *testing.F) {
	tm := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	a := trickyAlert()
	f.Add(envelope(f, "m-1", "alert", tm, a), "m-1", "alert")
	a.Source.IP = netip.MustParseAddr("2001:db8::1")
	a.Title = "new\nline\r\x00|=\\ é \xff"
	a.Evidence = json.RawMessage(`{"a":"\u0000\n=|\\","b":[1,2,{"c":null}]}`)
	a.MITRE = nil
	f.Add(envelope(f, `a"b]c\d`, "alert", tm, a), `a"b]c\d`, "alert")
	f.Add(envelope(f, "m-3", "alert", tm, alerts.Alert{}), "m-3", "alert")
	f.Add(envelope(f, "d-1", "device", tm, map[string]any{"id": "d|1", "ips": []string{"::1", "10.0.0.1", "bad"},
		"macs": []string{"00:11:22:33:44:55"}, "vendor": "V=\\", "roles": []string{"plc"}, "protocols": []string{"modbus"}}), "d-1", "device")
	f.Add(envelope(f, "h-1", "heartbeat", tm, map[string]any{"uptime_s": -5, "packets": 1, "outbox": map[string]any{"depth": 2}}), "h-1", "heartbeat")
	f.Add([]byte(`{"type":"alert","alert":{"title":"`+strings.Repeat(`\\=`, 1500)+`"}}`), "big", "alert")
	f.Add([]byte("not json"), "x", "")
	f.Add([]byte(`{"alert":null,"device":{},"heartbeat":{"uptime_s":1e300}}`), "y", "heartbeat")
	f.Fuzz(func(t *testing.T, body []byte, id, typ string) {
		m := sink.Message{Seq: 1, ID: id, Type: typ, Time: tm, Body: body}
		for _, format := range []string{FormatRFC5424, FormatCEF} {
			s := testSink(format)
			line := s.appendMessage(nil, &m)
			lines := [][]byte{line}
			if len(line) > MaxDatagram {
				cut := s.truncate(append([]byte(nil), line...))
				if len(cut) > MaxDatagram {
					t.Fatalf("cut to %d bytes", len(cut))
				}
				lines = append(lines, cut)
			}
			headerLen, firstKey := 0, 0
			for n, l := range lines {
				p, err := parse5424(string(l))
				if err != nil {
					t.Fatalf("%s: %v in %q", format, err, l)
				}
				if id != "" && p.SD[sdID]["id"] != strings.ToValidUTF8(cutString(id, maxParam), "\uFFFD") {
					t.Fatalf("id %q, want %q", p.SD[sdID]["id"], id)
				}
				if format != FormatCEF {
					continue
				}
				msg := p.Msg
				if n == 0 {
					headerLen = cefHeaderLen(msg)
					firstKey = len(msg)
					if headerLen < len(msg) {
						firstKey = strings.IndexByte(msg[headerLen:], '=') // keys hold no escapes
					}
				}
				if n == 1 {
					if !strings.HasSuffix(msg, truncMarker) && msg != "" {
						t.Fatalf("cut line without marker: %q", msg)
					}
					msg = strings.TrimSuffix(msg, truncMarker)
					if len(msg) <= headerLen+firstKey { // cut before the first key=
						continue
					}
				}
				e, err := parseCEF(msg)
				if err != nil {
					t.Fatalf("%v in %q", err, msg)
				}
				b, ok := parseBody(body)
				if n == 0 && ok && typ == sink.TypeAlert && b.Alert != nil && e.Header[5] != headerText(cutString(b.Alert.Title, 512)) {
					t.Fatalf("name %q, want %q", e.Header[5], b.Alert.Title)
				}
			}
		}
	})
}

// headerText is what a CEF header field reads back as: control characters
// become spaces.
func headerText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// cefHeaderLen is the length of a CEF line up to its seventh unescaped
// '|', the end of the header.
func cefHeaderLen(line string) int {
	pipes := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			if pipes++; pipes == 7 {
				return i + 1
			}
		}
	}
	return len(line) + 1
}
