package tls

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

// AnomalyInfo documents one anomaly name.
type AnomalyInfo struct {
	Name        string
	Description string
}

// Anomalies is the documented list of anomalies this package raises, in a
// stable order. It is documentation: changing it does not change parsing.
var Anomalies = []AnomalyInfo{
	{AnomalyInvalidRecordLength, "A record longer than 2^14 + 2048 octets (the largest TLSCiphertext), or an empty handshake, alert or ChangeCipherSpec record; the direction is no longer parsed."},
	{AnomalyInvalidRecordType, "A record content type other than 20-24 (ChangeCipherSpec, Alert, Handshake, ApplicationData, Heartbeat); the direction is no longer parsed."},
	{AnomalyUnknownVersion, "A record or hello version outside SSL 3.0 - TLS 1.3 (and not a GREASE value where those are allowed), or a negotiated version the client did not offer."},
	{AnomalyInvalidHandshakeLength, "A handshake message whose length does not fit its record stream, or whose fields run past its end."},
	{AnomalyHandshakeTooLong, "A handshake message longer than Options.MaxHandshake; it is skipped, not buffered."},
	{AnomalyInvalidHandshake, "A hello, certificate or other handshake message whose structure is wrong: vectors with odd or overflowing lengths, duplicate extensions, a handshake type not defined."},
	{AnomalyMultipleSNI, "A server_name extension with more than one host_name entry."},
	{AnomalyInvalidSNI, "A host_name that is empty, too long, not ASCII, or an IP address literal (RFC 6066 3 forbids it)."},
	{AnomalyHeartbeat, "A heartbeat record (content type 24): rare in legitimate traffic, and the vector of Heartbleed."},
	{AnomalyCertificateParse, "A certificate that crypto/x509 cannot parse; the rest of the chain is still read."},
}

// anomaly indexes the kinds above; the order matches Anomalies.
type anomaly uint8

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

func (a anomaly) name() string {
	if int(a) < len(Anomalies) {
		return Anomalies[a].Name
	}
	return "tls.unknown_anomaly"
}

// findings collects anomalies until they are emitted: at most one of each
// kind, with the first constant detail given for it.
type findings struct {
	set    uint16
	detail [numAnomalies]string
}

func (f *findings) add(a anomaly, detail string) {
	if f.set&(1<<a) == 0 {
		f.set |= 1 << a
		f.detail[a] = detail
	}
}

func (f *findings) has(a anomaly) bool { return f.set&(1<<a) != 0 }

func (f *findings) empty() bool { return f.set == 0 }
