package tls

import (
	"net/netip"
	"slices"
)

// Extension types decoded here (IANA TLS ExtensionType values).
const (
	extServerName          = 0
	extSupportedGroups     = 10
	extECPointFormats      = 11
	extSignatureAlgorithms = 13
	extALPN                = 16
	extSupportedVersions   = 43
	extKeyShare            = 51
)

// Bounds on what a hello keeps: lists are also bounded by the message
// (at most Options.MaxHandshake octets), these bound the strings.
const (
	maxALPN      = 32  // ALPN protocol names kept per ClientHello
	maxSNILen    = 253 // longest DNS name (RFC 1035 2.3.4)
	maxSessionID = 32  // RFC 5246 7.4.1.2
	helloRandom  = 32
)

// reader reads big-endian fields from a handshake message. A read past
// the end sets short and returns zero values; callers check short once
// per structure.
type reader struct {
	b     []byte
	short bool
}

func (c *reader) empty() bool { return len(c.b) == 0 }

func (c *reader) u8() uint8 {
	if len(c.b) < 1 {
		c.short, c.b = true, nil
		return 0
	}
	v := c.b[0]
	c.b = c.b[1:]
	return v
}

func (c *reader) u16() uint16 {
	if len(c.b) < 2 {
		c.short, c.b = true, nil
		return 0
	}
	v := uint16(c.b[0])<<8 | uint16(c.b[1])
	c.b = c.b[2:]
	return v
}

func (c *reader) u24() int {
	if len(c.b) < 3 {
		c.short, c.b = true, nil
		return 0
	}
	v := int(c.b[0])<<16 | int(c.b[1])<<8 | int(c.b[2])
	c.b = c.b[3:]
	return v
}

func (c *reader) bytes(n int) []byte {
	if n < 0 || len(c.b) < n {
		c.short, c.b = true, nil
		return nil
	}
	v := c.b[:n:n]
	c.b = c.b[n:]
	return v
}

func (c *reader) vec8() []byte  { return c.bytes(int(c.u8())) }
func (c *reader) vec16() []byte { return c.bytes(int(c.u16())) }
func (c *reader) vec24() []byte { return c.bytes(c.u24()) }

// appendU16s appends the big-endian uint16 values of b to dst; an odd
// length is reported as false (the last octet is ignored).
func appendU16s(dst []uint16, b []byte) ([]uint16, bool) {
	for i := 0; i+1 < len(b); i += 2 {
		dst = append(dst, uint16(b[i])<<8|uint16(b[i+1]))
	}
	return dst, len(b)%2 == 0
}

// u16List decodes a vector<2..2^16-2> of uint16 (supported_groups,
// signature_algorithms): the 2-octet length must equal the rest.
func u16List(dst []uint16, data []byte, f *findings) []uint16 {
	c := reader{b: data}
	v := c.vec16()
	if c.short || !c.empty() {
		f.Add(anInvalidHandshakeLength, "extension list length")
		return dst
	}
	dst, ok := appendU16s(dst, v)
	if !ok || len(v) == 0 {
		f.Add(anInvalidHandshake, "empty or odd uint16 list in extension")
	}
	return dst
}

