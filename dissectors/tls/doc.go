// Package tls dissects TLS (SSL 3.0 to TLS 1.3, and SSLv2-compatible
// ClientHellos) over TCP: the cleartext part of each connection's
// handshake becomes one Record, with JA3, JA3S and JA4 fingerprints and
// the certificates parsed by crypto/x509; alerts sent in clear become
// Records of their own.
//
// # Record layer
//
// Each direction is parsed as TLS records (type, version, length at most
// 2^14+2048). A content type outside 20-24 raises tls.invalid_record_type;
// a longer record, or an empty handshake, alert or ChangeCipherSpec record,
// raises tls.invalid_record_length; either way that direction is no longer
// parsed. A record version outside SSL 3.0 - TLS 1.3 raises
// tls.unknown_version once per direction and parsing goes on.
//
// Handshake records in clear carry handshake messages, reassembled across
// records and segments in the parser's own buffer up to
// Options.MaxHandshake (default 64 KiB); a longer message raises
// tls.handshake_too_long and is skipped, not buffered. A message cut by a
// record of another type raises tls.invalid_handshake_length.
//
// A direction is encrypted after its ChangeCipherSpec (TLS 1.2 and
// earlier); with TLS 1.3 both are, after the ServerHello that negotiates
// it. The ChangeCipherSpec sent for middlebox compatibility (after a
// HelloRetryRequest, or from a client offering 1.3 before the ServerHello)
// changes nothing. A direction whose first record is application data or
// ChangeCipherSpec was joined mid-connection and is taken as encrypted.
// Encrypted records and application data are only counted: never copied,
// never parsed, consumed as they arrive. An alert record of exactly 2
// octets is in clear and gives an alert Record; longer ones are encrypted
// and only counted. Heartbeat records raise tls.heartbeat once per
// direction. An SSLv2-compatible ClientHello opening the client direction
// is decoded.
//
// One handshake Record is emitted per handshake, when the server's visible
// part ends: after a TLS 1.3 ServerHello; after ServerHelloDone (TLS 1.2
// and earlier), or, when the server asked for a client certificate, after
// the client's ClientKeyExchange so that its certificates are in; at the
// first ChangeCipherSpec that is not for compatibility, or the server's
// first application data; before a fatal alert in clear; otherwise at
// Close. A HelloRetryRequest does not end the handshake: the Record comes
// after the real ServerHello, with HelloRetryRequest set, and its fields
// and fingerprints are the first ClientHello's. A ClientHello or
// ServerHello in clear after the Record was emitted starts a new one.
// Anomalies are emitted when found: after the handshake message that
// raised them, or after the Record if that message completed it.
//
// After a Gap the message being reassembled is dropped and octets are
// skipped up to a record header (type 20-23, SSL 3.0 - TLS 1.3, length
// 1..2^14+2048) followed, right after its record, by another such header;
// handshake content is then ignored until a handshake record starts with a
// plausible message header. A flow joined mid-connection whose first
// header is invalid is resynchronised the same way, without an anomaly.
// Certificates are parsed once per Dissector: a server's chain seen on
// many connections is looked up by its SHA-256 (256 certificates kept).
//
// # Handshake messages
//
// Every complete handshake message before encryption is decoded by type;
// a type that RFC 5246, RFC 8446 and their extensions do not define
// raises tls.invalid_handshake_message. Lengths are checked before every
// read: a field running past its vector or message, or bytes left after
// the last field, raise tls.invalid_handshake_length; the fields decoded
// before the error are kept.
//
//   - ClientHello (RFC 8446 4.1.2, RFC 5246 7.4.1.2): legacy_version,
//     random, session id (at most 32 octets), cipher suites (in order,
//     GREASE kept; empty or odd is malformed), compression methods (at
//     least one), extensions (types in order, GREASE kept). A repeated
//     extension type raises tls.invalid_handshake_message; it is listed but
//     not decoded again. Decoded extensions: server_name (RFC 6066 3: the
//     first host_name is kept; more than one raises tls.multiple_sni; one
//     that is empty, longer than 253 octets, not printable ASCII, or an IPv4
//     or IPv6 literal raises tls.invalid_sni and is still kept),
//     supported_groups, ec_point_formats, signature_algorithms (lists as
//     sent), application_layer_protocol_negotiation (RFC 7301: at most 32
//     names kept; an empty name is malformed), supported_versions (GREASE
//     left out), key_share (structure checked only). legacy_version outside
//     SSL 3.0 - TLS 1.3, or a supported_versions value that is neither
//     those, a TLS 1.3 draft (0x7f00 + n) nor GREASE, raises
//     tls.unknown_version. A second ClientHello on a connection is expected
//     after a HelloRetryRequest and not decoded (RFC 8446 4.1.2: it repeats
//     the first); otherwise it raises tls.invalid_handshake_message and is
//     ignored, so the Record keeps the first.
//   - SSLv2-compatible ClientHello (RFC 5246 E.2): version (SSL 2.0, or
//     SSL 3.0 - TLS 1.2, else tls.unknown_version), cipher specs of 3
//     octets (those whose first octet is 0 are TLS suites and go to the
//     cipher list; the SSL 2.0 kinds are dropped), session id (0 or 16),
//     challenge (16 to 32). No extensions.
//   - ServerHello and HelloRetryRequest (RFC 8446 4.1.3): legacy_version,
//     random, session id, cipher suite, compression method, extensions:
//     supported_versions (the negotiated version), ALPN (the selected
//     protocol), key_share (structure checked). The random of RFC 8446's
//     HelloRetryRequest marks one: HelloRetryRequest is set and stays set
//     when the real ServerHello follows and overwrites the other fields. The
//     draft HelloRetryRequest message (type 6) and the draft ServerHello
//     layout (TLS 1.3 drafts up to 21: draft version, no session id, no
//     compression) are recognised. Version is supported_versions when
//     present, else legacy_version. A version outside SSL 3.0 - TLS 1.3
//     (drafts allowed), or one the client did not offer (not in its
//     supported_versions; without them, above its legacy_version), raises
//     tls.unknown_version. A second ServerHello without a
//     HelloRetryRequest raises tls.invalid_handshake_message and is
//     ignored.
//   - Certificate (RFC 5246 7.4.2; the RFC 8446 4.4.2 layout with a request
//     context and per-entry extensions when TLS 1.3 was negotiated, or when
//     only that layout fits): each DER certificate is parsed with
//     crypto/x509. Certificates sent by the server fill Certificates, those
//     sent by the client ClientCertificates (leaf first). At most MaxChain
//     (16) are kept per message; the rest are skipped silently. A
//     certificate crypto/x509 cannot parse raises
//     tls.certificate_parse_error and is kept with its fingerprint and the
//     error only; the rest of the chain is still read. Parsed certificates
//     are cached by SHA-256 (256 entries, emptied when full; one cache
//     shared by the Dissector's parsers), so a server seen on many
//     connections costs one hash per certificate. From TLS 1.3 on certificates are encrypted and
//     not seen.
//
// Hello strings (SNI, ALPN) and fingerprints are interned per parser (256
// entries, emptied when full): a client seen again decodes with no
// allocation.
//
// # Certificates
//
// subject and issuer are RFC 4514 strings as crypto/x509's Name.String
// writes them (most specific first: "CN=plc.example,O=Acme,C=DE"),
// subject_cn and issuer_cn their common names; serial is the serial number
// in lower-case hex, padded to an even number of digits, without
// separators; not_before and not_after are RFC 3339 UTC; sans lists the
// DNS names then the IP addresses; self_signed is true when issuer and
// subject are the same bytes and the signature verifies with the
// certificate's own key (MD5-RSA signatures, which crypto/x509 refuses,
// are verified here); key_type is RSA, ECDSA, Ed25519, DSA or the
// algorithm crypto/x509 names, key_bits the RSA modulus, ECDSA curve,
// DSA prime size, or 256 for Ed25519; signature_algorithm is crypto/x509's
// name ("SHA256-RSA", "ECDSA-SHA256", "Ed25519"); fingerprint_sha256 is
// the lower-case hex SHA-256 of the DER.
//
// # Fingerprints
//
// GREASE values (RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa) are left out of
// every list of every fingerprint.
//
//   - JA3 (Salesforce): "SSLVersion,Ciphers,Extensions,EllipticCurves,
//     EllipticCurvePointFormats", each value in decimal, lists joined by
//     "-", empty lists as empty fields; SSLVersion is legacy_version (771
//     for TLS 1.2 and 1.3). hash is the lower-case hex MD5 of the string.
//     An SSLv2-compatible hello gives "version,ciphers,,,". Checked equal to
//     tshark 4.0's tls.handshake.ja3 and ja3_full on every shared capture.
//   - JA3S: "SSLVersion,Cipher,Extensions" of the ServerHello (its
//     legacy_version, the selected suite, its extension types in order);
//     MD5 as for JA3. Checked equal to tshark's tls.handshake.ja3s.
//   - JA4 (FoxIO, TLS over TCP): JA4_a is "t", the version ("13", "12",
//     "11", "10", "s3", "s2"; the highest supported_versions value, else
//     legacy_version; anything else, TLS 1.3 drafts included, "00"), "d"
//     when the server_name extension is present else "i", the number of
//     cipher suites and of extensions (2 digits, at most 99; SNI and ALPN
//     counted), and the first and last character of the first ALPN name
//     ("00" without one; when either octet is not alphanumeric, the first
//     and last digit of the name's hex). JA4_b is the first 12 hex digits
//     of the SHA-256 of the cipher suites as 4-digit lower-case hex, sorted,
//     comma separated. JA4_c is the same of the extension types sorted,
//     without server_name (0000) and ALPN (0010), followed by "_" and the
//     signature algorithms in their order when there are any. An empty list
//     gives "000000000000". Checked against the specification's example and
//     against Arkime's and Suricata's values for the shared captures.
//
// # JSON
//
// A Record marshals to one object; what was not seen is left out.
//
//	sni                  string   server_name of the ClientHello (the first host_name)
//	version              string   negotiated version, e.g. "TLS 1.2", "TLS 1.3",
//	                              "TLS 1.3 draft 28", "0x%04x" otherwise; with a ServerHello
//	version_code         number   the same as a number (772)
//	client_version       string   the ClientHello's legacy_version
//	client_versions      [string] supported_versions in the client's order, else
//	                              [client_version]
//	cipher_suite         string   selected suite's IANA name, "0x%04X" when unknown
//	cipher_suite_code    number   the same as a number
//	alpn                 string   protocol the server selected
//	alpn_offered         [string] protocols the client offered, in order
//	ja3, ja3s            object   {string, hash}
//	ja4                  string   e.g. "t13d1516h2_8daaf6152771_e5627efa2ab1"
//	hello_retry_request  bool     true when the server sent a HelloRetryRequest
//	sslv2_client_hello   bool     true when the client opened with an SSLv2 hello
//	client_hello         object   {cipher_suites, extensions (codes in order, GREASE
//	                              included), supported_groups, ec_point_formats,
//	                              signature_algorithms}
//	server_extensions    [number] ServerHello extension types in order
//	certificate          object   the server's leaf: {subject, issuer, subject_cn,
//	                              issuer_cn, serial, not_before, not_after, sans,
//	                              self_signed, key_type, key_bits, signature_algorithm,
//	                              fingerprint_sha256, parse_error}; with parse_error
//	                              only fingerprint_sha256 besides
//	chain                [object] the server's certificates as sent, leaf first
//	client_certificate   object   the client's leaf, same shape
//	client_chain         [object] the client's certificates
//	alert                object   alert records: {level ("warning", "fatal",
//	                              "unknown"), description (name below), code}
//
// # Names
//
// Versions: "SSL 2.0" (0x0002), "SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS
// 1.2", "TLS 1.3", "TLS 1.3 draft N" (0x7fNN), "GREASE", else "0x%04x".
// Cipher suites: the IANA names (crypto/tls's, plus a table of legacy
// suites: export, DES, RC4-MD5, DHE, Camellia, SCSVs), "GREASE", else
// "0x%04X". Alert descriptions (RFC 8446 6, RFC 5246 7.2 and later):
// close_notify (0), unexpected_message (10), bad_record_mac (20),
// decryption_failed (21), record_overflow (22), decompression_failure
// (30), handshake_failure (40), no_certificate (41), bad_certificate (42),
// unsupported_certificate (43), certificate_revoked (44),
// certificate_expired (45), certificate_unknown (46), illegal_parameter
// (47), unknown_ca (48), access_denied (49), decode_error (50),
// decrypt_error (51), export_restriction (60), protocol_version (70),
// insufficient_security (71), internal_error (80), inappropriate_fallback
// (86), user_canceled (90), no_renegotiation (100), missing_extension
// (109), unsupported_extension (110), certificate_unobtainable (111),
// unrecognized_name (112), bad_certificate_status_response (113),
// bad_certificate_hash_value (114), unknown_psk_identity (115),
// certificate_required (116), no_application_protocol (120), ech_required
// (121); others "unknown". ExtensionName gives IANA extension names.
//
// # Anomalies
//
// Anomaly events follow the Record, one per kind; the names and their
// meaning are listed in Anomalies: tls.invalid_record_length,
// tls.invalid_record_type, tls.unknown_version,
// tls.invalid_handshake_length, tls.handshake_too_long,
// tls.invalid_handshake_message, tls.multiple_sni, tls.invalid_sni,
// tls.heartbeat, tls.certificate_parse_error.
package tls
