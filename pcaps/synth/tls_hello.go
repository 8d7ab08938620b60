package synth

// TLS extension types (IANA "TLS ExtensionType Values"; RFC 6066, 8422,
// 7301, 6520, 7685, 8446).
const (
	TLSExtServerName          uint16 = 0
	TLSExtStatusRequest       uint16 = 5
	TLSExtSupportedGroups     uint16 = 10
	TLSExtECPointFormats      uint16 = 11
	TLSExtSignatureAlgorithms uint16 = 13
	TLSExtHeartbeat           uint16 = 15
	TLSExtALPN                uint16 = 16
	TLSExtPadding             uint16 = 21
	TLSExtExtendedMasterSec   uint16 = 23
	TLSExtSessionTicket       uint16 = 35
	TLSExtSupportedVersions   uint16 = 43
	TLSExtPSKModes            uint16 = 45
	TLSExtKeyShare            uint16 = 51
	TLSExtRenegotiationInfo   uint16 = 0xff01
)

// Named groups (RFC 8422, 7919, 8446).
const (
	TLSGroupSecp256r1 uint16 = 23
	TLSGroupSecp384r1 uint16 = 24
	TLSGroupX25519    uint16 = 29
)

// Some cipher suites (IANA "TLS Cipher Suites").
const (
	TLSRSAWithAES128CBCSHA         uint16 = 0x002f
	TLSRSAWithAES256CBCSHA         uint16 = 0x0035
	TLSRSAWithAES128GCMSHA256      uint16 = 0x009c
	TLSECDHERSAWithAES128CBCSHA    uint16 = 0xc013
	TLSECDHEECDSAWithAES128GCM     uint16 = 0xc02b
	TLSECDHERSAWithAES128GCM       uint16 = 0xc02f
	TLSECDHERSAWithAES256GCM       uint16 = 0xc030
	TLSECDHERSAWithChaCha20        uint16 = 0xcca8
	TLSAES128GCMSHA256             uint16 = 0x1301
	TLSAES256GCMSHA384             uint16 = 0x1302
	TLSEmptyRenegotiationInfoSCSV  uint16 = 0x00ff
	TLSSigECDSASecp256r1SHA256     uint16 = 0x0403
	TLSSigRSAPSSRSAESHA256         uint16 = 0x0804
	TLSSigRSAPKCS1SHA256           uint16 = 0x0401
	TLSSigRSAPKCS1SHA1             uint16 = 0x0201
	TLSSigECDSASHA1                uint16 = 0x0203
	TLSSigECDSASecp384r1SHA384     uint16 = 0x0503
	TLSSigRSAPSSRSAESHA384         uint16 = 0x0805
	TLSSigRSAPKCS1SHA384           uint16 = 0x0501
	TLSPointFormatUncompressed     byte   = 0
	TLSHeartbeatPeerAllowedToSend  byte   = 1
	TLSHeartbeatPeerNotAllowedSend byte   = 2
)

// TLSGrease returns GREASE value i (0-15) of RFC 8701: 0x0a0a, 0x1a1a,
// ..., 0xfafa, reserved for cipher suites, extensions, groups and
// versions so that receivers learn to ignore unknown values.
func TLSGrease(i int) uint16 {
	b := uint16(i&15)<<4 | 0x0a
	return b<<8 | b
}

// TLSExtension is one hello extension: type and data as sent.
type TLSExtension struct {
	Type uint16
	Data []byte
}

// AppendTLSExtensions appends an extensions block: two-octet total
// length, then type, length and data of each.
func AppendTLSExtensions(dst []byte, exts []TLSExtension) []byte {
	n := 0
	for _, e := range exts {
		n += 4 + len(e.Data)
	}
	dst = appendU16(dst, uint16(n))
	for _, e := range exts {
		dst = appendU16(appendU16(dst, e.Type), uint16(len(e.Data)))
		dst = append(dst, e.Data...)
	}
	return dst
}

// TLSServerNameEntry is one entry of a server_name list: name type (0 is
// host_name) and the name's octets as sent (not checked: IP literals and
// non-ASCII go out as given).
type TLSServerNameEntry struct {
	Type byte
	Name string
}

// TLSSNI returns server_name extension data (RFC 6066 3) with one
// host_name entry per name.
func TLSSNI(names ...string) []byte {
	es := make([]TLSServerNameEntry, len(names))
	for i, n := range names {
		es[i] = TLSServerNameEntry{Name: n}
	}
	return TLSServerNames(es...)
}

// TLSServerNames returns server_name extension data with arbitrary
// entries.
func TLSServerNames(entries ...TLSServerNameEntry) []byte {
	var l []byte
	for _, e := range entries {
		l = appendU16(append(l, e.Type), uint16(len(e.Name)))
		l = append(l, e.Name...)
	}
	return append(appendU16(nil, uint16(len(l))), l...)
}