// clientExtension decodes one ClientHello extension into r.
func (d *hsDecoder) clientExtension(typ uint16, data []byte, r *Record, f *findings) {
	switch typ {
	case extServerName:
		d.serverName(data, r, f)
	case extSupportedGroups:
		r.SupportedGroups = u16List(r.SupportedGroups, data, f)
	case extSignatureAlgorithms:
		r.SignatureAlgorithms = u16List(r.SignatureAlgorithms, data, f)
	case extECPointFormats:
		c := reader{b: data}
		v := c.vec8()
		if c.short || !c.empty() {
			f.Add(anInvalidHandshakeLength, "ec_point_formats length")
			return
		}
		if len(v) == 0 {
			f.Add(anInvalidHandshake, "empty ec_point_formats")
		}
		r.ECPointFormats = append(r.ECPointFormats, v...)
	case extALPN:
		d.alpnOffered(data, r, f)
	case extSupportedVersions:
		c := reader{b: data}
		v := c.vec8()
		if c.short || !c.empty() {
			f.Add(anInvalidHandshakeLength, "supported_versions length")
			return
		}
		if len(v) == 0 || len(v)%2 != 0 {
			f.Add(anInvalidHandshake, "empty or odd supported_versions")
		}
		for i := 0; i+1 < len(v); i += 2 {
			ver := uint16(v[i])<<8 | uint16(v[i+1])
			if isGREASE(ver) {
				continue
			}
			if !knownVersion(ver) {
				f.Add(anUnknownVersion, "supported_versions")
			}
			r.ClientVersions = append(r.ClientVersions, ver)
		}
	case extKeyShare:
		// KeyShareClientHello: client_shares<0..2^16-1> of {group, key<1..2^16-1>}.
		c := reader{b: data}
		shares := reader{b: c.vec16()}
		if c.short || !c.empty() {
			f.Add(anInvalidHandshakeLength, "key_share length")
			return
		}
		for !shares.empty() && !shares.short {
			shares.u16()
			shares.vec16()
		}
		if shares.short {
			f.Add(anInvalidHandshakeLength, "key_share entry length")
		}
	}
}

// serverName decodes server_name (RFC 6066 3): a ServerNameList of
// {name_type, HostName<1..2^16-1>}. The first host_name is kept.
func (d *hsDecoder) serverName(data []byte, r *Record, f *findings) {
	c := reader{b: data}
	list := reader{b: c.vec16()}
	if c.short || !c.empty() {
		f.Add(anInvalidHandshakeLength, "server_name list length")
		return
	}
	if list.empty() {
		f.Add(anInvalidSNI, "empty server_name list")
		return
	}
	hosts := 0
	for !list.empty() {
		nameType := list.u8()
		name := list.vec16()
		if list.short {
			f.Add(anInvalidHandshakeLength, "server_name entry length")
			return
		}
		if nameType != 0 { // only host_name (0) is defined
			continue
		}
		hosts++
		if hosts == 1 {
			if !validHostName(name) {
				f.Add(anInvalidSNI, "host_name empty, too long, not ASCII or an IP address")
			}
			r.SNI = d.strs.String(name)
		}
	}
	if hosts > 1 {
		f.Add(anMultipleSNI, "")
	}
}

// validHostName reports whether b is a plausible RFC 6066 HostName: 1 to
// 253 printable ASCII octets, not an IPv4 or IPv6 literal.
func validHostName(b []byte) bool {
	if len(b) == 0 || len(b) > maxSNILen {
		return false
	}
	digitsDots, colon := true, false
	for _, ch := range b {
		if ch <= 0x20 || ch >= 0x7f {
			return false
		}
		if ch == ':' {
			colon = true
		}
		if ch != '.' && (ch < '0' || ch > '9') {
			digitsDots = false
		}
	}
	if digitsDots || colon || b[0] == '[' {
		s := string(b)
		if len(s) > 1 && s[0] == '[' && s[len(s)-1] == ']' {
			s = s[1 : len(s)-1]
		}
		if _, err := netip.ParseAddr(s); err == nil {
			return false
		}
	}
	return true
}

// alpnOffered decodes application_layer_protocol_negotiation in a
// ClientHello (RFC 7301 3.1): ProtocolNameList<2..2^16-1> of
// ProtocolName<1..2^8-1>.
func (d *hsDecoder) alpnOffered(data []byte, r *Record, f *findings) {
	c := reader{b: data}
	list := reader{b: c.vec16()}
	if c.short || !c.empty() {
		f.Add(anInvalidHandshakeLength, "ALPN list length")
		return
	}
	if list.empty() {
		f.Add(anInvalidHandshake, "empty ALPN list")
	}
	for !list.empty() {
		p := list.vec8()
		if list.short {
			f.Add(anInvalidHandshakeLength, "ALPN protocol length")
			return
		}
		if len(p) == 0 {
			f.Add(anInvalidHandshake, "empty ALPN protocol name")
		}
		if len(r.ALPNOffered) < maxALPN {
			r.ALPNOffered = append(r.ALPNOffered, d.strs.String(p))
		}
	}
}

