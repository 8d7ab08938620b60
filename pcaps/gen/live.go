package main

// liveFile is the capture -live records.
const liveFile = "modbus_live_loopback.pcap"

// Addresses of the live session: the simonvetter/modbus server, and a
// hand-written server for what that library does not implement
// (Read Device Identification, FC 43 / MEI 14).
const (
	liveServer   = "127.0.0.1:502"
	liveIdentity = "127.0.0.2:502"
)
