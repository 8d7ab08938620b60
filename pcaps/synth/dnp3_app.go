package synth

// DNP3 application layer (IEEE 1815-2012, clause 4.2): fragment headers,
// function codes, internal indications.

// DNP3 application function codes (IEEE 1815-2012, table 4-2 and 4-3).
const (
	DNP3Confirm             = 0
	DNP3Read                = 1
	DNP3Write               = 2
	DNP3Select              = 3
	DNP3Operate             = 4
	DNP3DirectOperate       = 5
	DNP3DirectOperateNR     = 6
	DNP3ImmedFreeze         = 7
	DNP3ImmedFreezeNR       = 8
	DNP3FreezeClear         = 9
	DNP3FreezeClearNR       = 10
	DNP3FreezeAtTime        = 11
	DNP3FreezeAtTimeNR      = 12
	DNP3ColdRestart         = 13
	DNP3WarmRestart         = 14
	DNP3InitializeData      = 15
	DNP3InitializeAppl      = 16
	DNP3StartAppl           = 17
	DNP3StopAppl            = 18
	DNP3SaveConfig          = 19
	DNP3EnableUnsolicited   = 20
	DNP3DisableUnsolicited  = 21
	DNP3AssignClass         = 22
	DNP3DelayMeasure        = 23
	DNP3RecordCurrentTime   = 24
	DNP3OpenFile            = 25
	DNP3CloseFile           = 26
	DNP3DeleteFile          = 27
	DNP3GetFileInfo         = 28
	DNP3AuthenticateFile    = 29
	DNP3AbortFile           = 30
	DNP3ActivateConfig      = 31
	DNP3AuthenticateReq     = 32
	DNP3AuthReqNoAck        = 33
	DNP3Response            = 129
	DNP3UnsolicitedResponse = 130
	DNP3AuthenticateResp    = 131
)

// Internal indication bits of a response (IEEE 1815-2012, 4.2.2.7.2):
// IIN1 in the low octet, IIN2 in the high one, as they follow each other
// on the wire.
const (
	DNP3IINAllStations         uint16 = 1 << 0
	DNP3IINClass1Events        uint16 = 1 << 1
	DNP3IINClass2Events        uint16 = 1 << 2
	DNP3IINClass3Events        uint16 = 1 << 3
	DNP3IINNeedTime            uint16 = 1 << 4
	DNP3IINLocalControl        uint16 = 1 << 5
	DNP3IINDeviceTrouble       uint16 = 1 << 6
	DNP3IINDeviceRestart       uint16 = 1 << 7
	DNP3IINNoFuncCodeSupport   uint16 = 1 << 8
	DNP3IINObjectUnknown       uint16 = 1 << 9
	DNP3IINParameterError      uint16 = 1 << 10
	DNP3IINEventBufferOverflow uint16 = 1 << 11
	DNP3IINAlreadyExecuting    uint16 = 1 << 12
	DNP3IINConfigCorrupt       uint16 = 1 << 13
)

// DNP3AC is an application control octet (IEEE 1815-2012, 4.2.2.4).
type DNP3AC struct {
	FIR, FIN bool
	CON      bool // the receiver must confirm
	UNS      bool // unsolicited response, or its confirmation
	Seq      uint8
}

// DNP3Single returns the control of a one-fragment message numbered seq.
func DNP3Single(seq uint8) DNP3AC { return DNP3AC{FIR: true, FIN: true, Seq: seq} }

// Byte returns the octet.
func (c DNP3AC) Byte() byte {
	b := c.Seq & 0x0F
	if c.FIR {
		b |= 0x80
	}
	if c.FIN {
		b |= 0x40
	}
	if c.CON {
		b |= 0x20
	}
	if c.UNS {
		b |= 0x10
	}
	return b
}

// AppendDNP3Request appends a request header: control and function code.
// Object headers follow.
func AppendDNP3Request(dst []byte, ac DNP3AC, fc uint8) []byte {
	return append(dst, ac.Byte(), fc)
}

// AppendDNP3Response appends a response header: control, function code
// (DNP3Response or DNP3UnsolicitedResponse) and the two IIN octets.
func AppendDNP3Response(dst []byte, ac DNP3AC, fc uint8, iin uint16) []byte {
	return append(dst, ac.Byte(), fc, byte(iin), byte(iin>>8))
}

// AppendDNP3Confirm appends an application confirm of sequence seq; uns
// confirms an unsolicited response.
func AppendDNP3Confirm(dst []byte, seq uint8, uns bool) []byte {
	return AppendDNP3Request(dst, DNP3AC{FIR: true, FIN: true, UNS: uns, Seq: seq}, DNP3Confirm)
}
