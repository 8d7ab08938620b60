package synth

import (
	"errors"

	"github.com/gopacket/gopacket/layers"
)

// Dir is the direction of a segment within a Conn.
type Dir uint8

// The two directions of a connection.
const (
	ToServer Dir = iota // client to server
	ToClient            // server to client
)

// DefaultWindow is the TCP window advertised by both ends.
const DefaultWindow = 502

// Seg is one TCP segment of a Conn, as sent or prepared.
type Seg struct {
	Dir     Dir
	Seq     uint32
	Ack     uint32
	Flags   TCPFlags
	Payload []byte
}

// End returns the sequence number after the segment (SYN and FIN count one).
func (s Seg) End() uint32 {
	n := uint32(len(s.Payload))
	if s.Flags&(SYN|FIN) != 0 {
		n++
	}
	return s.Seq + n
}

// Conn models one TCP connection seen by a Trace. It tracks the next
// sequence number of each direction and acknowledges everything the other
// side has sent so far, so a capture stays consistent unless the caller
// deliberately reorders, repeats or withholds segments.
type Conn struct {
	t      *Trace
	L2     L2
	Client Host
	Server Host
	CPort  uint16
	SPort  uint16
	Window uint16
	next   [2]uint32
}

// NewConn returns a connection whose client and server start at the given
// initial sequence numbers. Call Handshake to open it, or send data right
// away to model a connection that was already established when the
// capture started.
func (t *Trace) NewConn(l2 L2, client Host, cport uint16, server Host, sport uint16, clientISN, serverISN uint32) *Conn {
	return &Conn{t: t, L2: l2, Client: client, Server: server, CPort: cport, SPort: sport,
		Window: DefaultWindow, next: [2]uint32{clientISN, serverISN}}
}

// Trace returns the trace the connection writes to.
func (c *Conn) Trace() *Trace { return c.t }

// Reset re-initialises c for a new connection on the same trace without
// allocating: same hosts and tags, new ports and sequence numbers.
func (c *Conn) Reset(cport, sport uint16, clientISN, serverISN uint32) {
	c.CPort, c.SPort = cport, sport
	c.next = [2]uint32{clientISN, serverISN}
}

// Next returns the next sequence number d will send.
func (c *Conn) Next(d Dir) uint32 { return c.next[d] }

// Prepare returns the next segment of d carrying payload with flags,
// acknowledging everything the peer has sent, and advances d's sequence
// number without writing anything. Emit writes it later, or never (a
// segment the capture missed).
func (c *Conn) Prepare(d Dir, flags TCPFlags, payload []byte) Seg {
	s := Seg{Dir: d, Seq: c.next[d], Ack: c.next[d^1], Flags: flags, Payload: payload}
	c.next[d] = s.End()
	return s
}

// Emit writes s as captured at the trace's current time.
func (c *Conn) Emit(s Seg) {
	t := c.t
	if t.err != nil {
		return
	}
	src, dst, sp, dp := c.Client, c.Server, c.CPort, c.SPort
	if s.Dir == ToClient {
		src, dst, sp, dp = dst, src, dp, sp
	}
	t.Write(t.B.TCP(&c.L2, src, dst, sp, dp, s.Seq, s.Ack, s.Flags, c.Window, s.Payload))
}

// Send writes payload from d as one PSH/ACK segment and returns it.
func (c *Conn) Send(d Dir, payload []byte) Seg {
	s := c.Prepare(d, PSH|ACK, payload)
	c.Emit(s)
	return s
}

// SendSplit writes payload from d as several segments, cut before each
// offset in cuts (increasing, inside the payload).
func (c *Conn) SendSplit(d Dir, payload []byte, cuts ...int) {
	prev := 0
	for _, cut := range cuts {
		if cut <= prev || cut >= len(payload) {
			c.t.Fail(errors.New("synth: SendSplit cuts must increase inside the payload"))
			return
		}
		c.Emit(c.Prepare(d, ACK, payload[prev:cut]))
		prev = cut
	}
	c.Send(d, payload[prev:])
}

// Ack writes a bare ACK from d.
func (c *Conn) Ack(d Dir) { c.Emit(c.Prepare(d, ACK, nil)) }

// Handshake writes SYN, SYN/ACK and ACK.
func (c *Conn) Handshake() {
	syn := c.Prepare(ToServer, SYN, nil)
	syn.Ack = 0
	c.Emit(syn)
	c.Emit(c.Prepare(ToClient, SYN|ACK, nil))
	c.Ack(ToServer)
}

// Close writes an orderly close started by d: FIN/ACK, FIN/ACK, ACK.
func (c *Conn) Close(d Dir) {
	c.Emit(c.Prepare(d, FIN|ACK, nil))
	c.Emit(c.Prepare(d^1, FIN|ACK, nil))
	c.Ack(d)
}

// Abort writes a RST/ACK from d.
func (c *Conn) Abort(d Dir) { c.Emit(c.Prepare(d, RST|ACK, nil)) }

// Exchange writes a request from the client and, after a server delay of
// 1.8 ms, the server's response; the next packet comes 50 ms later.
func (c *Conn) Exchange(req, resp []byte) {
	c.Send(ToServer, req)
	c.t.Advance(defaultServerDelay)
	c.Send(ToClient, resp)
	c.t.Advance(defaultPollGap)
}

// SendFragmented writes payload from d as one TCP segment carried in
// IPv4 fragments of at most fragData payload bytes each.
func (c *Conn) SendFragmented(d Dir, payload []byte, fragData int) Seg {
	s := c.Prepare(d, PSH|ACK, payload)
	t := c.t
	if t.err != nil {
		return s
	}
	src, dst, sp, dp := c.Client, c.Server, c.CPort, c.SPort
	if d == ToClient {
		src, dst, sp, dp = dst, src, dp, sp
	}
	l4, err := t.B.TCPBytes(src, dst, sp, dp, s.Seq, s.Ack, s.Flags, c.Window, payload)
	if err != nil {
		t.Fail(err)
		return s
	}
	seg := append([]byte(nil), l4...)
	t.Fail(t.B.IPv4Fragments(&c.L2, src, dst, layers.IPProtocolTCP, seg, fragData, func(frame []byte) error {
		t.Write(frame, nil)
		return t.err
	}))
	return s
}
