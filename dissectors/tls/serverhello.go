package tls

import (
	"bytes"
	"slices"
)

// hrrRandom is the Random of a HelloRetryRequest: SHA-256 of
// "HelloRetryRequest" (RFC 8446 4.1.3).
var hrrRandom = [helloRandom]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// serverHello decodes a ServerHello or HelloRetryRequest (RFC 8446 4.1.3,
// RFC 5246 7.4.1.3): legacy_version, random, legacy_session_id_echo,
// cipher_suite, legacy_compression_method, extensions. A
// HelloRetryRequest sets HelloRetryRequest; the ServerHello that follows
// it overwrites the other fields and leaves that flag set.
func (d *hsDecoder) serverHello(body []byte, r *Record, f *findings) {
	c := reader{b: body}
	ver := c.u16()
	random := c.bytes(helloRandom)
	// TLS 1.3 drafts up to 21 put the draft version here and had neither
	// legacy_session_id_echo nor legacy_compression_method.
	oldDraft := isDraft13(ver) && ver&0xff <= 21
	var sid []byte
	if !oldDraft {
		sid = c.vec8()
	}
	suite := c.u16()
	if !oldDraft {
		c.u8() // compression method
	}
	if c.short {
		f.Add(anInvalidHandshakeLength, "ServerHello fields run past its end")
		return
	}
	hrr := bytes.Equal(random, hrrRandom[:])
	if r.HasServerHello && !d.hrrPending {
		f.Add(anInvalidHandshake, "second ServerHello")
		return
	}
	d.hrrPending = hrr
	r.HasServerHello = true
	if hrr {
		r.HelloRetryRequest = true
	}
	if len(sid) > maxSessionID {
		f.Add(anInvalidHandshake, "ServerHello session id longer than 32")
	}
	r.ServerVersion, r.Version, r.CipherSuite, r.ALPN = ver, ver, suite, ""
	r.ServerExtensions = r.ServerExtensions[:0]
	d.extensions(&c, &r.ServerExtensions, f, func(typ uint16, data []byte) {
		d.serverExtension(typ, data, hrr, r, f)
	})
	if !knownVersion(ver) || (isDraft13(ver) && !oldDraft) {
		f.Add(anUnknownVersion, "ServerHello legacy_version")
	} else if !knownVersion(r.Version) {
		f.Add(anUnknownVersion, "ServerHello supported_versions")
	} else if r.HasClientHello && !d.offered(r.Version, r) {
		f.Add(anUnknownVersion, "negotiated version not offered by the client")
	}
	d.serverFingerprint(r)
}

// offered reports whether the client offered version v: listed in its
// supported_versions, or (without that extension) not above its
// legacy_version. An SSLv2-compatible hello offers its version and below.
func (d *hsDecoder) offered(v uint16, r *Record) bool {
	if len(r.ClientVersions) > 0 {
		return slices.Contains(r.ClientVersions, v)
	}
	return v <= r.ClientVersion || (r.ClientVersion == VersionSSL20 && v == VersionSSL30)
}