// TLSU16List returns a list of 16-bit values with a two-octet length in
// octets: supported_groups, signature_algorithms.
func TLSU16List(vs ...uint16) []byte {
	b := appendU16(nil, uint16(2*len(vs)))
	for _, v := range vs {
		b = appendU16(b, v)
	}
	return b
}

// TLSClientVersions returns a ClientHello's supported_versions data (RFC
// 8446 4.2.1): a one-octet length, then the versions.
func TLSClientVersions(vs ...uint16) []byte {
	b := []byte{byte(2 * len(vs))}
	for _, v := range vs {
		b = appendU16(b, v)
	}
	return b
}

// TLSPointFormats returns ec_point_formats data (RFC 8422 5.1.2).
func TLSPointFormats(fs ...byte) []byte { return append([]byte{byte(len(fs))}, fs...) }

// TLSALPN returns application_layer_protocol_negotiation data (RFC 7301
// 3.1): a two-octet list length, then each protocol with a one-octet
// length.
func TLSALPN(protos ...string) []byte {
	var l []byte
	for _, p := range protos {
		l = append(append(l, byte(len(p))), p...)
	}
	return append(appendU16(nil, uint16(len(l))), l...)
}

// TLSKeyShares returns a ClientHello's key_share data (RFC 8446 4.2.8):
// a two-octet length, then group, key length and key of each share.
func TLSKeyShares(shares ...TLSExtension) []byte {
	var l []byte
	for _, s := range shares {
		l = appendU16(appendU16(l, s.Type), uint16(len(s.Data)))
		l = append(l, s.Data...)
	}
	return append(appendU16(nil, uint16(len(l))), l...)
}

// TLSClientHelloMsg is a ClientHello (RFC 5246 7.4.1.2, RFC 8446 4.1.2).
type TLSClientHelloMsg struct {
	Version      uint16 // legacy_version / client_version
	Random       [32]byte
	SessionID    []byte
	CipherSuites []uint16
	Compression  []byte // nil means {0} (null)
	// Extensions are written in order; NoExtensions omits the block
	// entirely (an SSL 3.0-style hello).
	Extensions   []TLSExtension
	NoExtensions bool
}

// Body appends the ClientHello body (no handshake header).
func (h TLSClientHelloMsg) Body(dst []byte) []byte {
	dst = appendU16(dst, h.Version)
	dst = append(dst, h.Random[:]...)
	dst = append(append(dst, byte(len(h.SessionID))), h.SessionID...)
	dst = appendU16(dst, uint16(2*len(h.CipherSuites)))
	for _, c := range h.CipherSuites {
		dst = appendU16(dst, c)
	}
	comp := h.Compression
	if comp == nil {
		comp = []byte{0}
	}
	dst = append(append(dst, byte(len(comp))), comp...)
	if h.NoExtensions {
		return dst
	}
	return AppendTLSExtensions(dst, h.Extensions)
}

// Append appends the ClientHello handshake message.
func (h TLSClientHelloMsg) Append(dst []byte) []byte {
	return AppendTLSHandshake(dst, TLSClientHello, h.Body(nil))
}

// TLSServerHelloMsg is a ServerHello (RFC 5246 7.4.1.3, RFC 8446 4.1.3).
type TLSServerHelloMsg struct {
	Version      uint16
	Random       [32]byte
	SessionID    []byte
	CipherSuite  uint16
	Compression  byte
	Extensions   []TLSExtension
	NoExtensions bool
}

// Append appends the ServerHello handshake message.
func (h TLSServerHelloMsg) Append(dst []byte) []byte {
	b := appendU16(nil, h.Version)
	b = append(b, h.Random[:]...)
	b = append(append(b, byte(len(h.SessionID))), h.SessionID...)
	b = append(appendU16(b, h.CipherSuite), h.Compression)
	if !h.NoExtensions {
		b = AppendTLSExtensions(b, h.Extensions)
	}
	return AppendTLSHandshake(dst, TLSServerHello, b)
}

// TLSRandom returns 32 deterministic octets derived from seed, for hello
// randoms and session ids.
func TLSRandom(seed byte) [32]byte {
	var r [32]byte
	copy(r[:], TLSFiller(seed^0x5a, 32))
	return r
}

// AppendSSLv2ClientHello appends an SSL 2.0-compatible ClientHello (RFC
// 5246 appendix E.2, RFC 6101 appendix E): a two-octet record length with
// the high bit set, msg_type 1, version, the lengths of the cipher specs
// (three octets each), session id and challenge, then those fields.
func AppendSSLv2ClientHello(dst []byte, version uint16, specs []uint32, sessionID, challenge []byte) []byte {
	n := 9 + 3*len(specs) + len(sessionID) + len(challenge)
	dst = appendU16(dst, 0x8000|uint16(n))
	dst = appendU16(append(dst, 1), version)
	dst = appendU16(dst, uint16(3*len(specs)))
	dst = appendU16(dst, uint16(len(sessionID)))
	dst = appendU16(dst, uint16(len(challenge)))
	for _, s := range specs {
		dst = appendU24(dst, int(s))
	}
	return append(append(dst, sessionID...), challenge...)
}
