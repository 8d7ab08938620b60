package synth

import (
	"net"
	"time"

	"github.com/gopacket/gopacket"
)

// DefaultStep is how far a Trace's clock moves after each packet unless
// SetStep changes it.
const DefaultStep = 100 * time.Microsecond

// Trace writes crafted packets of one link type to a Sink, stamping them
// with its own packet clock. The first error sticks: later writes do
// nothing and Err reports it, so scenarios read as straight-line code.
type Trace struct {
	B     *Builder
	sink  Sink
	now   time.Time
	step  time.Duration
	iface int
	n     int
	err   error
}

// NewTrace returns a Trace whose first packet is stamped start.
func NewTrace(s Sink, link Link, start time.Time) *Trace {
	return &Trace{B: NewBuilder(link), sink: s, now: start, step: DefaultStep}
}

// SetInterface sets the pcapng interface index written with each packet.
func (t *Trace) SetInterface(i int) { t.iface = i }

// SetStep sets how far the clock moves after each packet.
func (t *Trace) SetStep(d time.Duration) { t.step = d }

// Now returns the time the next packet will carry.
func (t *Trace) Now() time.Time { return t.now }

// SetNow moves the clock to ts.
func (t *Trace) SetNow(ts time.Time) { t.now = ts }

// Advance moves the clock forward by d.
func (t *Trace) Advance(d time.Duration) { t.now = t.now.Add(d) }

// Packets returns how many packets were written.
func (t *Trace) Packets() int { return t.n }

// Err returns the first error met, if any.
func (t *Trace) Err() error { return t.err }

// Fail records err (if no error was recorded yet).
func (t *Trace) Fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

// Write writes one frame built by t.B (or by hand) at the current time
// and advances the clock by the step.
func (t *Trace) Write(frame []byte, err error) {
	if t.err != nil {
		return
	}
	if err != nil {
		t.err = err
		return
	}
	ci := gopacket.CaptureInfo{Timestamp: t.now, CaptureLength: len(frame), Length: len(frame), InterfaceIndex: t.iface}
	if err := t.sink.WritePacket(ci, frame); err != nil {
		t.err = err
		return
	}
	t.n++
	t.now = t.now.Add(t.step)
}

// UDP writes a UDP datagram.
func (t *Trace) UDP(l2 *L2, src, dst Host, sport, dport uint16, payload []byte) {
	if t.err == nil {
		t.Write(t.B.UDP(l2, src, dst, sport, dport, payload))
	}
}

// ARPRequest writes a broadcast "who has target? tell sender".
func (t *Trace) ARPRequest(l2 *L2, sender Host, target net.IP) {
	if t.err == nil {
		t.Write(t.B.ARP(l2, 1, Broadcast, sender, nil, target))
	}
}

// ARPReply writes sender's unicast reply "target.IP is at sender.MAC".
func (t *Trace) ARPReply(l2 *L2, sender, target Host) {
	if t.err == nil {
		t.Write(t.B.ARP(l2, 2, target.MAC, sender, target.MAC, target.IP))
	}
}

// ARPExchange writes a request from asker for target's address and
// target's reply.
func (t *Trace) ARPExchange(l2 *L2, asker, target Host) {
	t.ARPRequest(l2, asker, target.IP)
	t.ARPReply(l2, target, asker)
}
