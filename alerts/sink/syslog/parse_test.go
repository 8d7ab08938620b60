package syslog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds a strict RFC 5424 parser and a CEF parser, written from
// the specifications for the tests: what the sink sends must parse back.

// syslogMsg is a parsed RFC 5424 SYSLOG-MSG.
type syslogMsg struct {
	Facility, Severity int
	Timestamp          string
	Hostname, AppName  string
	ProcID, MsgID      string
	SD                 map[string]map[string]string // SD-ID -> PARAM-NAME -> value
	Msg                string
	HasMsg             bool
}

// parse5424 parses one SYSLOG-MSG (RFC 5424 section 6).
func parse5424(s string) (syslogMsg, error) {
	var m syslogMsg
	if !strings.HasPrefix(s, "<") {
		return m, fmt.Errorf("no PRI")
	}
	end := strings.IndexByte(s, '>')
	if end < 2 || end > 4 {
		return m, fmt.Errorf("bad PRI")
	}
	pri, err := strconv.Atoi(s[1:end])
	if err != nil || pri > 191 || (len(s[1:end]) > 1 && s[1] == '0') {
		return m, fmt.Errorf("bad PRIVAL %q", s[1:end])
	}
	m.Facility, m.Severity = pri/8, pri%8
	s = s[end+1:]
	fields := make([]string, 0, 6)
	for range 6 {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			return m, fmt.Errorf("header cut after %d fields", len(fields))
		}
		fields = append(fields, s[:i])
		s = s[i+1:]
	}
	if fields[0] != "1" {
		return m, fmt.Errorf("VERSION %q", fields[0])
	}
	m.Timestamp = fields[1]
	if m.Timestamp != "-" {
		if _, err := time.Parse(time.RFC3339Nano, m.Timestamp); err != nil {
			return m, fmt.Errorf("TIMESTAMP: %v", err)
		}
		if i := strings.IndexByte(m.Timestamp, '.'); i >= 0 {
			frac := m.Timestamp[i+1:]
			digits := len(frac) - len(strings.TrimLeft(frac, "0123456789"))
			if digits < 1 || digits > 6 {
				return m, fmt.Errorf("TIME-SECFRAC in %q: %d digits", m.Timestamp, digits)
			}
		}
	}
	limits := []int{0, 0, 255, 48, 128, 32}
	for i := 2; i < 6; i++ {
		f := fields[i]
		if f == "" || len(f) > limits[i] {
			return m, fmt.Errorf("header field %d %q: length", i, f)
		}
		for j := 0; j < len(f); j++ {
			if f[j] < 33 || f[j] > 126 {
				return m, fmt.Errorf("header field %d %q: not PRINTUSASCII", i, f)
			}
		}
	}
	m.Hostname, m.AppName, m.ProcID, m.MsgID = fields[2], fields[3], fields[4], fields[5]
	m.SD = map[string]map[string]string{}
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	} else {
		if !strings.HasPrefix(s, "[") {
			return m, fmt.Errorf("no STRUCTURED-DATA")
		}
		for strings.HasPrefix(s, "[") {
			rest, err := parseElement(s[1:], m.SD)
			if err != nil {
				return m, err
			}
			s = rest
		}
	}
	switch {
	case s == "":
	case s[0] == ' ':
		m.Msg, m.HasMsg = s[1:], true
	default:
		return m, fmt.Errorf("junk after STRUCTURED-DATA: %q", s)
	}
	return m, nil
}

// sdName reads an SD-NAME (1*32 PRINTUSASCII except '=', SP, ']', '"').
func sdName(s string) (string, string, error) {
	i := 0
	for i < len(s) && s[i] > 32 && s[i] < 127 && s[i] != '=' && s[i] != ']' && s[i] != '"' {
		i++
	}
	if i == 0 || i > 32 {
		return "", "", fmt.Errorf("SD-NAME %q", s[:i])
	}
	return s[:i], s[i:], nil
}

