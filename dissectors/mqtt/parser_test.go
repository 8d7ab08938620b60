package mqtt

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

// Packets of the table tests (MQTT 3.1.1 unless named otherwise), client
// id "P1", topic "a/b", payload "hi".
const (
	connect311 = "10 0E 0004 4D515454 04 02 003C 0002 5031"     // CONNECT "MQTT" level 4, clean session, keep alive 60, client id P1
	connect31  = "10 10 0006 4D5149736470 03 02 003C 0002 5031" // CONNECT "MQIsdp" level 3
	connect5   = "10 0F 0004 4D515454 05 02 003C 00 0002 5031"  // CONNECT "MQTT" level 5, no properties
	connack3   = "20 02 00 00"                                  // CONNACK, accepted
	connack5   = "20 03 00 00 00"                               // CONNACK 5.0, success, no properties
	pub0       = "30 07 0003 612F62 6869"                       // PUBLISH QoS 0 a/b "hi"
	pub0v5     = "30 08 0003 612F62 00 6869"                    // same, 5.0 (empty properties)
	pub1       = "32 09 0003 612F62 0001 6869"                  // PUBLISH QoS 1 id 1
	pub1v5     = "32 0A 0003 612F62 0001 00 6869"               // same, 5.0
	puback1    = "40 02 0001"                                   // PUBACK id 1
	pub2       = "34 09 0003 612F62 0002 6869"                  // PUBLISH QoS 2 id 2
	pub2v5     = "34 0A 0003 612F62 0002 00 6869"               // same, 5.0
	pubrec2    = "50 02 0002"                                   // PUBREC id 2
	pubrel2    = "62 02 0002"                                   // PUBREL id 2
	pubcomp2   = "70 02 0002"                                   // PUBCOMP id 2
	sub3       = "82 0C 0003 0003 612F23 01 0001 63 00"         // SUBSCRIBE id 3: a/# QoS 1, c QoS 0
	sub3v5     = "82 0D 0003 00 0003 612F23 01 0001 63 00"      // same, 5.0
	suback3    = "90 04 0003 01 00"                             // SUBACK id 3: granted 1, 0
	suback3v5  = "90 05 0003 00 01 00"                          // same, 5.0
	unsub4     = "A2 07 0004 0003 612F23"                       // UNSUBSCRIBE id 4: a/#
	unsub4v5   = "A2 08 0004 00 0003 612F23"                    // same, 5.0
	unsuback4  = "B0 02 0004"                                   // UNSUBACK id 4
	unsuback4v = "B0 04 0004 00 00"                             // UNSUBACK 5.0: no properties, success
	pingreq    = "C0 00"                                        // PINGREQ
	pingresp   = "D0 00"                                        // PINGRESP
	disconnect = "E0 00"                                        // DISCONNECT
	pubBig     = "32 0A 0003 626967 0007 6869 6A"               // PUBLISH QoS 1 id 7 topic big, payload "hij"
)

// session returns the events of a whole session at protocol level v with
// client id P1 (tail of every record: " v=<v> cid=P1").
func sessionSteps(connect, connack, p0, p1, p2, sub, suback, unsub, unsuback string) []pstep {
	return []pstep{
		cl(connect), br(connack),
		cl(p0),
		cl(p1), br(puback1),
		cl(p2), br(pubrec2), cl(pubrel2), br(pubcomp2),
		cl(sub), br(suback),
		cl(unsub), br(unsuback),
		cl(pingreq), br(pingresp),
		cl(disconnect),
	}
}

func sessionEvents(v string) []string {
	tail := " v=" + v + " cid=P1"
	ev := []string{
		">CONNECT", "<CONNACK",
		">PUBLISH topic=a/b plen=2",
		">PUBLISH id=1 topic=a/b plen=2", "<PUBACK id=1 topic=a/b",
		">PUBLISH id=2 topic=a/b plen=2", "<PUBREC id=2 topic=a/b", ">PUBREL id=2 topic=a/b", "<PUBCOMP id=2 topic=a/b",
		">SUBSCRIBE id=3 topics=a/#,c", "<SUBACK id=3 topics=a/#,c",
		">UNSUBSCRIBE id=4 topics=a/#", "<UNSUBACK id=4 topics=a/#",
		">PINGREQ", "<PINGRESP",
		">DISCONNECT",
	}
	for i := range ev {
		ev[i] += tail
	}
	return ev
}

