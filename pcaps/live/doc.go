// Package live records real protocol traffic on the Linux loopback
// interface for otsensor's golden captures: it starts real servers and
// clients, captures lo with AF_PACKET (gopacket/afpacket) and writes the
// packets of one TCP port to a pcap file.
//
// RecordMQTT runs Debian's mosquitto broker with a temporary configuration
// and drives it with eclipse paho clients (MQTT 3.1, 3.1.1 and 5.0) and
// the mosquitto_pub/mosquitto_sub tools. It needs Linux, root (or
// CAP_NET_RAW) and the mosquitto and mosquitto-clients packages, and says
// so in its error when one is missing.
//
// SummarizeMQTT reads such a capture back with gopacket only (no otsensor
// dissector): TCP connections to the broker, CONNECT protocol levels and
// CONNACK codes.
package live
