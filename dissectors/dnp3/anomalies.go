package dnp3

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/finding"
)

// Anomaly names raised by this package (dissectors.Anomaly.Name).
const (
	AnomalyBadLinkCRC           = "dnp3.bad_link_crc"
	AnomalyLenTooSmall          = "dnp3.len_too_small"
	AnomalySkippedBytes         = "dnp3.skipped_bytes"
	AnomalyTruncatedFrame       = "dnp3.truncated_frame"
	AnomalyMissingFirstFragment = "dnp3.missing_first_fragment"
	AnomalyTransportSequence    = "dnp3.transport_sequence"
	AnomalyTooLongReassembly    = "dnp3.too_long_reassembly"
	AnomalyFragmentTooShort     = "dnp3.fragment_too_short"
	AnomalyUnknownFunction      = "dnp3.unknown_function"
	AnomalyUnknownObject        = "dnp3.unknown_object"
	AnomalyMalformedObjects     = "dnp3.malformed_objects"
	AnomalyTooManyPoints        = "dnp3.too_many_points"
)

// Anomalies is the documented list of anomalies this package raises, in a
// stable order. It is documentation: changing it does not change parsing.
var Anomalies = []dissectors.AnomalyInfo{
	{Name: AnomalyBadLinkCRC, Description: "CRC of a link header or of a data block does not match; the frame is skipped and parsing resynchronises on the next 0x05 0x64."},
	{Name: AnomalyLenTooSmall, Description: "Link length field below 5 (control + addresses); the start bytes are skipped and parsing resynchronises."},
	{Name: AnomalySkippedBytes, Description: "Bytes that do not start a link frame (after a gap, or garbage between frames) were skipped up to the next 0x05 0x64."},
	{Name: AnomalyTruncatedFrame, Description: "A UDP datagram, or a TCP stream at its end, stops inside a link frame."},
	{Name: AnomalyMissingFirstFragment, Description: "A transport segment without FIR arrived while no fragment was being reassembled for that direction and address pair (capture started mid-fragment, or a segment was lost); it is dropped."},
	{Name: AnomalyTransportSequence, Description: "A transport segment's sequence number does not follow the previous one; the partial fragment is dropped."},
	{Name: AnomalyTooLongReassembly, Description: "A fragment being reassembled grew beyond Options.MaxFragment; it is dropped up to its next FIR segment."},
	{Name: AnomalyFragmentTooShort, Description: "Application fragment shorter than its header (2 octets for requests, 4 for responses with IIN)."},
	{Name: AnomalyUnknownFunction, Description: "Application function code that the standard does not define."},
	{Name: AnomalyUnknownObject, Description: "Object group/variation this package does not know; when its size can still be told (range or count with no data, or a prefix giving the size) the following headers are decoded, otherwise the rest of the fragment is skipped."},
	{Name: AnomalyMalformedObjects, Description: "An object header or its data runs past the end of the fragment, uses a reserved qualifier, or is otherwise inconsistent; the rest of the fragment is skipped."},
	{Name: AnomalyTooManyPoints, Description: "A fragment has more than MaxPoints decodable points; the rest are counted but not decoded."},
}

// anomaly indexes the kinds above; the order matches Anomalies.
type anomaly = finding.Kind

const (
	anBadLinkCRC anomaly = iota
	anLenTooSmall
	anSkippedBytes
	anTruncatedFrame
	anMissingFirstFragment
	anTransportSequence
	anTooLongReassembly
	anFragmentTooShort
	anUnknownFunction
	anUnknownObject
	anMalformedObjects
	anTooManyPoints
	numAnomalies
)

// findings collects the anomalies of one fragment or frame: at most one of
// each kind, with the first constant detail given for it.
type findings = finding.Set