type parseCase struct {
	name  string
	opts  Options
	steps []pstep
	want  []string
}

var parseCases = []parseCase{
	{name: "3.1.1 session", steps: sessionSteps(connect311, connack3, pub0, pub1, pub2, sub3, suback3, unsub4, unsuback4), want: sessionEvents("4")},
	{name: "3.1 session", steps: sessionSteps(connect31, connack3, pub0, pub1, pub2, sub3, suback3, unsub4, unsuback4), want: sessionEvents("3")},
	{name: "5.0 session", steps: sessionSteps(connect5, connack5, pub0v5, pub1v5, pub2v5, sub3v5, suback3v5, unsub4v5, unsuback4v), want: sessionEvents("5")},
	{
		name: "several packets per call, in both directions",
		steps: []pstep{
			cl(connect311 + pub1 + pub2 + pingreq),
			br(connack3 + puback1 + pubrec2 + pingresp),
			cl(pubrel2), br(pubcomp2),
		},
		want: []string{
			">CONNECT v=4 cid=P1", ">PUBLISH id=1 topic=a/b plen=2 v=4 cid=P1", ">PUBLISH id=2 topic=a/b plen=2 v=4 cid=P1", ">PINGREQ v=4 cid=P1",
			"<CONNACK v=4 cid=P1", "<PUBACK id=1 topic=a/b v=4 cid=P1", "<PUBREC id=2 topic=a/b v=4 cid=P1", "<PINGRESP v=4 cid=P1",
			">PUBREL id=2 topic=a/b v=4 cid=P1", "<PUBCOMP id=2 topic=a/b v=4 cid=P1",
		},
	},
	{
		// The broker publishes QoS 1 to the client, which acks it: requests
		// and acks are kept per direction.
		name:  "broker to client QoS 1",
		steps: []pstep{cl(connect311), br(connack3), br(pub1), cl(puback1)},
		want:  []string{">CONNECT v=4 cid=P1", "<CONNACK v=4 cid=P1", "<PUBLISH id=1 topic=a/b plen=2 v=4 cid=P1", ">PUBACK id=1 topic=a/b v=4 cid=P1"},
	},
	{
		// The CONNECT of a captured session's start is missing: the flow
		// starts with the broker's CONNACK (suricata-verify
		// mqtt-events-missing-connect). One anomaly per flow.
		name:  "missing CONNECT",
		steps: []pstep{br(connack3), cl(sub3), br(suback3), cl(pub1), br(connack3)},
		want: []string{
			"<CONNACK", "<!mqtt.missing_connect",
			">SUBSCRIBE id=3 topics=a/#,c", "<SUBACK id=3 topics=a/#,c",
			">PUBLISH id=1 topic=a/b plen=2", "<CONNACK",
		},
	},
	{
		// A capture that starts mid-session (suricata-verify mqtt-ping):
		// nothing to flag, and acks of requests sent before the capture
		// started are not unmatched.
		name:  "mid-session start",
		steps: []pstep{cl(pingreq), br(pingresp), br(puback1), cl(pub0), br(subAckNoReq)},
		want:  []string{">PINGREQ", "<PINGRESP", "<PUBACK id=1", ">PUBLISH topic=a/b plen=2", "<SUBACK id=9"},
	},
	{
		name:  "double CONNECT",
		steps: []pstep{cl(connect311), br(connack3), cl(connect5)},
		want:  []string{">CONNECT v=4 cid=P1", "<CONNACK v=4 cid=P1", ">CONNECT v=5 cid=P1", ">!mqtt.double_connect"},
	},
	{
		// Once a request was seen in a direction, an ack in the other one
		// that matches nothing is flagged; one that matches a request of
		// another kind too.
		name:  "unmatched ack",
		steps: []pstep{cl(connect311), br(connack3), br(puback1), cl(pub1), br(pubAck9), br(pubcomp1), br(puback1)},
		want: []string{
			">CONNECT v=4 cid=P1", "<CONNACK v=4 cid=P1", "<PUBACK id=1 v=4 cid=P1",
			">PUBLISH id=1 topic=a/b plen=2 v=4 cid=P1",
			"<PUBACK id=9 v=4 cid=P1", "<!mqtt.unmatched_ack",
			"<PUBCOMP id=1 v=4 cid=P1", "<!mqtt.unmatched_ack",
			"<PUBACK id=1 topic=a/b v=4 cid=P1",
		},
	},
	{
		// MaxOutstanding 2: the third QoS 1 PUBLISH forgets the first,
		// whose ack is then unmatched. A retransmission (DUP) of a pending
		// id replaces it and does not count.
		name: "too many outstanding",
		opts: Options{MaxOutstanding: 2},
		steps: []pstep{
			cl(connect311), br(connack3),
			cl(pubQ1("0001")), cl(pubQ1("0002")), cl(pubQ1dup("0002")), cl(pubQ1("0003")),
			br(pubAck("0001")), br(pubAck("0003")), br(pubAck("0002")),
		},
		want: []string{
			">CONNECT v=4 cid=P1", "<CONNACK v=4 cid=P1",
			">PUBLISH id=1 topic=t plen=0 v=4 cid=P1", ">PUBLISH id=2 topic=t plen=0 v=4 cid=P1", ">PUBLISH id=2 topic=t plen=0 v=4 cid=P1",
			">PUBLISH id=3 topic=t plen=0 v=4 cid=P1", ">!mqtt.too_many_outstanding",
			"<PUBACK id=1 v=4 cid=P1", "<!mqtt.unmatched_ack",
			"<PUBACK id=3 topic=t v=4 cid=P1", "<PUBACK id=2 topic=t v=4 cid=P1",
		},
	},
	{
		// MaxOutstanding 1 and a gap in the broker's bytes: the PUBACK of
		// id 1 may have been lost, so forgetting id 1 for id 2 is not
		// flagged; id 3 then forgets id 2, which is.
		name: "too many outstanding after a gap",
		opts: Options{MaxOutstanding: 1},
		steps: []pstep{
			cl(pubQ1("0001")), gapIn(dissectors.ToClient), cl(pubQ1("0002")), cl(pubQ1("0003")),
		},
		want: []string{
			">PUBLISH id=1 topic=t plen=0", ">PUBLISH id=2 topic=t plen=0",
			">PUBLISH id=3 topic=t plen=0", ">!mqtt.too_many_outstanding",
		},
	},
	{
		// A gap in the client's bytes: its PUBLISH id 5 may be lost, so the
		// PUBACK of id 5 is not flagged until the next request.
		name: "unmatched ack after a gap in the requests",
		steps: []pstep{
			cl(pubQ1("0001")), br(pubAck("0001")), gapIn(dissectors.ToServer),
			br(pubAck("0005")), cl(pubQ1("0002")), br(pubAck("0006")),
		},
		want: []string{
			">PUBLISH id=1 topic=t plen=0", "<PUBACK id=1 topic=t",
			"<PUBACK id=5", ">PUBLISH id=2 topic=t plen=0", "<PUBACK id=6", "<!mqtt.unmatched_ack",
		},
	},
	{
		// A PUBLISH of 7+3 bytes with MaxMessage 7: decoded from its first
		// 7 bytes (topic and packet id), its payload skipped; the next
		// packet in the same call is parsed.
		name:  "too large PUBLISH in one call",
		opts:  Options{MaxMessage: 7},
		steps: []pstep{cl(pubBig + pingreq), br(puback7)},
		want:  []string{">PUBLISH id=7 topic=big plen=3", ">!mqtt.message_too_large", ">PINGREQ", "<PUBACK id=7 topic=big"},
	},
	{
		// The same PUBLISH cut into pieces: nothing is decoded until the
		// first 7 bytes after the header are there, then the rest is
		// consumed as it comes.
		name:  "too large PUBLISH across calls",
		opts:  Options{MaxMessage: 7},
		steps: []pstep{cl("32 0A 0003 62"), cl("69 67 00"), cl("07 68"), cl("69"), cl("6A C0"), cl("00")},
		want:  []string{">PUBLISH id=7 topic=big plen=3", ">!mqtt.message_too_large", ">PINGREQ"},
	},
	{
		// A remaining length whose 4th octet has the continuation bit: the
		// direction is no longer framed (even a valid PINGREQ after it is
		// dropped) until a gap; the other direction goes on.
		name: "malformed remaining length",
		steps: []pstep{
			cl("30 FF FF FF FF 01 00"), cl(pingreq), br(pingresp),
			gapIn(dissectors.ToServer), cl(pingreq),
		},
		want: []string{">!mqtt.malformed_remaining_length", "<PINGRESP", ">PINGREQ"},
	},
	{
		// After a gap, chunks that are not whole plausible packets are
		// dropped: one starting inside a PUBLISH payload, one ending inside
		// a packet; parsing resumes with a chunk of whole packets.
		name: "resync after a gap",
		steps: []pstep{
			cl(connect311), gapIn(dissectors.ToServer),
			cl("6869 C000"), cl(pingreq + "32 09 0003"), cl(pub1 + pingreq),
		},
		want: []string{">CONNECT v=4 cid=P1", ">PUBLISH id=1 topic=a/b plen=2 v=4 cid=P1", ">PINGREQ v=4 cid=P1"},
	},
	{
		// Version 0 while no CONNECT has been seen: the decoder guesses;
		// the session has neither version nor client id to carry.
		name:  "no CONNECT, 5.0 SUBACK",
		steps: []pstep{cl(sub3v5), br(suback3v5)},
		want:  []string{">SUBSCRIBE id=3 topics=a/#,c", "<SUBACK id=3 topics=a/#,c"},
	},
	{
		// A 5.0 broker assigns the client id (property 0x12 "auto-1") to a
		// client that sent an empty one; it is carried from the CONNACK on.
		name: "assigned client id",
		steps: []pstep{
			cl("10 0D 0004 4D515454 05 02 003C 00 0000"),
			br("20 0C 00 00 09 12 0006 6175746F2D31"),
			cl(pingreq),
		},
		want: []string{">CONNECT v=5", "<CONNACK v=5 cid=auto-1", ">PINGREQ v=5 cid=auto-1"},
	},
}

