package modbus

import "github.com/otsensor/otsensor/dissectors"

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

// AnomalyInfo documents one anomaly name.
type AnomalyInfo struct {
	Name        string
	Description string
}

// Anomalies is the documented list of anomalies this package raises, in a
// stable order. It is documentation: changing it does not change parsing.
var Anomalies = []AnomalyInfo{
	{AnomalyInvalidProtocolID, "MBAP protocol identifier is not 0; the ADU is skipped (or, when its length is implausible too, the parser resynchronises)."},
	{AnomalyInvalidLength, "MBAP length outside 2..254 (unit id + PDU of 1..253 bytes), or a UDP datagram that ends inside an ADU. Lengths 0-1 make the parser resynchronise; larger ADUs are still framed and decoded."},
	{AnomalyUnknownFunction, "Request or normal response with a function code that is neither public, user-defined (65-72, 100-110), reserved (Annex A) nor a known vendor/legacy code; also a request with the exception bit set."},
	{AnomalyUnmatchedResponse, "Response whose (transaction id, unit id) matches an outstanding request of another function code, or matches no outstanding request once a request has been seen on the flow (since its start, or since the last gap in the requests; before that the response may answer a request the sensor never saw). A gap in the responses does not reset this. The record is still emitted."},
	{AnomalyTooManyOutstanding, "More than Options.MaxOutstanding requests awaiting a response on one flow; the oldest is forgotten."},
	{AnomalyInvalidFunctionData, "PDU length, byte count or sub-structure inconsistent with the function code (or, for a matched response, with the request's quantity)."},
	{AnomalyInvalidExceptionCode, "Exception response whose code is not one of 1-8, 10, 11 (7 is the legacy Negative Acknowledge)."},
	{AnomalyInvalidValue, "A field outside the range the specification allows: quantity 0 or above the function's maximum, address+quantity beyond 65536, FC5 value other than 0x0000/0xFF00, reserved diagnostic sub-function or MEI type, read device id code, conformity level, more-follows, reference type, file or record number, FIFO count, status word."},
}

// anomaly indexes the kinds above; the order matches Anomalies.
type anomaly uint8

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

func (a anomaly) name() string {
	switch a {
	case anInvalidProtocolID:
		return AnomalyInvalidProtocolID
	case anInvalidLength:
		return AnomalyInvalidLength
	case anUnknownFunction:
		return AnomalyUnknownFunction
	case anUnmatchedResponse:
		return AnomalyUnmatchedResponse
	case anTooManyOutstanding:
		return AnomalyTooManyOutstanding
	case anInvalidFunctionData:
		return AnomalyInvalidFunctionData
	case anInvalidExceptionCode:
		return AnomalyInvalidExceptionCode
	case anInvalidValue:
		return AnomalyInvalidValue
	}
	return "modbus.unknown_anomaly"
}

// findings collects the anomalies of one PDU: at most one of each kind,
// with the first constant detail given for it.
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

// emit sends one anomaly event per kind found, in the order of Anomalies.
func (f *findings) emit(p *Parser, out dissectors.Emitter) {
	for a := anomaly(0); a < numAnomalies; a++ {
		if f.has(a) {
			p.emitAnomaly(a, f.detail[a], out)
		}
	}
}
