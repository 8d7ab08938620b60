package tls

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/finding"
)

// Anomaly names raised by this package (dissectors.Anomaly.Name).
const (
	AnomalyInvalidRecordLength    = "tls.invalid_record_length"
	AnomalyInvalidRecordType      = "tls.invalid_record_type"
	AnomalyUnknownVersion         = "tls.unknown_version"
	AnomalyInvalidHandshakeLength = "tls.invalid_handshake_length"
	AnomalyHandshakeTooLong       = "tls.handshake_too_long"
	AnomalyInvalidHandshake       = "tls.invalid_handshake_message"
	AnomalyMultipleSNI            = "tls.multiple_sni"
	AnomalyInvalidSNI             = "tls.invalid_sni"
	AnomalyHeartbeat              = "tls.heartbeat"
	AnomalyCertificateParse       = "tls.certificate_parse_error"
)

// Anomalies is the documented list of anomalies this package raises, in a
// stable order. It is documentation: changing it does not change parsing.
var Anomalies = []dissectors.AnomalyInfo{
	{Name: AnomalyInvalidRecordLength, Description: "A record longer than 2^14 + 2048 octets (the largest TLSCiphertext), or an empty handshake, alert or ChangeCipherSpec record; the direction is no longer parsed."},
	{Name: AnomalyInvalidRecordType, Description: "A record content type other than 20-24 (ChangeCipherSpec, Alert, Handshake, ApplicationData, Heartbeat); the direction is no longer parsed."},
	{Name: AnomalyUnknownVersion, Description: "A record or hello version outside SSL 3.0 - TLS 1.3 (and not a GREASE value where those are allowed), or a negotiated version the client did not offer."},
	{Name: AnomalyInvalidHandshakeLength, Description: "A handshake message whose length does not fit its record stream, or whose fields run past its end."},
	{Name: AnomalyHandshakeTooLong, Description: "A handshake message longer than Options.MaxHandshake; it is skipped, not buffered."},
	{Name: AnomalyInvalidHandshake, Description: "A hello, certificate or other handshake message whose structure is wrong: vectors with odd or overflowing lengths, duplicate extensions, a handshake type not defined."},
	{Name: AnomalyMultipleSNI, Description: "A server_name extension with more than one host_name entry."},
	{Name: AnomalyInvalidSNI, Description: "A host_name that is empty, too long, not ASCII, or an IP address literal (RFC 6066 3 forbids it)."},
	{Name: AnomalyHeartbeat, Description: "A heartbeat record (content type 24): rare in legitimate traffic, and the vector of Heartbleed."},
	{Name: AnomalyCertificateParse, Description: "A certificate that crypto/x509 cannot parse; the rest of the chain is still read."},
}

// anomaly indexes the kinds above; the order matches Anomalies.
type anomaly = finding.Kind

const (
	anInvalidRecordLength anomaly = iota
	anInvalidRecordType
	anUnknownVersion
	anInvalidHandshakeLength
	anHandshakeTooLong
	anInvalidHandshake
	anMultipleSNI
	anInvalidSNI
	anHeartbeat
	anCertificateParse
	numAnomalies
)

// findings collects anomalies until they are emitted: at most one of each
// kind, with the first constant detail given for it.
type findings = finding.Set
