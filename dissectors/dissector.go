// Package dissectors defines the contract between the flow layer (sensor/flow)
// and the application-protocol dissectors (modbus, and later dnp3, mqtt, tls).
//
// It depends on the standard library only. The flow layer owns flows, TCP
// reassembly and dispatch; a dissector owns the bytes of one protocol. The
// exchange is:
//
//  1. The flow layer offers the first payload bytes of a flow to every
//     Dissector's Probe (port-matched dissectors first). The first ProbeYes
//     wins; ProbeNo excludes that dissector for the flow; ProbeNeedMore asks
//     for the same bytes again with more appended.
//  2. The winner's NewParser creates the flow's Parser. From then on every
//     payload byte of the flow, in order per direction, goes to Parse.
//  3. Parse emits typed Events through an Emitter. Malformed input is an
//     anomaly Event, after which parsing continues; only ErrGiveUp stops it.
//
// Events are borrowed: the Event and everything it points to is valid only
// until Emit returns, so a parser can reuse one Event (and its slices) for
// every PDU and the hot path allocates nothing. A consumer that keeps data
// copies it.
package dissectors

import (
	"errors"
	"net/netip"
	"strconv"
	"time"
)

// Transport is the IP protocol number of a flow.
type Transport uint8

// Transports a dissector can be bound to.
const (
	TCP Transport = 6
	UDP Transport = 17
)

// String returns "TCP", "UDP" or "IP-<n>" (EVE's proto field).
func (t Transport) String() string {
	switch t {
	case TCP:
		return "TCP"
	case UDP:
		return "UDP"
	case 1:
		return "ICMP"
	case 58:
		return "IPv6-ICMP"
	}
	return "IP-" + strconv.Itoa(int(t))
}

// Direction tells which way bytes flowed, relative to the flow's client
// (the initiator: the sender of the SYN, or the best guess without one).
type Direction uint8

// The two directions of a flow.
const (
	ToServer Direction = iota
	ToClient
)

// String returns "to_server" or "to_client".
func (d Direction) String() string {
	if d == ToClient {
		return "to_client"
	}
	return "to_server"
}

// Reverse returns the opposite direction.
func (d Direction) Reverse() Direction { return d ^ 1 }

// Port is a default (server) port a dissector claims.
type Port struct {
	Transport Transport
	Port      uint16
}

// MaxVLANs is how many 802.1Q tags a flow keeps (outer first): QinQ.
const MaxVLANs = 2

// Flow identifies a connection (TCP) or a conversation (UDP, other IP)
// seen by the sensor. The flow layer fills it in; dissectors read it.
type Flow struct {
	// ID is stable for a given flow in a given capture: a hash of the
	// endpoints, the VLAN tags and the first packet's timestamp, so that
	// two replays of the same traffic give the same IDs.
	ID        uint64
	Transport Transport
	Client    netip.AddrPort // initiator
	Server    netip.AddrPort // responder
	ClientMAC [6]byte        // zero when the link layer has no addresses
	ServerMAC [6]byte
	VLAN      [MaxVLANs]uint16 // 802.1Q ids, outer first; valid up to NVLAN
	NVLAN     uint8
	AppProto  string // dissector name once one is attached, else ""
	Start     time.Time
	// Handshake is set for a TCP flow whose first packet was a SYN: the
	// connection's start is in the capture, so a protocol whose sessions
	// open with a login (MQTT's CONNECT) can tell one that is missing from
	// one that happened before the capture began.
	Handshake bool
}

// VLANs returns the flow's VLAN ids, outer first (nil when untagged).
func (f *Flow) VLANs() []uint16 {
	if f.NVLAN == 0 {
		return nil
	}
	return f.VLAN[:f.NVLAN]
}

// Record is a typed application-protocol record such as *modbus.Record.
// AppProto names the protocol and is the record's JSON object key in event
// output ("modbus" → {"modbus": {...}}).
type Record interface {
	AppProto() string
}

// Anomaly describes malformed or suspicious input, or a resource cap that
// was hit. Anomalies are data for rules, not log lines.
type Anomaly struct {
	// AppProto is the protocol that saw it ("modbus"), or the layer
	// ("stream", "app") for anomalies raised by the flow layer.
	AppProto string
	// Name is stable snake_case, prefixed with AppProto:
	// "modbus.invalid_length", "stream.buffer_overflow".
	Name string
	// Detail is optional free text. Keep it constant on paths that can be
	// flooded: formatting allocates.
	Detail string
}

// AnomalyInfo documents one anomaly name a dissector raises; each
// dissector package lists its own in a variable Anomalies.
type AnomalyInfo struct {
	Name        string
	Description string
}

// Event is one thing a dissector (or the flow layer) observed: a PDU, a
// matched transaction, or an anomaly. Exactly one of Record and Anomaly is
// set.
type Event struct {
	Time    time.Time // packet time of the last byte of the PDU
	Dir     Direction // direction of the PDU that completed the event
	Flow    *Flow     // set by the flow layer; parsers leave it nil
	Record  Record
	Anomaly *Anomaly
}

// Emitter receives events. Emit must not retain ev or anything it points to.
type Emitter interface {
	Emit(ev *Event)
}

// ProbeResult is what a dissector makes of a flow's first bytes.
type ProbeResult uint8

// Probe outcomes.
const (
	ProbeNo       ProbeResult = iota // not this protocol
	ProbeYes                         // this protocol, confidently
	ProbeNeedMore                    // can't tell yet: ask again with more bytes
)

// ErrGiveUp returned by Parse tells the flow layer to stop feeding this
// flow's parser; the flow itself keeps being tracked.
var ErrGiveUp = errors.New("dissector gave up on flow")

// Dissector recognises one application protocol and makes its parsers.
// A Dissector is shared by all workers and must be safe for concurrent use.
type Dissector interface {
	// Name is the protocol's app_proto value, e.g. "modbus".
	Name() string
	// Ports are the default server ports.
	Ports() []Port
	// Probe looks at the first bytes seen in dir (a TCP stream prefix or
	// one UDP datagram). onPort says the flow's server port is one of
	// Ports: a probe may then accept on a valid header alone, while
	// elsewhere it should answer ProbeYes only when it is confident, so
	// that other traffic is not mistaken for this protocol.
	Probe(dir Direction, data []byte, onPort bool) ProbeResult
	// NewParser returns the parser for one flow. f stays valid, and its
	// fields other than AppProto unchanged, for the flow's lifetime.
	NewParser(f *Flow) Parser
}

// Parser parses one flow. It is used by one goroutine at a time.
type Parser interface {
	// Parse is given the next bytes that flowed in dir: for TCP the
	// reassembled stream, starting with whatever the previous call for dir
	// left unconsumed; for UDP one datagram. It returns how many bytes it
	// consumed. Fewer than len(data) means "need more": the rest comes back,
	// followed by new bytes, on the next call for dir (for UDP the rest is
	// dropped). The flow layer caps what it keeps for a parser and reports
	// a gap when the cap is hit. ts is the time of the newest packet in
	// data. Returning ErrGiveUp stops the parser for the rest of the flow.
	Parse(dir Direction, data []byte, ts time.Time, out Emitter) (consumed int, err error)
	// Gap tells the parser that bytes in dir were lost (capture loss, a
	// reassembly cap, a missed segment): the next bytes do not follow the
	// previous ones, and the parser must resynchronise.
	Gap(dir Direction)
	// Close ends the flow (FIN, RST, idle expiry or end of input) at ts.
	// The parser may emit events for unfinished state, e.g. requests
	// never answered.
	Close(ts time.Time, out Emitter)
}
