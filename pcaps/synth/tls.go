package synth

// TLS records and handshake messages (SSL 3.0, TLS 1.0-1.3: RFC 6101,
// 2246, 4346, 5246, 8446), encoded from the RFCs, independently of
// dissectors/tls. The builders append to dst and return the extended
// slice. Nothing is validated: a caller may choose any content type,
// version or length, which is what malformed captures need. Nothing is
// encrypted either: "encrypted" records are filler octets.

// TLS record content types (RFC 5246 6.2.1, RFC 6520 for heartbeat).
const (
	TLSChangeCipherSpec = 20
	TLSAlert            = 21
	TLSHandshake        = 22
	TLSApplicationData  = 23
	TLSHeartbeat        = 24
)

// Protocol versions as they appear in records and hellos.
const (
	SSL30 uint16 = 0x0300
	TLS10 uint16 = 0x0301
	TLS11 uint16 = 0x0302
	TLS12 uint16 = 0x0303
	TLS13 uint16 = 0x0304
)

// Handshake message types (RFC 5246 7.4, RFC 8446 4).
const (
	TLSHelloRequest       = 0
	TLSClientHello        = 1
	TLSServerHello        = 2
	TLSNewSessionTicket   = 4
	TLSEncryptedExts      = 8
	TLSCertificate        = 11
	TLSServerKeyExchange  = 12
	TLSCertificateRequest = 13
	TLSServerHelloDone    = 14
	TLSCertificateVerify  = 15
	TLSClientKeyExchange  = 16
	TLSFinished           = 20
)

// Alert levels and some descriptions (RFC 5246 7.2, RFC 8446 6).
const (
	TLSWarning = 1
	TLSFatal   = 2

	TLSCloseNotify       = 0
	TLSUnexpectedMessage = 10
	TLSBadRecordMAC      = 20
	TLSRecordOverflow    = 22
	TLSHandshakeFailure  = 40
	TLSIllegalParameter  = 47
	TLSBadCertificate    = 42
	TLSCertificateExpire = 45
	TLSUnknownCA         = 48
	TLSDecodeError       = 50
	TLSProtocolVersion   = 70
	TLSInternalError     = 80
	TLSUnrecognizedName  = 112
)

// TLSMaxPlaintext is the largest TLSPlaintext.length (2^14); a
// TLSCiphertext may be 2048 octets longer (RFC 5246 6.2.3).
const TLSMaxPlaintext = 1 << 14

// AppendTLSRecordHeader appends a record header: content type, version
// and length, which need not match what follows (only its low 16 bits
// are written).
func AppendTLSRecordHeader(dst []byte, typ byte, version uint16, length int) []byte {
	return appendU16(appendU16(append(dst, typ), version), uint16(length))
}

// AppendTLSRecord appends one record carrying payload, whatever its size.
func AppendTLSRecord(dst []byte, typ byte, version uint16, payload []byte) []byte {
	return append(AppendTLSRecordHeader(dst, typ, version, len(payload)), payload...)
}

// AppendTLSRecords appends payload as records of typ carrying at most max
// octets each (max <= 0 means TLSMaxPlaintext), as a sender fragments a
// message longer than a record (RFC 5246 6.2.1).
func AppendTLSRecords(dst []byte, typ byte, version uint16, payload []byte, max int) []byte {
	if max <= 0 {
		max = TLSMaxPlaintext
	}
	for len(payload) > max {
		dst = AppendTLSRecord(dst, typ, version, payload[:max])
		payload = payload[max:]
	}
	return AppendTLSRecord(dst, typ, version, payload)
}

// AppendTLSHandshakeHeader appends a handshake message header: type and
// a 24-bit length (any value).
func AppendTLSHandshakeHeader(dst []byte, typ byte, length int) []byte {
	return append(dst, typ, byte(length>>16), byte(length>>8), byte(length))
}

// AppendTLSHandshake appends a handshake message: header and body.
func AppendTLSHandshake(dst []byte, typ byte, body []byte) []byte {
	return append(AppendTLSHandshakeHeader(dst, typ, len(body)), body...)
}

// AppendTLSAlert appends an alert record in clear.
func AppendTLSAlert(dst []byte, version uint16, level, description byte) []byte {
	return AppendTLSRecord(dst, TLSAlert, version, []byte{level, description})
}

// AppendTLSChangeCipherSpec appends a ChangeCipherSpec record (one octet,
// 1).
func AppendTLSChangeCipherSpec(dst []byte, version uint16) []byte {
	return AppendTLSRecord(dst, TLSChangeCipherSpec, version, []byte{1})
}

// TLSFiller returns n octets that stand for ciphertext: a deterministic
// sequence derived from seed (not encryption of anything).
func TLSFiller(seed byte, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 12345
	for i := range b {
		x = x*1103515245 + 12345
		b[i] = byte(x >> 16)
	}
	return b
}

// Heartbeat message types (RFC 6520 3).
const (
	TLSHeartbeatRequest  = 1
	TLSHeartbeatResponse = 2
)

// AppendTLSHeartbeat appends a heartbeat record in clear (RFC 6520 4):
// type, payload_length (claimed: it may exceed len(payload), as in
// CVE-2014-0160), payload, padding.
func AppendTLSHeartbeat(dst []byte, version uint16, typ byte, claimed int, payload, padding []byte) []byte {
	n := 3 + len(payload) + len(padding)
	dst = AppendTLSRecordHeader(dst, TLSHeartbeat, version, n)
	dst = appendU16(append(dst, typ), uint16(claimed))
	return append(append(dst, payload...), padding...)
}

// AppendTLSCertificate appends a Certificate handshake message (RFC 5246
// 7.4.2): a 24-bit list length, then each certificate with a 24-bit
// length. The certificates are any octets; nothing checks they are DER.
func AppendTLSCertificate(dst []byte, certs ...[]byte) []byte {
	n := 0
	for _, c := range certs {
		n += 3 + len(c)
	}
	dst = AppendTLSHandshakeHeader(dst, TLSCertificate, 3+n)
	dst = appendU24(dst, n)
	for _, c := range certs {
		dst = append(appendU24(dst, len(c)), c...)
	}
	return dst
}

// AppendTLSServerHelloDone appends an empty ServerHelloDone message.
func AppendTLSServerHelloDone(dst []byte) []byte {
	return AppendTLSHandshakeHeader(dst, TLSServerHelloDone, 0)
}

// AppendTLSServerKeyExchangeECDHE appends a ServerKeyExchange for ECDHE
// (RFC 8422 5.4): named curve group, the public point, a signature
// algorithm and a signature. Point and signature are caller's octets.
func AppendTLSServerKeyExchangeECDHE(dst []byte, group uint16, point []byte, sigAlg uint16, sig []byte) []byte {
	body := []byte{3, byte(group >> 8), byte(group), byte(len(point))} // curve_type named_curve (3)
	body = append(body, point...)
	body = appendU16(body, sigAlg)
	body = appendU16(body, uint16(len(sig)))
	body = append(body, sig...)
	return AppendTLSHandshake(dst, TLSServerKeyExchange, body)
}

// AppendTLSClientKeyExchangeECDHE appends a ClientKeyExchange carrying an
// ECDH public point (RFC 8422 5.7).
func AppendTLSClientKeyExchangeECDHE(dst []byte, point []byte) []byte {
	return AppendTLSHandshake(dst, TLSClientKeyExchange, append([]byte{byte(len(point))}, point...))
}

func appendU24(dst []byte, v int) []byte { return append(dst, byte(v>>16), byte(v>>8), byte(v)) }