// Packets built from parts, for the cases above.
const (
	subAckNoReq = "90 03 0009 00" // SUBACK id 9, granted 0
	pubAck9     = "40 02 0009"    // PUBACK id 9
	pubcomp1    = "70 02 0001"    // PUBCOMP id 1
	puback7     = "40 02 0007"    // PUBACK id 7
)

func pubQ1(id string) string    { return "32 05 0001 74" + id } // PUBLISH QoS 1 topic "t", no payload
func pubQ1dup(id string) string { return "3A 05 0001 74" + id } // same with DUP
func pubAck(id string) string   { return "40 02" + id }

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		t.Run(c.name, func(t *testing.T) {
			got, left := runSteps(t, c.opts, c.steps)
			if !slices.Equal(got, c.want) {
				t.Errorf("events:\ngot  %s\nwant %s", strings.Join(got, "\n     "), strings.Join(c.want, "\n     "))
			}
			if len(left[0])+len(left[1]) != 0 {
				t.Errorf("left unconsumed: % x", left)
			}
		})
	}
}

// TestSplitEveryOffset parses each direction of the 3.1.1 and 5.0
// sessions cut at every offset (and byte by byte): the events are those
// of the unsplit stream.
func TestSplitEveryOffset(t *testing.T) {
	for _, c := range parseCases[:3] {
		var streams [2][]byte
		for _, s := range c.steps {
			streams[s.dir] = append(streams[s.dir], unhex(t, s.hex)...)
		}
		for _, d := range []*Dissector{New(Options{}), New(Options{MaxMessage: 7})} { // 7: the skip path too
			for dir, data := range streams {
				dir := dissectors.Direction(dir)
				want := feedBytes(t, d.NewParser(nil), dir, data)
				if len(want) < 6 {
					t.Fatalf("%s: only %d events", c.name, len(want))
				}
				for cut := 0; cut <= len(data); cut++ {
					if got := feedBytes(t, d.NewParser(nil), dir, data, cut); !slices.Equal(got, want) {
						t.Fatalf("%s %v cut at %d:\ngot  %q\nwant %q", c.name, dir, cut, got, want)
					}
				}
				every := make([]int, len(data))
				for i := range every {
					every[i] = i
				}
				if got := feedBytes(t, d.NewParser(nil), dir, data, every...); !slices.Equal(got, want) {
					t.Fatalf("%s %v byte by byte:\ngot  %q\nwant %q", c.name, dir, got, want)
				}
			}
		}
	}
}

