package live

import (
	"errors"
	"fmt"
)

// MQTTSummary is what SummarizeMQTT found in a capture.
type MQTTSummary struct {
	Packets     int // frames in the file
	Connections int // SYNs (without ACK) to the broker port
	// Types counts MQTT control packets by type (1 CONNECT ... 15 AUTH),
	// both directions.
	Types [16]int
	// Levels counts CONNECTs by protocol level (3, 4, 5), Names by
	// protocol name ("MQIsdp", "MQTT").
	Levels map[byte]int
	Names  map[string]int
	// ConnackCodes counts CONNACK return codes (3.1/3.1.1) and reason
	// codes (5.0).
	ConnackCodes map[byte]int
}

// SummarizeMQTT reads the pcap at path with gopacket and follows the TCP
// connections to or from port: it counts connections and splits each
// direction's byte stream into MQTT control packets (fixed header, 1-4
// octet remaining length), reading the CONNECT protocol name and level
// and the CONNACK code. It assumes a clean capture (no loss, no
// reordering: what lo gives) and fails on anything it cannot frame.
func SummarizeMQTT(path string, port uint16) (MQTTSummary, error) {
	s := MQTTSummary{Levels: map[byte]int{}, Names: map[string]int{}, ConnackCodes: map[byte]int{}}
	conns, packets, syns, err := capturedConns(path, port)
	s.Packets, s.Connections = packets, syns
	if err != nil {
		return s, err
	}
	for _, c := range conns {
		if err := s.add(c.up); err != nil {
			return s, fmt.Errorf("%v -> %v: %w", c.client, c.server, err)
		}
		if err := s.add(c.down); err != nil {
			return s, fmt.Errorf("%v <- %v: %w", c.client, c.server, err)
		}
	}
	return s, nil
}

// add splits one direction's stream into control packets.
func (s *MQTTSummary) add(b []byte) error {
	for off := 0; off < len(b); {
		h := b[off]
		n, used, err := remainingLength(b[off+1:])
		if err != nil {
			return fmt.Errorf("packet at offset %d: %w", off, err)
		}
		start := off + 1 + used
		if start+n > len(b) {
			return fmt.Errorf("packet at offset %d: %d body bytes, %d left", off, n, len(b)-start)
		}
		body := b[start : start+n]
		s.Types[h>>4]++
		switch h >> 4 {
		case 1: // CONNECT: protocol name (2-octet length), level
			if len(body) < 2 {
				return errors.New("short CONNECT")
			}
			nl := int(body[0])<<8 | int(body[1])
			if len(body) < 2+nl+1 {
				return errors.New("short CONNECT protocol name")
			}
			s.Names[string(body[2:2+nl])]++
			s.Levels[body[2+nl]]++
		case 2: // CONNACK: flags, code
			if len(body) < 2 {
				return errors.New("short CONNACK")
			}
			s.ConnackCodes[body[1]]++
		}
		off = start + n
	}
	return nil
}

// remainingLength decodes the variable byte integer at the start of b
// (MQTT 3.1.1 section 2.2.3): 7 bits per octet, continuation bit 0x80,
// at most 4 octets.
func remainingLength(b []byte) (n, used int, err error) {
	mult := 1
	for i := 0; i < 4; i++ {
		if i >= len(b) {
			return 0, 0, errors.New("truncated remaining length")
		}
		n += int(b[i]&0x7f) * mult
		if b[i]&0x80 == 0 {
			return n, i + 1, nil
		}
		mult *= 128
	}
	return 0, 0, errors.New("remaining length longer than 4 octets")
}
