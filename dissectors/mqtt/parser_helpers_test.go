package mqtt

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

var sessT0 = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// pstep is one Parse call (or a gap) of a table test.
type pstep struct {
	dir dissectors.Direction
	hex string
	gap bool
}

func cl(h string) pstep                  { return pstep{dir: dissectors.ToServer, hex: h} } // client → broker
func br(h string) pstep                  { return pstep{dir: dissectors.ToClient, hex: h} } // broker → client
func gapIn(d dissectors.Direction) pstep { return pstep{dir: d, gap: true} }                // bytes lost in d

var typeNames = [...]string{"RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
	"PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"}

// summary renders the fields the framing and session layer own or carry:
// type, packet id, topic, filters, version, client id, and for PUBLISH the
// payload length.
func summary(r *Record) string {
	var b strings.Builder
	b.WriteString(typeNames[r.Type&15])
	if r.HasPacketID {
		fmt.Fprintf(&b, " id=%d", r.PacketID)
	}
	if r.Topic != "" {
		fmt.Fprintf(&b, " topic=%s", r.Topic)
	}
	if len(r.Topics) > 0 {
		fs := make([]string, len(r.Topics))
		for i, tf := range r.Topics {
			fs[i] = tf.Filter
		}
		fmt.Fprintf(&b, " topics=%s", strings.Join(fs, ","))
	}
	if r.Type == Publish {
		fmt.Fprintf(&b, " plen=%d", r.PayloadLength)
	}
	if r.ProtocolVersion != 0 {
		fmt.Fprintf(&b, " v=%d", r.ProtocolVersion)
	}
	if r.ClientID != "" {
		fmt.Fprintf(&b, " cid=%s", r.ClientID)
	}
	return b.String()
}

// eventLog records events as summaries ("!" + name for anomalies), with
// ">" or "<" for the direction.
type eventLog struct {
	t      testing.TB
	events []string
}

func (l *eventLog) Emit(ev *dissectors.Event) {
	if (ev.Record == nil) == (ev.Anomaly == nil) {
		l.t.Fatalf("event with record %v and anomaly %v", ev.Record, ev.Anomaly)
	}
	arrow := ">"
	if ev.Dir == dissectors.ToClient {
		arrow = "<"
	}
	if ev.Anomaly != nil {
		if ev.Anomaly.AppProto != "mqtt" {
			l.t.Fatalf("anomaly %q with app proto %q", ev.Anomaly.Name, ev.Anomaly.AppProto)
		}
		l.events = append(l.events, arrow+"!"+ev.Anomaly.Name)
		return
	}
	l.events = append(l.events, arrow+summary(ev.Record.(*Record)))
}

// runSteps feeds the steps to a new parser the way the flow layer does
// (what a call leaves unconsumed comes back before the next bytes of its
// direction) and returns the events and what is left unconsumed.
func runSteps(t testing.TB, opts Options, steps []pstep) ([]string, [2][]byte) {
	t.Helper()
	p := New(opts).NewParser(&dissectors.Flow{Transport: dissectors.TCP})
	l := &eventLog{t: t}
	var left [2][]byte
	for _, s := range steps {
		if s.gap {
			p.Gap(s.dir)
			left[s.dir] = nil
			continue
		}
		in := append(left[s.dir], unhex(t, s.hex)...)
		n, err := p.Parse(s.dir, in, sessT0, l)
		if err != nil || n < 0 || n > len(in) {
			t.Fatalf("Parse(%d bytes) = %d, %v", len(in), n, err)
		}
		left[s.dir] = append([]byte(nil), in[n:]...)
	}
	p.Close(sessT0, l)
	return l.events, left
}

// feedBytes parses one direction's bytes in pieces cut at the given
// offsets and returns the events.
func feedBytes(t testing.TB, p dissectors.Parser, dir dissectors.Direction, data []byte, cuts ...int) []string {
	t.Helper()
	l := &eventLog{t: t}
	var left []byte
	prev := 0
	for _, c := range append(cuts, len(data)) {
		in := append(left, data[prev:c]...)
		prev = c
		n, err := p.Parse(dir, in, sessT0, l)
		if err != nil || n < 0 || n > len(in) {
			t.Fatalf("Parse(%d bytes) = %d, %v", len(in), n, err)
		}
		left = append([]byte(nil), in[n:]...)
	}
	return l.events
}
