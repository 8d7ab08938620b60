package tls

import "time"

// Record is what one TLS connection's handshake showed, as seen on the
// wire, or one TLS alert that was sent in clear.
//
// A handshake Record is emitted once per connection, when the handshake's
// visible part is over (the server's first encrypted or ChangeCipherSpec
// record, or the end of the connection, whichever comes first). An alert
// Record has Alert set and only the connection's version fields besides.
//
// A Record emitted by a Parser is borrowed like its Event: it and its
// slices are reused for the next connection's handshake. Strings may be
// kept.
type Record struct {
	// Alert is set on alert records (content type 21 in clear).
	Alert *Alert

	// SSLv2ClientHello is set when the client opened with an SSLv2
	// compatible ClientHello.
	SSLv2ClientHello bool

	// ClientHello (legacy_version, the supported_versions extension, ...).
	ClientVersion       uint16   // legacy_version
	ClientVersions      []uint16 // supported_versions, in the client's order (GREASE kept out)
	ClientCipherSuites  []uint16 // in order, GREASE included (JA3 drops it)
	ClientExtensions    []uint16 // extension types in order, GREASE included
	SupportedGroups     []uint16
	ECPointFormats      []uint8
	SignatureAlgorithms []uint16
	SNI                 string   // server_name (host_name), the first if several
	ALPNOffered         []string // application_layer_protocol_negotiation
	HasClientHello      bool

	// ServerHello (or HelloRetryRequest, which has ServerHello's layout).
	HasServerHello    bool
	HelloRetryRequest bool
	ServerVersion     uint16 // legacy_version of the ServerHello
	// Version is the negotiated version: supported_versions of the
	// ServerHello when present (TLS 1.3), else its legacy_version.
	Version          uint16
	CipherSuite      uint16
	ServerExtensions []uint16
	ALPN             string // the protocol the server selected

	// Fingerprints (package doc: how each is computed).
	JA3, JA3S Fingerprint
	JA4       string

	// Certificates are the server's chain as sent (leaf first), and
	// ClientCertificates the client's; neither is visible from TLS 1.3 on.
	Certificates       []Certificate
	ClientCertificates []Certificate
}

// AppProto returns "tls".
func (r *Record) AppProto() string { return "tls" }

// Fingerprint is a JA3-style fingerprint: the string and its MD5.
type Fingerprint struct {
	String string `json:"string"`
	Hash   string `json:"hash"`
}

// Alert is one TLS alert message seen in clear.
type Alert struct {
	Level       uint8 // 1 warning, 2 fatal
	Description uint8 // RFC 8446 6.2 and earlier
}

// Certificate is one X.509 certificate of a chain, parsed with
// crypto/x509. When parsing fails, ParseError says why and only
// FingerprintSHA256 is set.
type Certificate struct {
	Subject, Issuer    string // RFC 4514 distinguished names
	SubjectCN          string
	IssuerCN           string
	Serial             string // hex, as crypto/x509 reads it
	NotBefore          time.Time
	NotAfter           time.Time
	DNSNames           []string
	IPAddresses        []string
	SelfSigned         bool   // issuer equals subject and the signature verifies with its own key
	KeyType            string // "RSA", "ECDSA", "Ed25519", ...
	KeyBits            int
	SignatureAlgorithm string
	FingerprintSHA256  string // hex, of the DER bytes
	ParseError         string
}