func parseElement(s string, sd map[string]map[string]string) (string, error) {
	id, s, err := sdName(s)
	if err != nil {
		return "", err
	}
	if _, dup := sd[id]; dup {
		return "", fmt.Errorf("SD-ID %s twice", id)
	}
	params := map[string]string{}
	sd[id] = params
	for {
		if strings.HasPrefix(s, "]") {
			return s[1:], nil
		}
		if !strings.HasPrefix(s, " ") {
			return "", fmt.Errorf("SD-ELEMENT %s: want SP or ]", id)
		}
		name, rest, err := sdName(s[1:])
		if err != nil {
			return "", err
		}
		if !strings.HasPrefix(rest, `="`) {
			return "", fmt.Errorf("SD-PARAM %s: want =\"", name)
		}
		rest = rest[2:]
		var v strings.Builder
		i := 0
		for ; i < len(rest) && rest[i] != '"'; i++ {
			c := rest[i]
			if c == ']' {
				return "", fmt.Errorf("SD-PARAM %s: unescaped ]", name)
			}
			if c == '\\' && i+1 < len(rest) && strings.IndexByte(`"\]`, rest[i+1]) >= 0 {
				i++
				c = rest[i]
			}
			v.WriteByte(c)
		}
		if i == len(rest) {
			return "", fmt.Errorf("SD-PARAM %s: no closing quote", name)
		}
		if !utf8.ValidString(v.String()) {
			return "", fmt.Errorf("SD-PARAM %s: not UTF-8", name)
		}
		params[name] = v.String()
		s = rest[i+1:]
	}
}

// cefEvent is a parsed CEF line.
type cefEvent struct {
	Header [7]string // Version (after "CEF:"), Vendor, Product, DeviceVersion, SignatureID, Name, Severity
	Ext    map[string]string
	Keys   []string // in order
}

// parseCEF parses "CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension":
// header fields escape '|' and '\' with a backslash; extension values
// escape '=' and '\', and write newlines as \n or \r.
func parseCEF(line string) (cefEvent, error) {
	var e cefEvent
	if !strings.HasPrefix(line, "CEF:") {
		return e, fmt.Errorf("no CEF: prefix")
	}
	s := line[4:]
	for f := 0; f < 7; f++ {
		var b strings.Builder
		i := 0
		for ; i < len(s) && s[i] != '|'; i++ {
			if s[i] == '\\' {
				if i+1 >= len(s) || (s[i+1] != '\\' && s[i+1] != '|') {
					return e, fmt.Errorf("header field %d: lone backslash", f)
				}
				i++
			}
			if s[i] == '\n' || s[i] == '\r' {
				return e, fmt.Errorf("header field %d: newline", f)
			}
			b.WriteByte(s[i])
		}
		if i == len(s) {
			return e, fmt.Errorf("header cut at field %d", f)
		}
		e.Header[f] = b.String()
		s = s[i+1:]
	}
	if strings.ContainsAny(s, "\r\n") {
		return e, fmt.Errorf("raw newline in the extension")
	}
	// Unescaped '=' positions separate keys from values: the key is the
	// word before each.
	var eqs []int
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '=' {
			eqs = append(eqs, i)
		}
	}
	e.Ext = map[string]string{}
	keyStart := 0
	for n, eq := range eqs {
		key := s[keyStart:eq]
		if key == "" || strings.ContainsAny(key, " \\") {
			return e, fmt.Errorf("bad key %q", key)
		}
		valEnd := len(s)
		next := len(s)
		if n+1 < len(eqs) {
			sp := strings.LastIndexByte(s[:eqs[n+1]], ' ')
			if sp <= eq {
				return e, fmt.Errorf("no space before the key after %s", key)
			}
			valEnd, next = sp, sp+1
		}
		v, err := unescapeCEFValue(s[eq+1 : valEnd])
		if err != nil {
			return e, fmt.Errorf("%s: %v", key, err)
		}
		if _, dup := e.Ext[key]; dup {
			return e, fmt.Errorf("key %s twice", key)
		}
		e.Ext[key] = v
		e.Keys = append(e.Keys, key)
		keyStart = next
	}
	if len(eqs) == 0 && s != "" {
		return e, fmt.Errorf("extension without key=value: %q", s)
	}
	return e, nil
}

func unescapeCEFValue(v string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(v) {
			return "", fmt.Errorf("trailing backslash")
		}
		i++
		switch v[i] {
		case '\\', '=':
			b.WriteByte(v[i])
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			return "", fmt.Errorf("unknown escape \\%c", v[i])
		}
	}
	return b.String(), nil
}
