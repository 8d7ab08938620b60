// Package live records real protocol traffic on the Linux loopback
// interface for otsensor's golden captures: it starts real servers and
// clients, captures lo with AF_PACKET (gopacket/afpacket) and writes the
// packets of the servers' TCP ports to a pcap file.
//
// RecordMQTT runs Debian's mosquitto broker with a temporary configuration
// and drives it with eclipse paho clients (MQTT 3.1, 3.1.1 and 5.0) and
// the mosquitto_pub/mosquitto_sub tools. It needs Linux, root (or
// CAP_NET_RAW) and the mosquitto and mosquitto-clients packages, and says
// so in its error when one is missing.
//
// RecordTLS generates a small PKI with crypto/x509 (a CA, CA-signed,
// self-signed and expired server certificates, a client certificate; RSA
// 2048 and ECDSA P-256), runs Go crypto/tls servers and openssl s_server
// on 127.0.0.1-127.0.0.7 and drives handshakes from Go clients and openssl
// s_client: TLS 1.0 to 1.3, ALPN, SNI, a client certificate, a
// HelloRetryRequest, session ticket resumption, handshakes refused with
// alerts, on HTTPS, MQTT over TLS, OPC UA TLS and a non-standard port. It
// needs Linux, root and openssl.
//
// SummarizeMQTT reads such a capture back with gopacket only (no otsensor
// dissector): TCP connections to the broker, CONNECT protocol levels and
// CONNACK codes. SummarizeTLS does the same for TLS: connections, records
// by content type, ClientHello, ServerHello, HelloRetryRequest and
// Certificate messages in clear, negotiated versions, alerts and SNI.
package live
