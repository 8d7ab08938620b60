package modbus

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/finding"
)

// Anomaly names raised by this package (dissectors.Anomaly.Name).
const (
	AnomalyInvalidProtocolID    = "modbus.invalid_protocol_id"
	AnomalyInvalidLength        = "modbus.invalid_length"
	AnomalyUnknownFunction      = "modbus.unknown_function"
	AnomalyUnmatchedResponse    = "modbus.unmatched_response"
	AnomalyTooManyOutstanding   = "modbus.too_many_outstanding"
	AnomalyInvalidFunctionData  = "modbus.invalid_function_data"
	AnomalyInvalidExceptionCode = "modbus.invalid_exception_code"
	AnomalyInvalidValue         = "modbus.invalid_value"
)

// Anomalies is the documented list of anomalies this package raises, in a
// stable order. It is documentation: changing it does not change parsing.
var Anomalies = []dissectors.AnomalyInfo{
	{Name: AnomalyInvalidProtocolID, Description: "MBAP protocol identifier is not 0; the ADU is skipped (or, when its length is implausible too, the parser resynchronises)."},
	{Name: AnomalyInvalidLength, Description: "MBAP length outside 2..254 (unit id + PDU of 1..253 bytes), or a UDP datagram that ends inside an ADU. Lengths 0-1 make the parser resynchronise; larger ADUs are still framed and decoded."},
	{Name: AnomalyUnknownFunction, Description: "Request or normal response with a function code that is neither public, user-defined (65-72, 100-110), reserved (Annex A) nor a known vendor/legacy code; also a request with the exception bit set."},
	{Name: AnomalyUnmatchedResponse, Description: "Response whose (transaction id, unit id) matches an outstanding request of another function code, or matches no outstanding request once a request has been seen on the flow (since its start, or since the last gap in the requests; before that the response may answer a request the sensor never saw). A gap in the responses does not reset this. The record is still emitted."},
	{Name: AnomalyTooManyOutstanding, Description: "More than Options.MaxOutstanding requests awaiting a response on one flow; the oldest is forgotten."},
	{Name: AnomalyInvalidFunctionData, Description: "PDU length, byte count or sub-structure inconsistent with the function code (or, for a matched response, with the request's quantity)."},
	{Name: AnomalyInvalidExceptionCode, Description: "Exception response whose code is not one of 1-8, 10, 11 (7 is the legacy Negative Acknowledge)."},
	{Name: AnomalyInvalidValue, Description: "A field outside the range the specification allows: quantity 0 or above the function's maximum, address+quantity beyond 65536, FC5 value other than 0x0000/0xFF00, reserved diagnostic sub-function or MEI type, read device id code, conformity level, more-follows, reference type, file or record number, FIFO count, status word."},
}

// anomaly indexes the kinds above; the order matches Anomalies.
type anomaly = finding.Kind

const (
	anInvalidProtocolID anomaly = iota
	anInvalidLength
	anUnknownFunction
	anUnmatchedResponse
	anTooManyOutstanding
	anInvalidFunctionData
	anInvalidExceptionCode
	anInvalidValue
	numAnomalies
)

// findings collects the anomalies of one PDU: at most one of each kind,
// with the first constant detail given for it.
type findings = finding.Set
