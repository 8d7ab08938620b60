package syslog

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/otsensor/otsensor/alerts/sink"
)

// CEF signature ids of the messages that are not alerts (an alert's is
// its rule).
const (
	sigDevice    = "otsensor.device"
	sigHeartbeat = "otsensor.heartbeat"
)

// maxCEFMsg is the length of CEF's msg field.
const maxCEFMsg = 1023

// appendCEF appends the ArcSight CEF version 0 line for m:
//
//	CEF:0|otsensor|otsensor|<version>|<signature id>|<name>|<severity>|<extension>
//
// An alert's signature id is its rule and its name its title; devices and
// heartbeats have their own signature ids. A body that cannot be read
// still gives an event, named after the message type.
func appendCEF(dst []byte, version string, m *sink.Message, b *body, ok bool) []byte {
	var sig, name string
	sev := 5
	switch {
	case ok && m.Type == sink.TypeAlert && b.Alert != nil:
		sig, name, sev = b.Alert.Rule, b.Alert.Title, cefSeverity(b.Alert.Severity)
		if sig == "" {
			sig = sink.TypeAlert
		}
	case ok && m.Type == sink.TypeDevice && b.Device != nil:
		sig, name, sev = sigDevice, "Device inventory update", 1
	case ok && m.Type == sink.TypeHeartbeat && b.Heartbeat != nil:
		sig, name, sev = sigHeartbeat, "Sensor heartbeat", 0
	default:
		sig, name = m.Type, "otsensor "+m.Type
		if m.Type == "" {
			sig, name = "message", "otsensor message"
		}
	}
	// CEF's lengths: Signature ID 1023, Name 512.
	sig, name = cutString(sig, 1023), cutString(name, 512)
	dst = append(dst, "CEF:0|otsensor|otsensor|"...)
	dst = appendCEFHeader(dst, version)
	dst = append(dst, '|')
	dst = appendCEFHeader(dst, sig)
	dst = append(dst, '|')
	dst = appendCEFHeader(dst, name)
	dst = append(dst, '|')
	dst = strconv.AppendInt(dst, int64(sev), 10)
	dst = append(dst, '|')
	e := extWriter{dst: dst}
	switch {
	case ok && m.Type == sink.TypeAlert && b.Alert != nil:
		e.alert(b.Alert, m)
	case ok && m.Type == sink.TypeDevice && b.Device != nil:
		e.device(b.Device, m)
	case ok && m.Type == sink.TypeHeartbeat && b.Heartbeat != nil:
		e.heartbeat(b.Heartbeat, m)
	default:
		e.time("rt", m.Time)
		e.str("externalId", m.ID)
		if !ok {
			e.str("msg", "unreadable message body")
		}
	}
	if ok {
		e.str("deviceExternalId", b.SensorID)
	}
	return e.dst
}

// appendCEFHeader writes a header field: '\' and '|' escaped with a
// backslash; CR and LF, which a header may not hold, and other control
// characters become spaces.
func appendCEFHeader(dst []byte, s string) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '|':
			dst = append(dst, '\\', c)
		case c < 0x20 || c == 0x7f:
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// appendCEFValue writes an extension value: '\' and '=' escaped with a
// backslash, LF as `\n`, CR as `\r`, other control characters as spaces.
// '|' needs no escape there.
func appendCEFValue(dst []byte, s string) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' || c == '=':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c < 0x20 || c == 0x7f:
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// extWriter appends key=value pairs separated by spaces, leaving out
// empty values.
type extWriter struct {
	dst []byte
	n   int
}

func (e *extWriter) str(key, value string) {
	if value == "" {
		return
	}
	if e.n > 0 {
		e.dst = append(e.dst, ' ')
	}
	e.n++
	e.dst = append(e.dst, key...)
	e.dst = append(e.dst, '=')
	e.dst = appendCEFValue(e.dst, value)
}

func (e *extWriter) uint(key string, v uint64) { e.str(key, strconv.FormatUint(v, 10)) }

// time writes t as milliseconds since the epoch; a zero t is left out.
func (e *extWriter) time(key string, t time.Time) {
	if !t.IsZero() {
		e.str(key, strconv.FormatInt(t.UnixMilli(), 10))
	}
}

