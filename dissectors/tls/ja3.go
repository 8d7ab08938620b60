package tls

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
)

// fpMax bounds the fingerprint cache of a decoder: at most this many
// entries, emptied when full, so that a client or server seen again costs
// no allocation.
const fpMax = 256

// fingerprint returns the Fingerprint of the JA3-style string in b: b and
// its MD5 in lower-case hex, cached by string.
func (d *hsDecoder) fingerprint(b []byte) Fingerprint {
	if fp, ok := d.fps[string(b)]; ok {
		return fp
	}
	sum := md5.Sum(b)
	fp := Fingerprint{String: string(b), Hash: hex.EncodeToString(sum[:])}
	if len(b) <= 4096 {
		if d.fps == nil {
			d.fps = make(map[string]Fingerprint, 8)
		} else if len(d.fps) >= fpMax {
			clear(d.fps)
		}
		d.fps[fp.String] = fp
	}
	return fp
}

// appendDecList appends the non-GREASE values of vs in decimal, joined by
// '-' (the JA3 list format).
func appendDecList[T uint8 | uint16](b []byte, vs []T) []byte {
	first := true
	for _, v := range vs {
		if isGREASE(uint16(v)) {
			continue
		}
		if !first {
			b = append(b, '-')
		}
		first = false
		b = strconv.AppendUint(b, uint64(v), 10)
	}
	return b
}

// ja3String appends the JA3 string of the ClientHello in r (Salesforce
// JA3): SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats
// in decimal, lists joined by '-', GREASE values left out, SSLVersion the
// legacy_version.
func ja3String(b []byte, r *Record) []byte {
	b = strconv.AppendUint(b, uint64(r.ClientVersion), 10)
	b = append(b, ',')
	b = appendDecList(b, r.ClientCipherSuites)
	b = append(b, ',')
	b = appendDecList(b, r.ClientExtensions)
	b = append(b, ',')
	b = appendDecList(b, r.SupportedGroups)
	b = append(b, ',')
	return appendDecList(b, r.ECPointFormats)
}

// ja3sString appends the JA3S string of the ServerHello in r:
// SSLVersion,Cipher,Extensions (legacy_version, selected suite, extension
// types in order, GREASE left out).
func ja3sString(b []byte, r *Record) []byte {
	b = strconv.AppendUint(b, uint64(r.ServerVersion), 10)
	b = append(b, ',')
	b = strconv.AppendUint(b, uint64(r.CipherSuite), 10)
	b = append(b, ',')
	return appendDecList(b, r.ServerExtensions)
}

// clientFingerprints computes JA3 and JA4 of the ClientHello in r.
func (d *hsDecoder) clientFingerprints(r *Record) {
	d.buf = ja3String(d.buf[:0], r)
	r.JA3 = d.fingerprint(d.buf)
	r.JA4 = d.ja4(r)
}

// serverFingerprint computes JA3S of the ServerHello in r.
func (d *hsDecoder) serverFingerprint(r *Record) {
	d.buf = ja3sString(d.buf[:0], r)
	r.JA3S = d.fingerprint(d.buf)
}
