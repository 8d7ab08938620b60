// Package synth crafts network traffic for otsensor's bundled captures and
// benchmarks: Ethernet (with 802.1Q and QinQ tags), ARP, IPv4 (including
// fragmentation), IPv6, TCP with a session model that keeps sequence and
// acknowledgement numbers consistent, UDP, and Modbus/TCP ADUs encoded from
// the Modbus Application Protocol Specification V1.1b3.
//
// Frames are serialised with gopacket layers and written through a Sink:
// classic pcap (microsecond or nanosecond, little-endian), big-endian
// nanosecond pcap, or pcapng with several interfaces. A Trace ties a
// Builder (one link type), a Sink and a packet clock together.
//
// Everything is deterministic: times start at BaseTime unless the caller
// chooses otherwise, randomness comes from seeded math/rand/v2 sources, and
// the same calls produce the same bytes on every run.
//
// The Modbus encoders here are deliberately independent of
// dissectors/modbus, so that captures made with them test that dissector
// rather than mirror it.
package synth

import "time"

// BaseTime is the default time of the first packet of a crafted capture.
var BaseTime = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
