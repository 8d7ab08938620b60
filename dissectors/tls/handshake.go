package tls

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/intern"
)

// Handshake message types (RFC 8446 4, RFC 5246 7.4, and the extensions
// that added some).
const (
	hsHelloRequest        = 0
	hsClientHello         = 1
	hsServerHello         = 2
	hsHelloVerifyRequest  = 3 // DTLS
	hsNewSessionTicket    = 4
	hsEndOfEarlyData      = 5
	hsHelloRetryRequest   = 6 // TLS 1.3 drafts before 22
	hsEncryptedExtensions = 8
	hsCertificate         = 11
	hsServerKeyExchange   = 12
	hsCertificateRequest  = 13
	hsServerHelloDone     = 14
	hsCertificateVerify   = 15
	hsClientKeyExchange   = 16
	hsFinished            = 20
	hsCertificateURL      = 21
	hsCertificateStatus   = 22
	hsSupplementalData    = 23
	hsKeyUpdate           = 24
	hsCompressedCert      = 25 // RFC 8879
	hsEKTKey              = 26 // RFC 8870
	hsNextProtocol        = 67 // NPN (draft-agl-tls-nextprotoneg)
	hsMessageHash         = 254
)

// knownHandshakeType reports whether t is a defined handshake type.
func knownHandshakeType(t uint8) bool {
	switch t {
	case hsHelloRequest, hsClientHello, hsServerHello, hsHelloVerifyRequest,
		hsNewSessionTicket, hsEndOfEarlyData, hsHelloRetryRequest, hsEncryptedExtensions,
		hsCertificate, hsServerKeyExchange, hsCertificateRequest, hsServerHelloDone,
		hsCertificateVerify, hsClientKeyExchange, hsFinished, hsCertificateURL,
		hsCertificateStatus, hsSupplementalData, hsKeyUpdate, hsCompressedCert,
		hsEKTKey, hsNextProtocol, hsMessageHash:
		return true
	}
	return false
}

// hsDecoder decodes the handshake messages of one connection into its
// Record; one per Parser, reused. The zero value is ready; a Dissector
// may set certs to share one certificate cache among its parsers.
type hsDecoder struct {
	certs *certCache // parsed certificates by SHA-256 (made on first use when nil)

	hrrPending bool // a HelloRetryRequest was seen, its ServerHello not yet

	strs intern.Cache           // SNI, ALPN, JA4 strings
	fps  map[string]Fingerprint // JA3/JA3S strings and their MD5

	buf, tmp []byte   // fingerprint strings
	list     []uint16 // sorted lists for JA4

	dupBits  *[1024]uint64 // duplicate-extension check of long lists
	dupDirty bool
}

// message decodes one complete handshake message of type typ (body without
// the 4-octet header) sent in dir into r, which accumulates the
// connection's handshake. Anomalies go to f. It never panics.
//
// A second ClientHello is expected after a HelloRetryRequest and left
// undecoded (RFC 8446 4.1.2: it repeats the first with a new key share);
// otherwise it raises tls.invalid_handshake_message and is ignored too,
// so that the Record shows the first hello of the connection.
func (d *hsDecoder) message(dir dissectors.Direction, typ uint8, body []byte, r *Record, f *findings) {
	switch typ {
	case hsClientHello:
		if r.HasClientHello {
			if !r.HelloRetryRequest {
				f.Add(anInvalidHandshake, "second ClientHello")
			}
			return
		}
		d.clientHello(body, r, f)
	case hsServerHello:
		d.serverHello(body, r, f)
	case hsHelloRetryRequest:
		// TLS 1.3 drafts before 22 had a message of its own.
		r.HelloRetryRequest, d.hrrPending = true, true
	case hsCertificate:
		d.certificate(body, dir == dissectors.ToServer, r, f)
	default:
		if !knownHandshakeType(typ) {
			f.Add(anInvalidHandshake, "handshake type not defined")
		}
	}
}

// sslv2ClientHello decodes an SSLv2-compatible ClientHello: body is the
// record after its 2-octet length header (message type 1 first).
func (d *hsDecoder) sslv2ClientHello(body []byte, r *Record, f *findings) {
	if r.HasClientHello {
		f.Add(anInvalidHandshake, "second ClientHello")
		return
	}
	d.sslv2Hello(body, r, f)
}

// helloRetryPending reports whether a HelloRetryRequest was decoded and
// the ServerHello that follows it not yet: the handshake is not over even
// if the server sends ChangeCipherSpec (RFC 8446 D.4 middlebox
// compatibility sends one right after the HelloRetryRequest).
func (d *hsDecoder) helloRetryPending() bool { return d.hrrPending }

// reset clears r for the connection's next handshake, keeping its slices.
func (d *hsDecoder) reset(r *Record) {
	d.hrrPending = false
	*r = Record{
		ClientVersions: r.ClientVersions[:0], ClientCipherSuites: r.ClientCipherSuites[:0],
		ClientExtensions: r.ClientExtensions[:0], SupportedGroups: r.SupportedGroups[:0],
		ECPointFormats: r.ECPointFormats[:0], SignatureAlgorithms: r.SignatureAlgorithms[:0],
		ALPNOffered: r.ALPNOffered[:0], ServerExtensions: r.ServerExtensions[:0],
		Certificates: r.Certificates[:0], ClientCertificates: r.ClientCertificates[:0],
	}
}
