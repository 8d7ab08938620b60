package main

// liveFile is the Modbus capture -live records.
const liveFile = "modbus_live_loopback.pcap"

// mqttLiveFile is the MQTT capture -live records with pcaps/live, its
// broker on TCP 1883 (MQTT's port, so that tshark and otsensor find it
// without being told).
const (
	mqttLiveFile = "mqtt_live.pcap"
	mqttLivePort = 1883
)

// tlsLiveFile is the TLS capture -live records with pcaps/live, its
// servers on live.DefaultTLSPorts (443, 8883, 4843 and 9443).
const tlsLiveFile = "tls_live.pcap"

// Addresses of the live session: the simonvetter/modbus server, and a
// hand-written server for what that library does not implement
// (Read Device Identification, FC 43 / MEI 14).
const (
	liveServer   = "127.0.0.1:502"
	liveIdentity = "127.0.0.2:502"
)
