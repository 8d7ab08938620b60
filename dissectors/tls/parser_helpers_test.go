package tls

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// unhex decodes test input written in hex (see dissectortest.Hex).
var unhex = dissectortest.Hex

var rlT0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// rlRecord returns a record header (type, version, length) and content.
func rlRecord(typ byte, ver uint16, content []byte) []byte {
	return append([]byte{typ, byte(ver >> 8), byte(ver), byte(len(content) >> 8), byte(len(content))}, content...)
}

// rlMsg returns a handshake message: type, 24-bit length, body.
func rlMsg(typ byte, body []byte) []byte {
	n := len(body)
	return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

func rlCat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// rlLog renders events: records as a summary of what the record layer
// decides (hello flags, SNI, version, certificate counts, alert), anomalies
// by name; each prefixed by the event's direction ("c" to the server, "s"
// to the client).
type rlLog struct {
	t      testing.TB
	events []string
}

func (l *rlLog) Emit(ev *dissectors.Event) {
	if (ev.Record == nil) == (ev.Anomaly == nil) {
		l.t.Fatalf("event with record %v and anomaly %v", ev.Record, ev.Anomaly)
	}
	d := "c "
	if ev.Dir == dissectors.ToClient {
		d = "s "
	}
	if ev.Anomaly != nil {
		l.events = append(l.events, d+"!"+ev.Anomaly.Name)
		return
	}
	l.events = append(l.events, d+rlSummary(ev.Record.(*Record)))
}

func rlSummary(r *Record) string {
	if r.Alert != nil {
		return fmt.Sprintf("alert %d/%d", r.Alert.Level, r.Alert.Description)
	}
	var b strings.Builder
	b.WriteString("hs")
	if r.SSLv2ClientHello {
		b.WriteString(" v2")
	}
	if r.HasClientHello {
		b.WriteString(" ch")
	}
	if r.HasServerHello {
		b.WriteString(" sh")
	}
	if r.HelloRetryRequest {
		b.WriteString(" hrr")
	}
	if r.SNI != "" {
		b.WriteString(" sni=" + r.SNI)
	}
	if r.Version != 0 {
		fmt.Fprintf(&b, " v=%04x", r.Version)
	}
	if r.ALPN != "" {
		b.WriteString(" alpn=" + r.ALPN)
	}
	fmt.Fprintf(&b, " certs=%d/%d", len(r.Certificates), len(r.ClientCertificates))
	return b.String()
}

// rlChunk is bytes that flowed in one direction, or a gap.
type rlChunk struct {
	dir  dissectors.Direction
	data []byte
	gap  bool
}

// rlFeeder feeds a parser the way the flow layer does: unconsumed bytes
// come back with the next chunk of their direction.
type rlFeeder struct {
	t    testing.TB
	p    *Parser
	left [2][]byte
	log  rlLog
}

func newRLFeeder(t testing.TB, opts Options, handshake bool) *rlFeeder {
	f := &rlFeeder{t: t, p: newParser(opts, handshake)}
	f.log.t = t
	return f
}

func (f *rlFeeder) feed(c rlChunk) {
	f.t.Helper()
	if c.gap {
		f.left[c.dir] = nil
		f.p.Gap(c.dir)
		return
	}
	in := append(append([]byte(nil), f.left[c.dir]...), c.data...)
	n, err := f.p.Parse(c.dir, in, rlT0, &f.log)
	if err != nil || n < 0 || n > len(in) {
		f.t.Fatalf("Parse(%d bytes) = %d, %v", len(in), n, err)
	}
	f.left[c.dir] = in[n:]
}

func (f *rlFeeder) close() []string {
	f.p.Close(rlT0, &f.log)
	return f.log.events
}

// rlRun feeds chunks to a new parser and closes it.
func rlRun(t testing.TB, opts Options, handshake bool, chunks []rlChunk) []string {
	f := newRLFeeder(t, opts, handshake)
	for _, c := range chunks {
		f.feed(c)
	}
	return f.close()
}
