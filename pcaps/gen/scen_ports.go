package main

import (
	"encoding/binary"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// notModbus writes non_modbus_port502.pcap: an HTTP exchange and a TLS
// ClientHello on TCP 502. Neither is Modbus.
func notModbus(t *synth.Trace) {
	c := t.NewConn(synth.L2{}, hmi, 50600, plc1, 502, isnClient, isnServer)
	c.Handshake()
	c.Send(synth.ToServer, synth.AppendHTTPRequest(nil, "10.0.0.21:502", "/status?page=", 1))
	t.Advance(3 * ms)
	body := []byte(`{"status":"running","cpu":"BMX P34 2020"}`)
	resp := synth.AppendHTTPResponseHeader(nil, len(body))
	c.Send(synth.ToClient, append(resp, body...))
	t.Advance(1 * ms)
	c.Close(synth.ToClient)
	t.Advance(50 * ms)

	tls := t.NewConn(synth.L2{}, hmi, 50601, plc1, 502, isnClient+0x999, isnServer+0x999)
	tls.Handshake()
	tls.Send(synth.ToServer, clientHello("plc1.plant.local"))
	t.Advance(2 * ms)
	tls.Abort(synth.ToClient) // the PLC does not speak TLS
}

// clientHello returns a TLS 1.2 ClientHello record with an SNI extension
// (RFC 5246 section 7.4.1.2, RFC 6066 section 3).
func clientHello(sni string) []byte {
	var ext []byte
	// server_name: list length, type host_name (0), name length, name.
	sn := binary.BigEndian.AppendUint16(nil, uint16(len(sni)+3))
	sn = append(sn, 0)
	sn = binary.BigEndian.AppendUint16(sn, uint16(len(sni)))
	sn = append(sn, sni...)
	ext = appendExt(ext, 0x0000, sn)
	ext = appendExt(ext, 0x000a, []byte{0x00, 0x04, 0x00, 0x17, 0x00, 0x18}) // supported_groups: secp256r1, secp384r1
	ext = appendExt(ext, 0x000b, []byte{0x01, 0x00})                         // ec_point_formats: uncompressed
	ext = appendExt(ext, 0x000d, []byte{0x00, 0x04, 0x04, 0x01, 0x04, 0x03}) // signature_algorithms
	var body []byte
	body = append(body, 0x03, 0x03) // client_version TLS 1.2
	for i := 0; i < 32; i++ {
		body = append(body, byte(i*37+11)) // random
	}
	body = append(body, 0)                                              // session id
	body = append(body, 0x00, 0x06, 0xc0, 0x2f, 0xc0, 0x2b, 0x00, 0x9c) // 3 cipher suites
	body = append(body, 0x01, 0x00)                                     // null compression
	body = binary.BigEndian.AppendUint16(body, uint16(len(ext)))
	body = append(body, ext...)
	hs := []byte{0x01, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	hs = append(hs, body...)
	rec := []byte{0x16, 0x03, 0x01}
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(hs)))
	return append(rec, hs...)
}

func appendExt(b []byte, typ uint16, data []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...)
}

// port5020 writes modbus_port5020.pcap: a complete Modbus session on a
// non-standard server port.
func port5020(t *synth.Trace) {
	basicSession(t.NewConn(synth.L2{}, hmi, 50700, plc1, 5020, isnClient, isnServer), 1)
}
