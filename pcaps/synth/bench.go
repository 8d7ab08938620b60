package synth

import (
	"bufio"
	"errors"
	"io"
	"math/rand/v2"
	"time"
)

// DefaultBenchPackets is the size of the benchmark capture.
const DefaultBenchPackets = 1_200_000

// BenchConfig configures WriteBenchMix.
type BenchConfig struct {
	Packets int       // packets to write; 0 means DefaultBenchPackets
	Seed    uint64    // random seed; 0 means 1
	Start   time.Time // time of the first packet; zero means BaseTime
}

// WriteBenchMix writes a classic Ethernet pcap of cfg.Packets packets of
// plant traffic: about 300 Modbus/TCP sessions between 40 HMI/SCADA
// clients and 120 PLCs and gateways (several unit ids behind gateways)
// polling FC 3/4/1/2 with occasional FC 5/6/16 writes and exceptions, a
// third of them already established when the capture starts, about 1%
// retransmitted segments and a few out-of-order ones; about a fifth of
// frames 802.1Q-tagged (a few QinQ); background HTTP-like TCP, DNS, NTP,
// syslog, ARP and some IPv6; hosts on other subnets reached through one
// Cisco router MAC. The output depends only on cfg.
func WriteBenchMix(w io.Writer, cfg BenchConfig) (packets int, err error) {
	return writeBench(w, cfg, 0x6f7473656e736f72, func(m *mix) {
		m.addModbus()
		m.addBackground()
	})
}

// writeBench writes a benchmark capture: cfg's defaults filled in, a mix
// whose random stream is seeded with cfg.Seed and stream, populated by
// add after the topology and HTTP body are drawn, then run until
// cfg.Packets packets are written or no actor is left.
func writeBench(w io.Writer, cfg BenchConfig, stream uint64, add func(m *mix)) (packets int, err error) {
	if cfg.Packets == 0 {
		cfg.Packets = DefaultBenchPackets
	}
	if cfg.Packets < 0 {
		return 0, errors.New("synth: negative packet count")
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.Start.IsZero() {
		cfg.Start = BaseTime
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	sink, err := NewPcapSink(bw, LinkEthernet, false)
	if err != nil {
		return 0, err
	}
	m := newMix(cfg, sink, stream)
	add(m)
	for m.t.n < cfg.Packets && m.t.err == nil && len(m.q) > 0 {
		e := m.pop()
		m.at = e.at
		m.t.SetNow(m.start.Add(time.Duration(e.at)))
		after, done := e.a.step(m)
		if !done {
			m.push(e.at+int64(max(after, time.Microsecond)), e.a)
		}
	}
	if m.t.err != nil {
		return m.t.n, m.t.err
	}
	return m.t.n, bw.Flush()
}

// actor is one source of traffic in the mix: a Modbus session, an HTTP
// client, a DNS resolver user...
type actor interface {
	// step writes the actor's next packet at m's clock and returns the
	// delay until its next one; done means it has nothing more to send.
	step(m *mix) (after time.Duration, done bool)
}

type event struct {
	at  int64 // nanoseconds since the start of the capture
	seq uint64
	a   actor
}

// mix is the state of one WriteBenchMix run.
type mix struct {
	t     *Trace
	rng   *rand.Rand
	start time.Time
	at    int64
	q     []event
	seq   uint64
	topo  *topology
	body  []byte // read-only HTTP body text
}

// newMix returns a mix with no actors yet: its topology and HTTP body
// are the first draws of its random stream.
func newMix(cfg BenchConfig, sink Sink, stream uint64) *mix {
	m := &mix{
		t:     NewTrace(sink, LinkEthernet, cfg.Start),
		rng:   rand.New(rand.NewPCG(cfg.Seed, stream)),
		start: cfg.Start,
	}
	m.t.SetStep(0)
	m.topo = newTopology(m.rng)
	m.body = makeBody(m.rng, 8192)
	return m
}

// dur returns a uniformly random duration in [lo, hi).
func (m *mix) dur(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(m.rng.Int64N(int64(hi-lo)))
}

func (m *mix) chance(p float64) bool { return m.rng.Float64() < p }

func (m *mix) push(at int64, a actor) {
	m.seq++
	m.q = append(m.q, event{at: at, seq: m.seq, a: a})
	i := len(m.q) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !m.q[i].less(&m.q[p]) {
			break
		}
		m.q[i], m.q[p] = m.q[p], m.q[i]
		i = p
	}
}

func (m *mix) pop() event {
	top := m.q[0]
	n := len(m.q) - 1
	m.q[0] = m.q[n]
	m.q = m.q[:n]
	i := 0
	for {
		l, r, s := 2*i+1, 2*i+2, i
		if l < n && m.q[l].less(&m.q[s]) {
			s = l
		}
		if r < n && m.q[r].less(&m.q[s]) {
			s = r
		}
		if s == i {
			break
		}
		m.q[i], m.q[s] = m.q[s], m.q[i]
		i = s
	}
	return top
}

func (e *event) less(o *event) bool {
	return e.at < o.at || (e.at == o.at && e.seq < o.seq)
}

// makeBody returns n bytes of JSON-like historian data.
func makeBody(rng *rand.Rand, n int) []byte {
	b := make([]byte, 0, n+64)
	b = append(b, `{"tags":[`...)
	for len(b) < n-40 {
		b = append(b, `{"id":`...)
		b = appendUint(b, uint64(rng.IntN(10000)))
		b = append(b, `,"v":`...)
		b = appendUint(b, uint64(rng.IntN(100000)))
		b = append(b, `,"q":192},`...)
	}
	b = append(b, `{"id":0}]}`...)
	for len(b) < n {
		b = append(b, ' ')
	}
	return b[:n]
}

func appendUint(b []byte, v uint64) []byte {
	var tmp [20]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}