// serverExtension decodes one ServerHello extension into r.
func (d *hsDecoder) serverExtension(typ uint16, data []byte, hrr bool, r *Record, f *findings) {
	switch typ {
	case extSupportedVersions:
		c := reader{b: data}
		v := c.u16()
		if c.short || !c.empty() {
			f.Add(anInvalidHandshakeLength, "selected supported_version length")
			return
		}
		r.Version = v
	case extALPN:
		// The server selects exactly one name (RFC 7301 3.1).
		c := reader{b: data}
		list := reader{b: c.vec16()}
		p := list.vec8()
		if c.short || !c.empty() || list.short || !list.empty() {
			f.Add(anInvalidHandshakeLength, "selected ALPN length")
			return
		}
		if len(p) == 0 {
			f.Add(anInvalidHandshake, "empty selected ALPN")
		}
		r.ALPN = d.strs.String(p)
	case extKeyShare:
		// KeyShareServerHello: one {group, key}; in a HelloRetryRequest the
		// selected group only.
		c := reader{b: data}
		c.u16()
		if !hrr {
			c.vec16()
		}
		if c.short || !c.empty() {
			f.Add(anInvalidHandshakeLength, "key_share length")
		}
	}
}

// extensions walks an extensions block (vector<0..2^16-1> of {type,
// extension_data<0..2^16-1>}), appending the types to *types and handing
// each to fn. A repeated type raises tls.invalid_handshake_message (RFC
// 8446 4.2); it is still listed (fingerprints see what was sent) but not
// decoded again. Trailing bytes after the block, or an entry running past
// it, raise tls.invalid_handshake_length.
func (d *hsDecoder) extensions(c *reader, types *[]uint16, f *findings, fn func(typ uint16, data []byte)) {
	if c.empty() {
		return // extensions are optional before TLS 1.3
	}
	block := reader{b: c.vec16()}
	if c.short {
		f.Add(anInvalidHandshakeLength, "extensions length")
		return
	}
	if !c.empty() {
		f.Add(anInvalidHandshakeLength, "bytes after extensions")
	}
	start := len(*types)
	for !block.empty() {
		typ := block.u16()
		data := block.vec16()
		if block.short {
			f.Add(anInvalidHandshakeLength, "extension length")
			return
		}
		*types = append(*types, typ)
		if d.seenBefore((*types)[start:]) {
			f.Add(anInvalidHandshake, "duplicate extension")
			continue
		}
		fn(typ, data)
	}
}

// seenBefore reports whether the last element of types occurs earlier in
// it. Hellos have a few dozen extensions; from 64 on (crafted lists) a
// bitmap of the 65536 types, allocated once per decoder, keeps the check
// linear. The bitmap is cleared by the next call with a short list.
func (d *hsDecoder) seenBefore(types []uint16) bool {
	n := len(types) - 1
	last := types[n]
	if n < 64 {
		if d.dupDirty {
			clear(d.dupBits[:])
			d.dupDirty = false
		}
		return slices.Contains(types[:n], last)
	}
	if d.dupBits == nil {
		d.dupBits = new([1024]uint64)
	}
	if !d.dupDirty || n == 64 {
		clear(d.dupBits[:])
		for _, t := range types[:n] {
			d.dupBits[t>>6] |= 1 << (t & 63)
		}
		d.dupDirty = true
	}
	w, bit := last>>6, uint64(1)<<(last&63)
	found := d.dupBits[w]&bit != 0
	d.dupBits[w] |= bit
	return found
}
