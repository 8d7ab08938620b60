package main

import (
	"github.com/otsensor/otsensor/pcaps/synth"
)

// tlsMalformed writes tls_malformed.pcap: one TCP connection per defect
// from the HMI 192.168.40.50 to the PLC's TCP 443 (unless said), each
// opened with a handshake (3 packets). A complete TLS 1.2 session after
// the ClientHello is 9 packets (tlsSess.rest), so a session whose only
// defect is in its ClientHello or the server's flight is 3+1+9 = 13.
// Packets per connection:
//
//   - a valid handshake (7), then an application data record of
//     2^14+2049 octets (18438 on the wire in 13 segments), a fatal
//     record_overflow alert (encrypted) and the server's close (4): 24;
//   - ClientHello, the server's flight, a record of content type 99, a
//     fatal unexpected_message alert in clear and close: 3+1+1+1+4 = 10;
//   - the ClientHello in a record of version 0x0305, then a normal
//     session: 13;
//   - a ClientHello whose header claims 1000 octets while its record
//     ends after the 271 of a real body, then an application data
//     record, a fatal
//     unexpected_message alert and close: 3+1+1+4 = 9;
//   - a ClientHello of 100 KiB (102400 octets of body: 20000 cipher
//     suites and a padding extension) in 7 records and 71 segments, then
//     a normal ServerHello and session: 3+71+9 = 83;
//   - two host_name entries in server_name: 13;
//   - an IP literal as host_name: 13;
//   - a non-ASCII host_name (UTF-8 "plc1.plänt.local"): 13;
//   - a ClientHello with supported_groups twice, refused with a fatal
//     illegal_parameter alert and close: 3+1+4 = 8;
//   - heartbeat offered by both, a heartbeat request in clear claiming
//     4096 octets of payload while carrying 3, the server's response
//     with 4096 (4120 octets in 3 segments), then the session: 3+1+1+1+3+1+1+2+4
//     = 17;
//   - a Certificate message whose first certificate is garbage (a DER
//     SEQUENCE header followed by filler) and whose second is valid: 13;
//   - an SSLv2-compatible ClientHello (TLS 1.0, SSL 2.0 and TLS cipher
//     specs), answered in TLS 1.0 with RSA key exchange: 13;
//   - a ClientHello in 3 records sent in 4 segments (cut inside the first
//     and second record headers and inside the third record): 3+4+9 = 16;
//   - a complete session on TCP 8443, found by content: 13;
//   - HTTP on TCP 443 (GET, response, close): 3+1+1+3 = 8;
//   - a session already established when the capture starts (no SYN, no
//     handshake) from 192.168.40.51: two application data exchanges and
//     the close: 4+4 = 8.
//
// 274 in all.
func tlsMalformed(t *synth.Trace) {
	cert, err := tlsPLCCert()
	if err != nil {
		t.Fail(err)
		return
	}
	cport := uint16(50800)
	isn := uint32(0x41000001)
	seed := byte(0)
	conn := func(sport uint16, body func(s *tlsSess)) {
		c := t.NewConn(synth.L2{}, tlsHMI, cport, tlsPLC, sport, isn, isn^0x5a5a5a5a)
		cport++
		isn += 0x01000000
		seed += 16
		c.Handshake()
		t.Advance(2 * ms)
		body(&tlsSess{c: c, t: t, v: synth.TLS12, seed: seed})
		t.Advance(50 * ms)
	}
	sni := synth.TLSSNI(tlsSNI)
	const v12 = synth.TLS12

	// A record longer than any TLSCiphertext may be (2^14+2048).
	conn(443, func(s *tlsSess) {
		s.hello(tlsStdHello(s.seed, sni), synth.TLS10)
		s.flight(tlsStdServerHello(s.seed), cert)
		s.clientFinish()
		s.serverFinish()
		rec := synth.AppendTLSRecord(nil, synth.TLSApplicationData, v12, synth.TLSFiller(s.seed, 1<<14+2049))
		s.c.SendSplit(synth.ToServer, rec, segmentCuts(len(rec), 1460)...)
		s.t.Advance(2 * ms)
		s.down(synth.AppendTLSRecord(nil, synth.TLSAlert, v12, synth.TLSFiller(s.seed+1, 26)))
		s.c.Close(synth.ToClient)
	})
	// Content type 99 after the server's flight.
	conn(443, func(s *tlsSess) {
		s.hello(tlsStdHello(s.seed, sni), synth.TLS10)
		s.flight(tlsStdServerHello(s.seed), cert)
		s.up(synth.AppendTLSRecord(nil, 99, v12, synth.TLSFiller(s.seed, 8)))
		s.fatal(synth.TLSUnexpectedMessage)
	})
	// Record version 0x0305 (no such version) on the ClientHello; the
	// server ignores it.
	conn(443, func(s *tlsSess) {
		s.hello(tlsStdHello(s.seed, sni), 0x0305)
		s.rest(tlsStdServerHello(s.seed), cert)
	})
	// A handshake message longer than its records: the header says 1000,
	// the record ends after the real body, and application data follows.
	conn(443, func(s *tlsSess) {
		body := tlsStdHello(s.seed, sni).Body(nil)
		hs := append(synth.AppendTLSHandshakeHeader(nil, synth.TLSClientHello, 1000), body...)
		s.up(synth.AppendTLSRecord(nil, synth.TLSHandshake, synth.TLS10, hs))
		s.up(synth.AppendTLSRecord(nil, synth.TLSApplicationData, v12, synth.TLSFiller(s.seed, 32)))
		s.fatal(synth.TLSUnexpectedMessage)
	})
	// A 100 KiB ClientHello, then a normal ServerHello and session.
	conn(443, func(s *tlsSess) {
		ch := tlsBigHello(s.seed, 100*1024)
		stream := synth.AppendTLSRecords(nil, synth.TLSHandshake, synth.TLS10, ch.Append(nil), 0)
		s.c.SendSplit(synth.ToServer, stream, segmentCuts(len(stream), 1460)...)
		s.t.Advance(5 * ms)
		s.rest(tlsStdServerHello(s.seed), cert)
	})
	// Two host_name entries (RFC 6066 3 allows one per name type).
	conn(443, func(s *tlsSess) {
		s.hello(tlsStdHello(s.seed, synth.TLSSNI(tlsSNI, tlsSNI2)), synth.TLS10)
		s.rest(tlsStdServerHello(s.seed), cert)
	})
	// An IPv4 literal as host_name (RFC 6066 3: not permitted).
	conn(443, func(s *tlsSess) {
		s.hello(tlsStdHello(s.seed, synth.TLSSNI("192.168.40.10")), synth.TLS10)
		s.rest(tlsStdServerHello(s.seed), cert)
	})
	// A host_name that is not ASCII (RFC 6066 3: ASCII, A-labels).
	conn(443, func(s *tlsSess) {
		s.hello(tlsStdHello(s.seed, synth.TLSSNI("plc1.pl\u00e4nt.local")), synth.TLS10)
		s.rest(tlsStdServerHello(s.seed), cert)
	})
	// An extension twice in one ClientHello (RFC 8446 4.2: the server
	// aborts with illegal_parameter).
	conn(443, func(s *tlsSess) {
		ch := tlsStdHello(s.seed, sni)
		for _, e := range ch.Extensions {
			if e.Type == synth.TLSExtSupportedGroups {
				ch.Extensions = append(ch.Extensions, e)
				break
			}
		}
		s.hello(ch, synth.TLS10)
		s.fatal(synth.TLSIllegalParameter)
	})
	// Heartbeat (RFC 6520): a request claiming more than it carries, as
	// in CVE-2014-0160, and the response leaking 4096 octets.
	conn(443, func(s *tlsSess) {
		ch := tlsStdHello(s.seed, sni)
		ch.Extensions = append(ch.Extensions, synth.TLSExtension{Type: synth.TLSExtHeartbeat, Data: []byte{synth.TLSHeartbeatPeerAllowedToSend}})
		s.hello(ch, synth.TLS10)
		s.flight(tlsStdServerHello(s.seed, synth.TLSExtension{Type: synth.TLSExtHeartbeat, Data: []byte{synth.TLSHeartbeatPeerAllowedToSend}}), cert)
		s.up(synth.AppendTLSHeartbeat(nil, v12, synth.TLSHeartbeatRequest, 4096, []byte("hb!"), make([]byte, 16)))
		resp := synth.AppendTLSHeartbeat(nil, v12, synth.TLSHeartbeatResponse, 4096, synth.TLSFiller(s.seed, 4096), make([]byte, 16))
		s.c.SendSplit(synth.ToClient, resp, segmentCuts(len(resp), 1460)...)
		s.t.Advance(2 * ms)
		s.clientFinish()
		s.serverFinish()
		s.app(120, 480)
		s.bye()
	})
	// A certificate chain whose first entry is not DER.
	conn(443, func(s *tlsSess) {
		s.hello(tlsStdHello(s.seed, sni), synth.TLS10)
		garbage := append([]byte{0x30, 0x82, 0x01, 0x28, 0x30, 0x82, 0x7f, 0xff}, synth.TLSFiller(s.seed, 288)...)
		s.rest(tlsStdServerHello(s.seed), garbage, cert)
	})
	// An SSL 2.0-compatible ClientHello offering TLS 1.0: SSL2 RC4-MD5
	// and DES-CBC3-MD5 specs, TLS RSA AES-128/256-CBC-SHA,
	// 3DES-EDE-CBC-SHA and the renegotiation SCSV; a 16-octet challenge.
	conn(443, func(s *tlsSess) {
		s.v, s.rsa = synth.TLS10, true
		specs := []uint32{0x010080, 0x0700c0, 0x00002f, 0x000035, 0x00000a, 0x0000ff}
		s.up(synth.AppendSSLv2ClientHello(nil, synth.TLS10, specs, nil, synth.TLSFiller(s.seed, 16)))
		sh := synth.TLSServerHelloMsg{Version: synth.TLS10, Random: synth.TLSRandom(s.seed), CipherSuite: synth.TLSRSAWithAES128CBCSHA,
			SessionID: synth.TLSFiller(s.seed+1, 32), Extensions: []synth.TLSExtension{{Type: synth.TLSExtRenegotiationInfo, Data: []byte{0}}}}
		s.rest(sh, cert)
	})
	// A ClientHello in three records and four segments.
	conn(443, func(s *tlsSess) {
		hs := tlsStdHello(s.seed, sni).Append(nil)
		third := (len(hs) + 2) / 3
		stream := synth.AppendTLSRecords(nil, synth.TLSHandshake, synth.TLS10, hs, third)
		r2 := 5 + third // second record header
		s.c.SendSplit(synth.ToServer, stream, 3, r2+2, 2*r2+third/2)
		s.t.Advance(2 * ms)
		s.rest(tlsStdServerHello(s.seed), cert)
	})
	// TLS on 8443, which no dissector claims: found by content.
	conn(8443, func(s *tlsSess) {
		s.hello(tlsStdHello(s.seed, sni), synth.TLS10)
		s.rest(tlsStdServerHello(s.seed), cert)
	})
	// HTTP on 443: not TLS.
	conn(443, func(s *tlsSess) {
		s.up(synth.AppendHTTPRequest(nil, tlsSNI, "/status?page=", 1))
		body := []byte(`{"status":"running"}`)
		s.down(append(synth.AppendHTTPResponseHeader(nil, len(body)), body...))
		s.c.Close(synth.ToClient)
	})
	// A session established before the capture started.
	c := t.NewConn(synth.L2{}, tlsHMI2, 49200, tlsPLC, 443, 0x7c000001, 0x7d000001)
	s := &tlsSess{c: c, t: t, v: v12, seed: 0xf0}
	s.app(90, 300)
	s.app(90, 1200)
	s.bye()
}

// segmentCuts returns the cut offsets that split n octets into segments
// of at most mss.
func segmentCuts(n, mss int) []int {
	var cuts []int
	for off := mss; off < n; off += mss {
		cuts = append(cuts, off)
	}
	return cuts
}

// tlsBigHello returns a structurally valid ClientHello whose body is
// exactly size octets (at least 40200): 20000 cipher suites (the real
// ones repeated), and server_name and a padding extension (RFC 7685)
// filling the rest.
func tlsBigHello(seed byte, size int) synth.TLSClientHelloMsg {
	base := tlsStdHello(seed, nil).CipherSuites
	suites := make([]uint16, 20000)
	for i := range suites {
		suites[i] = base[i%len(base)]
	}
	h := synth.TLSClientHelloMsg{Version: synth.TLS12, Random: synth.TLSRandom(seed), CipherSuites: suites,
		Extensions: []synth.TLSExtension{{Type: synth.TLSExtServerName, Data: synth.TLSSNI(tlsSNI)}, {Type: synth.TLSExtPadding}}}
	pad := size - len(h.Body(nil))
	h.Extensions[1].Data = make([]byte, pad)
	return h
}
