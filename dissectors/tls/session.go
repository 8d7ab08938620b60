package tls

import "github.com/otsensor/otsensor/dissectors"

// message passes one complete handshake message in clear to the decoder
// and decides when the handshake Record is emitted:
//   - a ClientHello or ServerHello after the Record was emitted starts a
//     new Record (renegotiation in clear, or a new handshake seen from the
//     server's side only);
//   - a TLS 1.3 ServerHello (not a HelloRetryRequest) ends the visible
//     handshake: both directions are encrypted after it;
//   - ServerHelloDone ends it for TLS <= 1.2, unless the server sent a
//     CertificateRequest: then the client's ClientKeyExchange does (its
//     Certificate comes first), so that the Record holds the client's
//     certificates.
//
// The decoder's findings are emitted right after the message, after the
// Record when the message completed it.
func (p *Parser) message(dir dissectors.Direction, typ uint8, body []byte, out dissectors.Emitter) {
	if p.msgHook != nil {
		p.msgHook(dir, typ, body)
	}
	p.lastDir = dir
	server := dir == dissectors.ToClient
	switch {
	case typ == hsClientHello && !server, typ == hsServerHello && server:
		if p.emitted {
			p.newHandshake()
		}
		p.pending = true
	case !p.emitted:
		p.pending = true // e.g. a Certificate of a capture that starts after the hellos
	}
	p.hs.message(dir, typ, body, &p.rec, &p.f)
	switch {
	case typ == hsServerHello && server:
		if p.rec.HasServerHello && !p.hs.helloRetryPending() && !p.realSH {
			p.realSH = true
			if is13(p.rec.Version) {
				p.tls13 = true
				p.setEncrypted(0)
				p.setEncrypted(1)
				p.emitPending(out)
			}
		}
	case typ == hsCertificateRequest && server:
		p.certReq = true
	case typ == hsServerHelloDone && server && !p.certReq,
		typ == hsClientKeyExchange && !server:
		p.emitPending(out)
	}
	p.flush(out)
}

// sslv2Hello decodes an SSLv2-compatible ClientHello (body after the
// 2-octet record header).
func (p *Parser) sslv2Hello(dir dissectors.Direction, body []byte, out dissectors.Emitter) {
	if p.msgHook != nil {
		p.msgHook(dir, hsClientHello, body)
	}
	p.lastDir = dir
	if p.emitted {
		p.newHandshake()
	}
	p.pending, p.sslv2 = true, true
	p.hs.sslv2ClientHello(body, &p.rec, &p.f)
	p.flush(out)
}

// emitPending emits the handshake Record if one is pending.
func (p *Parser) emitPending(out dissectors.Emitter) {
	if !p.pending {
		return
	}
	p.pending, p.emitted = false, true
	p.ev.Record, p.ev.Anomaly = &p.rec, nil
	out.Emit(&p.ev)
}

// newHandshake starts a new Record for the connection's next handshake.
func (p *Parser) newHandshake() {
	p.hs.reset(&p.rec)
	p.pending, p.emitted, p.realSH, p.certReq = false, false, false, false
}