// ip writes an IPv4 address under v4key (src, dst) and an IPv6 one in the
// custom IPv6 field c6aN with its label, as CEF's dictionary says.
func (e *extWriter) ip(v4key, v6key, v6label, s string) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return
	}
	a = a.Unmap()
	if a.Is4() {
		e.str(v4key, a.String())
		return
	}
	e.str(v6key+"Label", v6label)
	e.str(v6key, a.WithZone("").String())
}

func (e *extWriter) port(key string, p uint16) {
	if p != 0 {
		e.uint(key, uint64(p))
	}
}

func (e *extWriter) alert(a *alertBody, m *sink.Message) {
	if a.Last.IsZero() {
		e.time("rt", m.Time)
	} else {
		e.time("rt", a.Last)
	}
	e.time("start", a.First)
	if a.Count > 0 {
		e.uint("cnt", a.Count)
	}
	e.ip("src", "c6a2", "Source IPv6 Address", a.Source.IP)
	e.port("spt", a.Source.Port)
	e.str("smac", a.Source.MAC)
	e.ip("dst", "c6a3", "Destination IPv6 Address", a.Destination.IP)
	e.port("dpt", a.Destination.Port)
	e.str("dmac", a.Destination.MAC)
	e.str("app", a.AppProto)
	e.str("cat", a.Category)
	e.str("externalId", a.ID)
	if a.Engine != "" {
		e.str("cs1Label", "Engine")
		e.str("cs1", a.Engine)
	}
	if a.MITRE != nil && a.MITRE.ID != "" {
		e.str("cs2Label", "MITRE ATT&CK Technique")
		e.str("cs2", a.MITRE.ID)
	}
	e.str("msg", evidenceMsg(a.Evidence))
}

// evidenceMsg is the evidence as compact JSON, cut to CEF's msg length.
func evidenceMsg(ev json.RawMessage) string {
	if len(ev) == 0 || string(ev) == "null" {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, ev); err != nil {
		return ""
	}
	return cutString(buf.String(), maxCEFMsg)
}

// cutString cuts s to at most max bytes at a UTF-8 boundary.
func cutString(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

func (e *extWriter) device(d *deviceBody, m *sink.Message) {
	if d.LastSeen.IsZero() {
		e.time("rt", m.Time)
	} else {
		e.time("rt", d.LastSeen)
	}
	e.str("externalId", d.ID)
	for _, ip := range d.IPs {
		if a, err := netip.ParseAddr(ip); err == nil && a.Unmap().Is4() {
			e.ip("src", "", "", ip)
			break
		}
	}
	switch {
	case len(d.MACs) > 0:
		e.str("smac", d.MACs[0])
	case d.MAC != "":
		e.str("smac", d.MAC)
	}
	if d.Vendor != "" {
		e.str("cs3Label", "Vendor")
		e.str("cs3", d.Vendor)
	}
	if len(d.Roles) > 0 {
		e.str("cs4Label", "Roles")
		e.str("cs4", strings.Join(d.Roles, ","))
	}
	if len(d.Protocols) > 0 {
		e.str("cs5Label", "Protocols")
		e.str("cs5", strings.Join(d.Protocols, ","))
	}
	if len(d.IPs) > 0 {
		e.str("msg", cutString("ips "+strings.Join(d.IPs, ","), maxCEFMsg))
	}
}

func (e *extWriter) heartbeat(h *heartbeatBody, m *sink.Message) {
	e.time("rt", m.Time)
	e.str("externalId", m.ID)
	e.str("cn1Label", "Uptime Seconds")
	e.uint("cn1", uint64(max(h.Uptime, 0)))
	e.str("cn2Label", "Packets")
	e.uint("cn2", h.Packets)
	e.str("cn3Label", "Packet Drops")
	e.uint("cn3", h.Drops)
	e.str("msg", "devices "+strconv.FormatUint(h.Devices, 10)+
		", outbox depth "+strconv.FormatUint(h.Outbox.Depth, 10)+
		", outbox dropped "+strconv.FormatUint(h.Outbox.Dropped, 10))
}
