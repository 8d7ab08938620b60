// Package eve writes events as JSON lines with Suricata EVE's top-level
// names, so that pipelines built for EVE ingest them unchanged.
//
// Schema version 1 (see README "Event output"):
//
//	timestamp   RFC 3339 packet time, UTC, microseconds
//	flow_id     the flow's stable id (< 2^53)
//	event_type  the record's protocol ("modbus"), "anomaly", or "alert"
//	            (an alert line, see Alert: written once per new alert)
//	src_ip, src_port, dest_ip, dest_port   the flow's client and server
//	proto       "TCP", "UDP", ...
//	app_proto   the flow's dissector, when one is attached
//	vlan        802.1Q ids, outer first, when tagged
//	direction   "to_server" or "to_client": which way the PDU went
//	<event_type> the record, e.g. "modbus": {...}, or
//	anomaly     {"app_proto", "event", "type", "detail"}
package eve

import (
	"bufio"
	"encoding/json"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
)

// SchemaVersion is the version of the event format written here.
const SchemaVersion = 1

// timeLayout is RFC 3339 with microseconds (Suricata's precision; it
// writes the offset as +0000, RFC 3339 wants Z).
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// Writer writes one JSON object per event. It is not safe for concurrent
// use. The first write error is kept and returned by Flush; later events
// are dropped. An event whose record cannot be encoded is skipped and
// counted in Skipped.
type Writer struct {
	Skipped uint64

	w   *bufio.Writer
	buf []byte
	err error
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 1024)}
}

// Write writes ev as one line.
func (e *Writer) Write(ev *dissectors.Event) {
	if e.err != nil {
		return
	}
	e.writeLine(Append(e.buf[:0], ev))
}

// writeLine writes one encoded object b as a line, or counts it as skipped
// when it could not be encoded; b becomes the reused buffer.
func (e *Writer) writeLine(b []byte, err error) {
	e.buf = b
	if err != nil {
		e.Skipped++
		return
	}
	b = append(b, '\n')
	_, e.err = e.w.Write(b)
}

// Flush writes out buffered lines and returns the first error met.
func (e *Writer) Flush() error {
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

// Append appends ev's JSON object to b.
func Append(b []byte, ev *dissectors.Event) ([]byte, error) {
	f := ev.Flow
	b = append(b, `{"timestamp":"`...)
	b = ev.Time.UTC().AppendFormat(b, timeLayout)
	b = append(b, '"')
	eventType := "anomaly"
	if ev.Record != nil {
		eventType = ev.Record.AppProto()
	}
	if f != nil {
		b = append(b, `,"flow_id":`...)
		b = strconv.AppendUint(b, f.ID, 10)
	}
	b = append(b, `,"event_type":`...)
	b = appendString(b, eventType)
	if f != nil {
		b = appendEndpoint(b, "src", f.Client)
		b = appendEndpoint(b, "dest", f.Server)
		b = append(b, `,"proto":`...)
		b = appendString(b, f.Transport.String())
		if f.AppProto != "" {
			b = append(b, `,"app_proto":`...)
			b = appendString(b, f.AppProto)
		}
		if vl := f.VLANs(); len(vl) > 0 {
			b = append(b, `,"vlan":[`...)
			for i, v := range vl {
				if i > 0 {
					b = append(b, ',')
				}
				b = strconv.AppendUint(b, uint64(v), 10)
			}
			b = append(b, ']')
		}
	}
	b = append(b, `,"direction":`...)
	b = appendString(b, ev.Dir.String())
	b = append(b, ',')
	b = appendString(b, eventType)
	b = append(b, ':')
	var obj []byte
	var err error
	if ev.Record != nil {
		obj, err = json.Marshal(ev.Record)
	} else {
		obj, err = json.Marshal(anomalyJSON(ev.Anomaly))
	}
	if err != nil {
		return b, err
	}
	b = append(b, obj...)
	return append(b, '}'), nil
}

// appendString appends s as a JSON string.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

func appendEndpoint(b []byte, side string, ap netip.AddrPort) []byte {
	b = append(b, `,"`...)
	b = append(b, side...)
	b = append(b, `_ip":"`...)
	b = ap.Addr().AppendTo(b)
	b = append(b, `","`...)
	b = append(b, side...)
	b = append(b, `_port":`...)
	return strconv.AppendUint(b, uint64(ap.Port()), 10)
}

// anomalyObject is the JSON form of an anomaly, after Suricata's.
type anomalyObject struct {
	AppProto string `json:"app_proto"`
	Event    string `json:"event"`
	Type     string `json:"type"`
	Detail   string `json:"detail,omitempty"`
}

func anomalyJSON(a *dissectors.Anomaly) anomalyObject {
	if a == nil {
		return anomalyObject{}
	}
	typ := "applayer"
	if layer, _, ok := strings.Cut(a.Name, "."); ok && (layer == "stream" || layer == "app") {
		typ = layer
	}
	return anomalyObject{AppProto: a.AppProto, Event: a.Name, Type: typ, Detail: a.Detail}
}

// Event implements flow.Observer: it writes ev.
func (e *Writer) Event(ev *dissectors.Event) { e.Write(ev) }

// Flow implements flow.Observer; flows are not written.
func (e *Writer) Flow(*flow.Update) {}

// Neighbor implements flow.Observer; neighbors are not written.
func (e *Writer) Neighbor(*flow.Neighbor) {}
