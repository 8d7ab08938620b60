package tls

import (
	ctls "crypto/tls"
	"strconv"
)

// Protocol versions (RFC 8446 4.2.1 and earlier).
const (
	VersionSSL20 uint16 = 0x0002
	VersionSSL30 uint16 = 0x0300
	VersionTLS10 uint16 = 0x0301
	VersionTLS11 uint16 = 0x0302
	VersionTLS12 uint16 = 0x0303
	VersionTLS13 uint16 = 0x0304
)

// isGREASE reports whether v is one of the RFC 8701 GREASE values
// 0x0a0a, 0x1a1a, ..., 0xfafa.
func isGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// isDraft13 reports whether v is a TLS 1.3 draft version (0x7f00 + draft).
func isDraft13(v uint16) bool { return v>>8 == 0x7f }

// knownVersion reports whether v is SSL 3.0 to TLS 1.3 or a TLS 1.3 draft.
func knownVersion(v uint16) bool {
	return (v >= VersionSSL30 && v <= VersionTLS13) || isDraft13(v)
}

// is13 reports whether v is TLS 1.3 or one of its drafts.
func is13(v uint16) bool { return v == VersionTLS13 || isDraft13(v) }

// VersionName returns "SSL 2.0", "SSL 3.0", "TLS 1.0" ... "TLS 1.3",
// "TLS 1.3 draft N" for 0x7fNN, "GREASE" for RFC 8701 values, else
// "0x%04x".
func VersionName(v uint16) string {
	switch v {
	case VersionSSL20:
		return "SSL 2.0"
	case VersionSSL30:
		return "SSL 3.0"
	case VersionTLS10:
		return "TLS 1.0"
	case VersionTLS11:
		return "TLS 1.1"
	case VersionTLS12:
		return "TLS 1.2"
	case VersionTLS13:
		return "TLS 1.3"
	}
	if isDraft13(v) {
		return "TLS 1.3 draft " + strconv.Itoa(int(v&0xff))
	}
	if isGREASE(v) {
		return "GREASE"
	}
	return hex4(v, false)
}

// hex4 formats v as 0x followed by 4 hex digits, lower or upper case.
func hex4(v uint16, upper bool) string {
	digits := "0123456789abcdef"
	if upper {
		digits = "0123456789ABCDEF"
	}
	return string([]byte{'0', 'x', digits[v>>12], digits[v>>8&15], digits[v>>4&15], digits[v&15]})
}

// legacySuites names the IANA cipher suites crypto/tls does not know that
// real traffic still shows (export, DES, RC4/MD5, DHE, Camellia, PSK-less
// CBC/GCM variants, SCSV).
var legacySuites = map[uint16]string{
	0x0000: "TLS_NULL_WITH_NULL_NULL",
	0x0001: "TLS_RSA_WITH_NULL_MD5",
	0x0002: "TLS_RSA_WITH_NULL_SHA",
	0x0003: "TLS_RSA_EXPORT_WITH_RC4_40_MD5",
	0x0004: "TLS_RSA_WITH_RC4_128_MD5",
	0x0006: "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5",
	0x0007: "TLS_RSA_WITH_IDEA_CBC_SHA",
	0x0008: "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
	0x0009: "TLS_RSA_WITH_DES_CBC_SHA",
	0x0011: "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
	0x0012: "TLS_DHE_DSS_WITH_DES_CBC_SHA",
	0x0013: "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
	0x0014: "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
	0x0015: "TLS_DHE_RSA_WITH_DES_CBC_SHA",
	0x0016: "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
	0x0017: "TLS_DH_anon_EXPORT_WITH_RC4_40_MD5",
	0x0018: "TLS_DH_anon_WITH_RC4_128_MD5",
	0x001a: "TLS_DH_anon_WITH_DES_CBC_SHA",
	0x001b: "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA",
	0x0032: "TLS_DHE_DSS_WITH_AES_128_CBC_SHA",
	0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
	0x0034: "TLS_DH_anon_WITH_AES_128_CBC_SHA",
	0x0038: "TLS_DHE_DSS_WITH_AES_256_CBC_SHA",
	0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
	0x003a: "TLS_DH_anon_WITH_AES_256_CBC_SHA",
	0x003b: "TLS_RSA_WITH_NULL_SHA256",
	0x003d: "TLS_RSA_WITH_AES_256_CBC_SHA256",
	0x0040: "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
	0x0041: "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
	0x0044: "TLS_DHE_DSS_WITH_CAMELLIA_128_CBC_SHA",
	0x0045: "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
	0x0067: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
	0x006a: "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
	0x006b: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
	0x0084: "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
	0x0087: "TLS_DHE_DSS_WITH_CAMELLIA_256_CBC_SHA",
	0x0088: "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
	0x0096: "TLS_RSA_WITH_SEED_CBC_SHA",
	0x009e: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
	0x009f: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
	0x00a2: "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
	0x00a3: "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
	0x00ff: "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
	0xc002: "TLS_ECDH_ECDSA_WITH_RC4_128_SHA",
	0xc003: "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA",
	0xc004: "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA",
	0xc005: "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA",
	0xc008: "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
	0xc00c: "TLS_ECDH_RSA_WITH_RC4_128_SHA",
	0xc00d: "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA",
	0xc00e: "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA",
	0xc00f: "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA",
	0xc024: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
	0xc028: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
	0xc09c: "TLS_RSA_WITH_AES_128_CCM",
	0xc09d: "TLS_RSA_WITH_AES_256_CCM",
	0xc0ac: "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
	0xc0ad: "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
	0xccaa: "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	0x1304: "TLS_AES_128_CCM_SHA256",
	0x1305: "TLS_AES_128_CCM_8_SHA256",
	0x5600: "TLS_FALLBACK_SCSV",
}