func TestRemainingLength(t *testing.T) {
	cases := []struct {
		hex    string // control octet 0x30, then the remaining length field
		length int
		hlen   int
		st     lengthStatus
	}{
		{"30", 0, 0, lengthNeedMore},
		{"30 00", 0, 2, lengthOK},
		{"30 7F", 127, 2, lengthOK},
		{"30 80", 0, 0, lengthNeedMore},
		{"30 80 01", 128, 3, lengthOK},
		{"30 FF 7F", 16383, 3, lengthOK},
		{"30 80 80 01", 16384, 4, lengthOK},
		{"30 FF FF 7F", 2097151, 4, lengthOK},
		{"30 80 80 80 01", 2097152, 5, lengthOK},
		{"30 FF FF FF 7F", 268435455, 5, lengthOK},
		{"30 FF FF FF", 0, 0, lengthNeedMore},
		{"30 FF FF FF FF", 0, 0, lengthMalformed},
		{"30 80 80 80 80 01", 0, 0, lengthMalformed},
		{"30 80 00", 0, 3, lengthOK}, // non-minimal encoding of 0, accepted
	}
	for _, c := range cases {
		n, h, st := remainingLength(unhex(t, c.hex))
		if n != c.length || h != c.hlen || st != c.st {
			t.Errorf("%s: %d, %d, %d; want %d, %d, %d", c.hex, n, h, st, c.length, c.hlen, c.st)
		}
	}
}

