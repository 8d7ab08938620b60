package tls

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// ja4Version is the 2-character version of JA4_a: the highest
// supported_versions value (GREASE already left out of ClientVersions),
// else legacy_version. TLS 1.3 drafts (0x7fNN) and other values are
// "00", the specification's "unknown".
func ja4Version(r *Record) string {
	v := r.ClientVersion
	if len(r.ClientVersions) > 0 {
		v = slices.Max(r.ClientVersions)
	}
	switch v {
	case VersionTLS13:
		return "13"
	case VersionTLS12:
		return "12"
	case VersionTLS11:
		return "11"
	case VersionTLS10:
		return "10"
	case VersionSSL30:
		return "s3"
	case VersionSSL20, 0x0200:
		return "s2"
	case 0x0100:
		return "s1"
	}
	return "00"
}

func isAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

// appendALPNChars appends JA4's 2 ALPN characters: the first and last
// octet of the first offered protocol, "00" without one, and when either
// octet is not alphanumeric the first and last digit of the protocol's
// lower-case hex instead.
func appendALPNChars(b []byte, alpn []string) []byte {
	if len(alpn) == 0 || alpn[0] == "" {
		return append(b, '0', '0')
	}
	p := alpn[0]
	first, last := p[0], p[len(p)-1]
	if isAlnum(first) && isAlnum(last) {
		return append(b, first, last)
	}
	const digits = "0123456789abcdef"
	return append(b, digits[first>>4], digits[last&15])
}

// twoDigits appends n (capped at 99) as 2 decimal digits.
func twoDigits(b []byte, n int) []byte {
	n = min(n, 99)
	return append(b, byte('0'+n/10), byte('0'+n%10))
}

// appendHexList appends vs as 4-digit lower-case hex, comma separated.
func appendHexList(b []byte, vs []uint16) []byte {
	const digits = "0123456789abcdef"
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15])
	}
	return b
}

// appendHash12 appends the first 12 hex digits of SHA-256(s), or
// "000000000000" when empty (JA4's rule for an empty list).
func appendHash12(b, s []byte, empty bool) []byte {
	if empty {
		return append(b, "000000000000"...)
	}
	sum := sha256.Sum256(s)
	var h [12]byte
	hex.Encode(h[:], sum[:6])
	return append(b, h[:]...)
}

// withoutGREASE sets dst to the values of vs that are not GREASE and,
// when skipSNIALPN, not server_name (0) or ALPN (16).
func withoutGREASE(dst, vs []uint16, skipSNIALPN bool) []uint16 {
	dst = dst[:0]
	for _, v := range vs {
		if isGREASE(v) || (skipSNIALPN && (v == extServerName || v == extALPN)) {
			continue
		}
		dst = append(dst, v)
	}
	return dst
}

// ja4 computes the FoxIO JA4 fingerprint (TLS over TCP) of the ClientHello
// in r: JA4_a "t" + version + "d"/"i" (server_name present or not) +
// cipher count + extension count (GREASE left out, SNI and ALPN counted,
// at most 99) + ALPN characters; JA4_b the truncated SHA-256 of the
// sorted cipher list; JA4_c that of the sorted extension list without
// SNI and ALPN, followed by "_" and the signature algorithms in their
// order when there are any.
func (d *hsDecoder) ja4(r *Record) string {
	b := append(d.buf[:0], 't')
	b = append(b, ja4Version(r)...)
	if slices.Contains(r.ClientExtensions, extServerName) {
		b = append(b, 'd')
	} else {
		b = append(b, 'i')
	}
	d.list = withoutGREASE(d.list, r.ClientCipherSuites, false)
	b = twoDigits(b, len(d.list))
	nExt := 0
	for _, e := range r.ClientExtensions {
		if !isGREASE(e) {
			nExt++
		}
	}
	b = twoDigits(b, nExt)
	b = appendALPNChars(b, r.ALPNOffered)
	b = append(b, '_')

	slices.Sort(d.list)
	d.tmp = appendHexList(d.tmp[:0], d.list)
	b = appendHash12(b, d.tmp, len(d.list) == 0)
	b = append(b, '_')

	d.list = withoutGREASE(d.list, r.ClientExtensions, true)
	slices.Sort(d.list)
	empty := len(d.list) == 0
	d.tmp = appendHexList(d.tmp[:0], d.list)
	d.list = withoutGREASE(d.list, r.SignatureAlgorithms, false)
	if len(d.list) > 0 {
		d.tmp = append(d.tmp, '_')
		d.tmp = appendHexList(d.tmp, d.list)
	}
	b = appendHash12(b, d.tmp, empty)
	d.buf = b
	return d.strs.String(b)
}