// CipherSuiteName returns the IANA name of cipher suite id (crypto/tls's
// names, then a table of legacy suites), "GREASE" for RFC 8701 values,
// else "0x%04X".
func CipherSuiteName(id uint16) string {
	if s, ok := legacySuites[id]; ok {
		return s
	}
	if isGREASE(id) {
		return "GREASE"
	}
	if s, ok := goSuites[id]; ok {
		return s
	}
	return hex4(id, true)
}

// goSuites are the suites crypto/tls names, read once: its CipherSuiteName
// builds its lists on every call, and names are needed per handshake.
var goSuites = func() map[uint16]string {
	m := map[uint16]string{}
	for _, list := range [][]*ctls.CipherSuite{ctls.CipherSuites(), ctls.InsecureCipherSuites()} {
		for _, c := range list {
			m[c.ID] = c.Name
		}
	}
	return m
}()

// AlertLevelName returns "warning" (1), "fatal" (2) or "unknown".
func AlertLevelName(level uint8) string {
	switch level {
	case 1:
		return "warning"
	case 2:
		return "fatal"
	}
	return "unknown"
}

// alertNames are the alert descriptions of RFC 8446 6, RFC 5246 7.2 and
// the extensions that added some (RFC 6066, 7301, 7507, 8446).
var alertNames = map[uint8]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
	21: "decryption_failed", 22: "record_overflow", 30: "decompression_failure",
	40: "handshake_failure", 41: "no_certificate", 42: "bad_certificate",
	43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
	46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	49: "access_denied", 50: "decode_error", 51: "decrypt_error",
	60: "export_restriction", 70: "protocol_version", 71: "insufficient_security",
	80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
	100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
	111: "certificate_unobtainable", 112: "unrecognized_name",
	113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
	115: "unknown_psk_identity", 116: "certificate_required",
	120: "no_application_protocol", 121: "ech_required",
}

// AlertDescriptionName returns the RFC name of alert description d
// ("handshake_failure"), else "unknown".
func AlertDescriptionName(d uint8) string {
	if s, ok := alertNames[d]; ok {
		return s
	}
	return "unknown"
}

// extensionNames are the IANA TLS ExtensionType names seen in practice.
var extensionNames = map[uint16]string{
	0: "server_name", 1: "max_fragment_length", 2: "client_certificate_url",
	3: "trusted_ca_keys", 4: "truncated_hmac", 5: "status_request",
	6: "user_mapping", 7: "client_authz", 8: "server_authz", 9: "cert_type",
	10: "supported_groups", 11: "ec_point_formats", 12: "srp",
	13: "signature_algorithms", 14: "use_srtp", 15: "heartbeat",
	16: "application_layer_protocol_negotiation", 17: "status_request_v2",
	18: "signed_certificate_timestamp", 19: "client_certificate_type",
	20: "server_certificate_type", 21: "padding", 22: "encrypt_then_mac",
	23: "extended_master_secret", 24: "token_binding", 25: "cached_info",
	27: "compress_certificate", 28: "record_size_limit", 34: "delegated_credential",
	35: "session_ticket", 41: "pre_shared_key", 42: "early_data",
	43: "supported_versions", 44: "cookie", 45: "psk_key_exchange_modes",
	47: "certificate_authorities", 48: "oid_filters", 49: "post_handshake_auth",
	50: "signature_algorithms_cert", 51: "key_share", 57: "quic_transport_parameters",
	13172: "next_protocol_negotiation", 17513: "application_settings",
	17613: "application_settings", 30032: "channel_id", 65037: "encrypted_client_hello",
	65281: "renegotiation_info",
}

// ExtensionName returns the IANA name of extension type t, "GREASE" for
// RFC 8701 values, else "0x%04x".
func ExtensionName(t uint16) string {
	if s, ok := extensionNames[t]; ok {
		return s
	}
	if isGREASE(t) {
		return "GREASE"
	}
	return hex4(t, false)
}