// publishOf returns a QoS 0 PUBLISH to topic "t" with remaining length n
// (header field encoded by hand in field), payload of zeros.
func publishOf(t *testing.T, field string, n int) []byte {
	b := append(unhex(t, "30"+field+"0001 74"), make([]byte, n-3)...)
	return b
}

// TestLengthBoundaries parses PUBLISHes at the boundaries of the remaining
// length encoding: the ones up to MaxMessage whole, the bigger ones
// decoded from their start and skipped, with the next packet parsed.
func TestLengthBoundaries(t *testing.T) {
	for _, c := range []struct {
		field string
		n     int
	}{{"7F", 127}, {"8001", 128}, {"FF7F", 16383}, {"808001", 16384}} {
		data := append(publishOf(t, c.field, c.n), 0xC0, 0x00)
		p := New(Options{}).NewParser(nil)
		got := feedBytes(t, p, dissectors.ToServer, data, len(data)/3, len(data)/2)
		want := []string{">PUBLISH topic=t plen=" + itoa(c.n-3), ">PINGREQ"}
		if !slices.Equal(got, want) {
			t.Errorf("length %d: %q, want %q", c.n, got, want)
		}
	}
	// 2097151: 2 MiB fed in 64 KiB pieces, never more than MaxMessage+5
	// bytes left unconsumed.
	data := append(publishOf(t, "FFFF7F", 2097151), 0xC0, 0x00)
	p := New(Options{}).NewParser(nil)
	var cuts []int
	for c := 64 << 10; c < len(data); c += 64 << 10 {
		cuts = append(cuts, c)
	}
	got := feedBytes(t, p, dissectors.ToServer, data, cuts...)
	want := []string{">PUBLISH topic=t plen=2097148", ">!mqtt.message_too_large", ">PINGREQ"}
	if !slices.Equal(got, want) {
		t.Errorf("length 2097151: %q, want %q", got, want)
	}
	// 268435455: the first 64 KiB are consumed whole; the parser skips
	// the rest of the packet.
	pp := New(Options{}).NewParser(nil).(*Parser)
	first := publishOf(t, "FFFFFF7F", 64<<10)
	l := &eventLog{t: t}
	if n, _ := pp.Parse(dissectors.ToServer, first, sessT0, l); n != len(first) {
		t.Fatalf("consumed %d of %d", n, len(first))
	}
	if pp.skip[0] != 5+268435455-len(first) {
		t.Errorf("skip %d, want %d", pp.skip[0], 5+268435455-len(first))
	}
	if want := []string{">PUBLISH topic=t plen=268435452", ">!mqtt.message_too_large"}; !slices.Equal(l.events, want) {
		t.Errorf("length 268435455: %q, want %q", l.events, want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
