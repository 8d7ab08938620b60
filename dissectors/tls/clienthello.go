package tls

// clientHello decodes a ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2):
// legacy_version, random, legacy_session_id<0..32>, cipher_suites<2..2^16-2>,
// legacy_compression_methods<1..2^8-1>, extensions<0..2^16-1>. The
// fields decoded before an error are kept.
func (d *hsDecoder) clientHello(body []byte, r *Record, f *findings) {
	c := reader{b: body}
	ver := c.u16()
	c.bytes(helloRandom)
	sid := c.vec8()
	suites := c.vec16()
	comp := c.vec8()
	if c.short {
		f.Add(anInvalidHandshakeLength, "ClientHello fields run past its end")
		return
	}
	r.HasClientHello = true
	r.ClientVersion = ver
	if !knownVersion(ver) || isDraft13(ver) {
		f.Add(anUnknownVersion, "ClientHello legacy_version")
	}
	if len(sid) > maxSessionID {
		f.Add(anInvalidHandshake, "ClientHello session id longer than 32")
	}
	var ok bool
	if r.ClientCipherSuites, ok = appendU16s(r.ClientCipherSuites, suites); !ok || len(suites) == 0 {
		f.Add(anInvalidHandshake, "ClientHello cipher_suites empty or odd")
	}
	if len(comp) == 0 {
		f.Add(anInvalidHandshake, "ClientHello without compression methods")
	}
	d.extensions(&c, &r.ClientExtensions, f, func(typ uint16, data []byte) {
		d.clientExtension(typ, data, r, f)
	})
	d.clientFingerprints(r)
}

// sslv2Hello decodes an SSLv2-compatible ClientHello (RFC 5246 E.2,
// SSL 2.0 CLIENT-HELLO): msg_type (1), version, cipher_spec_length,
// session_id_length, challenge_length, cipher_specs (3 octets each),
// session_id, challenge. Cipher specs whose first octet is 0 are TLS
// cipher suites and go to ClientCipherSuites; the others are SSL 2.0
// kinds, counted in no list.
func (d *hsDecoder) sslv2Hello(body []byte, r *Record, f *findings) {
	c := reader{b: body}
	typ := c.u8()
	ver := c.u16()
	specLen := int(c.u16())
	sidLen := int(c.u16())
	chLen := int(c.u16())
	specs := c.bytes(specLen)
	c.bytes(sidLen)
	c.bytes(chLen)
	if c.short {
		f.Add(anInvalidHandshakeLength, "SSLv2 ClientHello fields run past its end")
		return
	}
	if typ != hsClientHello {
		f.Add(anInvalidHandshake, "SSLv2 record is not a CLIENT-HELLO")
		return
	}
	r.SSLv2ClientHello, r.HasClientHello = true, true
	r.ClientVersion = ver
	if ver != VersionSSL20 && !(ver >= VersionSSL30 && ver <= VersionTLS12) {
		f.Add(anUnknownVersion, "SSLv2 ClientHello version")
	}
	if !c.empty() {
		f.Add(anInvalidHandshakeLength, "bytes after SSLv2 ClientHello")
	}
	if specLen == 0 || specLen%3 != 0 || (sidLen != 0 && sidLen != 16) || chLen < 16 || chLen > 32 {
		f.Add(anInvalidHandshake, "SSLv2 ClientHello cipher specs, session id or challenge length")
	}
	for i := 0; i+2 < len(specs); i += 3 {
		if specs[i] == 0 {
			r.ClientCipherSuites = append(r.ClientCipherSuites, uint16(specs[i+1])<<8|uint16(specs[i+2]))
		}
	}
	d.clientFingerprints(r)
}
