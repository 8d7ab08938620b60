package alerts

import (
	"encoding/json"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/otsensor/otsensor/dissectors"
)

// alertKey is the cause of an alert: what makes two firings of a
// detection the same alert. It is comparable, so that finding a known
// alert hashes a struct and builds no string; String, which the id is
// made of, runs only for new alerts. Each detection fills the same fields
// every time; unused ones stay zero.
type alertKey struct {
	rule rule
	src  netip.AddrPort // the client, master or scanner side; port 0 when not part of the cause
	dst  netip.AddrPort // the server, outstation or target side
	flow uint64         // the flow, for per-flow causes
	n    uint32         // a code: function code, version, suite, link address
	s    string         // a name: anomaly name, certificate fingerprint
}

// String is the key's stable text, the input of makeID with the rule.
func (k alertKey) String() string {
	var b strings.Builder
	sep := func() {
		if b.Len() > 0 {
			b.WriteByte('|')
		}
	}
	addr := func(name string, ap netip.AddrPort) {
		if !ap.Addr().IsValid() {
			return
		}
		sep()
		b.WriteString(name)
		b.WriteByte('=')
		if ap.Port() == 0 {
			b.WriteString(ap.Addr().String())
		} else {
			b.WriteString(ap.String())
		}
	}
	addr("src", k.src)
	addr("dst", k.dst)
	if k.flow != 0 {
		sep()
		b.WriteString("flow=")
		b.WriteString(strconv.FormatUint(k.flow, 16))
	}
	if k.n != 0 {
		sep()
		b.WriteString("n=")
		b.WriteString(strconv.FormatUint(uint64(k.n), 10))
	}
	if k.s != "" {
		sep()
		b.WriteString("s=")
		b.WriteString(k.s)
	}
	return b.String()
}

// linkKey is a client and a server: the unit of per-link detection state.
type linkKey struct {
	client netip.Addr
	server netip.AddrPort
}

// hostOf returns ap's address, unmapped, with port 0: a client's side of a
// cause (client ports change with every connection).
func hostOf(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), 0)
}

// serviceOf returns ap with its address unmapped: a server's side.
func serviceOf(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// link returns f's client host and server service.
func link(f *dissectors.Flow) linkKey {
	return linkKey{client: f.Client.Addr().Unmap(), server: serviceOf(f.Server)}
}

// macString formats a MAC, "" for the zero MAC (no link layer).
func macString(m [6]byte) string {
	if m == ([6]byte{}) {
		return ""
	}
	return net.HardwareAddr(m[:]).String()
}

// evidence is v's JSON, the alert's evidence. v is usually the borrowed
// record of the event that raised the alert, marshalled before the event
// returns. A value that does not marshal gives its error as evidence.
func evidence(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return b
}

// recordEvidence is the evidence of a record event: the record under its
// protocol's key, as the events output writes it ({"modbus": {...}}), and
// the direction.
func recordEvidence(ev *dissectors.Event) json.RawMessage {
	return evidence(map[string]any{
		"direction":          ev.Dir.String(),
		ev.Record.AppProto(): ev.Record,
	})
}
