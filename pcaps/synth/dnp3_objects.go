package synth

import (
	"encoding/binary"
	"math"
	"time"
)

// DNP3 object headers and the objects the crafted captures use (IEEE
// 1815-2012, 4.2.2.5 and annex A).

// Qualifier codes: object prefix code in bits 4-6, range specifier code
// in bits 0-3 (IEEE 1815-2012, 4.2.2.5.1).
const (
	DNP3QStartStop8      = 0x00 // 1-octet start and stop indexes
	DNP3QStartStop16     = 0x01 // 2-octet start and stop indexes
	DNP3QStartStop32     = 0x02 // 4-octet start and stop indexes
	DNP3QAll             = 0x06 // no range field: all points
	DNP3QCount8          = 0x07 // 1-octet count
	DNP3QCount16         = 0x08 // 2-octet count
	DNP3QCount32         = 0x09 // 4-octet count
	DNP3QIndex8Count8    = 0x17 // 1-octet count, 1-octet index before each object
	DNP3QIndex16Count16  = 0x28 // 2-octet count, 2-octet index before each object
	DNP3QSize16FreeCount = 0x5B // 1-octet count, 2-octet size before each object
)

// DNP3Header is an object header. Which range fields are written depends
// on the qualifier's range specifier code: Start and Stop for codes 0-5,
// Count for codes 7-9 and 0xB, none for 6.
type DNP3Header struct {
	Group, Variation, Qualifier uint8
	Start, Stop, Count          uint32
}

// Append appends the header.
func (h DNP3Header) Append(dst []byte) []byte {
	dst = append(dst, h.Group, h.Variation, h.Qualifier)
	switch h.Qualifier & 0x0F {
	case 0, 3:
		dst = append(dst, byte(h.Start), byte(h.Stop))
	case 1, 4:
		dst = binary.LittleEndian.AppendUint16(dst, uint16(h.Start))
		dst = binary.LittleEndian.AppendUint16(dst, uint16(h.Stop))
	case 2, 5:
		dst = binary.LittleEndian.AppendUint32(dst, h.Start)
		dst = binary.LittleEndian.AppendUint32(dst, h.Stop)
	case 7, 0xB:
		dst = append(dst, byte(h.Count))
	case 8:
		dst = binary.LittleEndian.AppendUint16(dst, uint16(h.Count))
	case 9:
		dst = binary.LittleEndian.AppendUint32(dst, h.Count)
	}
	return dst
}

// dnp3Range returns the header of n points from start with the smallest
// start-stop qualifier that holds them.
func dnp3Range(g, v uint8, start uint16, n int) DNP3Header {
	stop := uint32(start) + uint32(n) - 1
	q := uint8(DNP3QStartStop8)
	if stop > 0xFF {
		q = DNP3QStartStop16
	}
	return DNP3Header{Group: g, Variation: v, Qualifier: q, Start: uint32(start), Stop: stop}
}

// AppendDNP3All appends a header for all points of g/v (qualifier 0x06),
// as read requests use.
func AppendDNP3All(dst []byte, g, v uint8) []byte {
	return DNP3Header{Group: g, Variation: v, Qualifier: DNP3QAll}.Append(dst)
}

// AppendDNP3ClassPoll appends the class data headers of g60 for classes
// (0-3; class 0 is static data, g60v1, class n is g60v(n+1)).
func AppendDNP3ClassPoll(dst []byte, classes ...uint8) []byte {
	for _, c := range classes {
		dst = AppendDNP3All(dst, 60, c+1)
	}
	return dst
}

// AppendDNP3IntegrityPoll appends the usual integrity poll objects:
// classes 1, 2, 3 then 0.
func AppendDNP3IntegrityPoll(dst []byte) []byte {
	return AppendDNP3ClassPoll(dst, 1, 2, 3, 0)
}

// Point flags of inputs and outputs (IEEE 1815-2012, A.2 and others):
// bit 7 is a binary point's state.
const (
	DNP3FlagOnline        = 0x01
	DNP3FlagRestart       = 0x02
	DNP3FlagCommLost      = 0x04
	DNP3FlagRemoteForced  = 0x08
	DNP3FlagLocalForced   = 0x10
	DNP3FlagOverRange     = 0x20 // analog; chatter filter for binary
	DNP3FlagBinaryStateOn = 0x80
)

// AppendDNP3BinaryInputs appends g1v2 (binary input with flags) for
// consecutive points from start: ONLINE plus the state bit.
func AppendDNP3BinaryInputs(dst []byte, start uint16, states []bool) []byte {
	dst = dnp3Range(1, 2, start, len(states)).Append(dst)
	for _, s := range states {
		dst = append(dst, binaryFlag(s))
	}
	return dst
}

func binaryFlag(s bool) byte {
	if s {
		return DNP3FlagOnline | DNP3FlagBinaryStateOn
	}
	return DNP3FlagOnline
}

// AppendDNP3AnalogInputs32 appends g30v1 (32-bit analog input with flag)
// for consecutive points from start, all ONLINE.
func AppendDNP3AnalogInputs32(dst []byte, start uint16, vals []int32) []byte {
	return appendOnlineRange(dst, 30, 1, start, vals, func(b []byte, v int32) []byte {
		return binary.LittleEndian.AppendUint32(b, uint32(v))
	})
}

// AppendDNP3AnalogInputs16 appends g30v2 (16-bit analog input with flag).
func AppendDNP3AnalogInputs16(dst []byte, start uint16, vals []int16) []byte {
	return appendOnlineRange(dst, 30, 2, start, vals, func(b []byte, v int16) []byte {
		return binary.LittleEndian.AppendUint16(b, uint16(v))
	})
}

// AppendDNP3Counters32 appends g20v1 (32-bit counter with flag).
func AppendDNP3Counters32(dst []byte, start uint16, vals []uint32) []byte {
	return appendOnlineRange(dst, 20, 1, start, vals, binary.LittleEndian.AppendUint32)
}

// appendOnlineRange appends the start-stop header of group g variation v
// over len(vals) points from start, then each value, encoded by put,
// after an ONLINE flag octet.
func appendOnlineRange[V any](dst []byte, g, v uint8, start uint16, vals []V, put func([]byte, V) []byte) []byte {
	dst = dnp3Range(g, v, start, len(vals)).Append(dst)
	for _, x := range vals {
		dst = append(dst, DNP3FlagOnline)
		dst = put(dst, x)
	}
	return dst
}

// DNP3BinaryEvent is a binary input change.
type DNP3BinaryEvent struct {
	Index uint16
	State bool
	Time  time.Time
}

// AppendDNP3BinaryEvents appends g2v2 (binary input event with absolute
// time), qualifier 0x28: index, flags, 48-bit time.
func AppendDNP3BinaryEvents(dst []byte, evs []DNP3BinaryEvent) []byte {
	dst = DNP3Header{Group: 2, Variation: 2, Qualifier: DNP3QIndex16Count16, Count: uint32(len(evs))}.Append(dst)
	for _, e := range evs {
		dst = binary.LittleEndian.AppendUint16(dst, e.Index)
		dst = append(dst, binaryFlag(e.State))
		dst = appendDNP3Time(dst, e.Time)
	}
	return dst
}

// DNP3AnalogEvent is an analog input change.
type DNP3AnalogEvent struct {
	Index uint16
	Value int32
}

// AppendDNP3AnalogEvents appends g32v1 (32-bit analog input event
// without time), qualifier 0x28.
func AppendDNP3AnalogEvents(dst []byte, evs []DNP3AnalogEvent) []byte {
	dst = DNP3Header{Group: 32, Variation: 1, Qualifier: DNP3QIndex16Count16, Count: uint32(len(evs))}.Append(dst)
	for _, e := range evs {
		dst = binary.LittleEndian.AppendUint16(dst, e.Index)
		dst = append(dst, DNP3FlagOnline)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(e.Value))
	}
	return dst
}

// appendDNP3Time appends a DNP3 absolute time: milliseconds since
// 1970-01-01 UTC, 48 bits, little-endian.
func appendDNP3Time(dst []byte, t time.Time) []byte {
	ms := uint64(t.UnixMilli())
	return append(dst, byte(ms), byte(ms>>8), byte(ms>>16), byte(ms>>24), byte(ms>>32), byte(ms>>40))
}

// AppendDNP3Time appends g50v1 (time and date), qualifier 0x07, count 1:
// the object of a time write.
func AppendDNP3Time(dst []byte, t time.Time) []byte {
	dst = DNP3Header{Group: 50, Variation: 1, Qualifier: DNP3QCount8, Count: 1}.Append(dst)
	return appendDNP3Time(dst, t)
}

// AppendDNP3TimeDelayFine appends g52v2 (time delay fine, milliseconds),
// qualifier 0x07, count 1: what an outstation answers to a restart.
func AppendDNP3TimeDelayFine(dst []byte, ms uint16) []byte {
	dst = DNP3Header{Group: 52, Variation: 2, Qualifier: DNP3QCount8, Count: 1}.Append(dst)
	return binary.LittleEndian.AppendUint16(dst, ms)
}

// AppendDNP3IINWrite appends g80v1 (internal indications) for the single
// bit index (7 is IIN1.7 DEVICE_RESTART), qualifier 0x00, with value: the
// object of the write that clears the restart indication.
func AppendDNP3IINWrite(dst []byte, index uint8, value bool) []byte {
	dst = DNP3Header{Group: 80, Variation: 1, Qualifier: DNP3QStartStop8, Start: uint32(index), Stop: uint32(index)}.Append(dst)
	if value {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// CROB control codes (IEEE 1815-2012, A.8.1): operation type in bits 0-3,
// queue, clear, trip-close code in bits 6-7.
const (
	DNP3OpNul      = 0x00
	DNP3OpPulseOn  = 0x01
	DNP3OpPulseOff = 0x02
	DNP3OpLatchOn  = 0x03
	DNP3OpLatchOff = 0x04
	DNP3OpClear    = 0x20
	DNP3TCCClose   = 0x40
	DNP3TCCTrip    = 0x80
)

// Command status codes of CROB and analog output objects (IEEE
// 1815-2012, 11.9.6.1; the subset the captures use).
const (
	DNP3StatusSuccess      = 0
	DNP3StatusTimeout      = 1
	DNP3StatusNoSelect     = 2
	DNP3StatusFormatError  = 3
	DNP3StatusNotSupported = 4
)

// DNP3CROB is a control relay output block (g12v1).
type DNP3CROB struct {
	Index  uint16
	Code   uint8 // DNP3Op* | DNP3TCC*
	Count  uint8
	OnMs   uint32
	OffMs  uint32
	Status uint8
}

// AppendDNP3CROB appends g12v1 for one point, qualifier 0x28: index,
// control code, count, on-time, off-time, status (11 octets).
func AppendDNP3CROB(dst []byte, c DNP3CROB) []byte {
	dst = DNP3Header{Group: 12, Variation: 1, Qualifier: DNP3QIndex16Count16, Count: 1}.Append(dst)
	dst = binary.LittleEndian.AppendUint16(dst, c.Index)
	dst = append(dst, c.Code, c.Count)
	dst = binary.LittleEndian.AppendUint32(dst, c.OnMs)
	dst = binary.LittleEndian.AppendUint32(dst, c.OffMs)
	return append(dst, c.Status)
}

// DNP3AnalogOutput is an analog output block (g41): Variation 1 is a
// 32-bit integer, 2 a 16-bit integer, 3 a 32-bit float, 4 a 64-bit float.
type DNP3AnalogOutput struct {
	Variation uint8
	Index     uint16
	Value     float64
	Status    uint8
}

// AppendDNP3AnalogOutput appends g41 for one point, qualifier 0x28:
// index, value, status. An unknown variation writes no value.
func AppendDNP3AnalogOutput(dst []byte, a DNP3AnalogOutput) []byte {
	dst = DNP3Header{Group: 41, Variation: a.Variation, Qualifier: DNP3QIndex16Count16, Count: 1}.Append(dst)
	dst = binary.LittleEndian.AppendUint16(dst, a.Index)
	switch a.Variation {
	case 1:
		dst = binary.LittleEndian.AppendUint32(dst, uint32(int32(a.Value)))
	case 2:
		dst = binary.LittleEndian.AppendUint16(dst, uint16(int16(a.Value)))
	case 3:
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(a.Value)))
	case 4:
		dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(a.Value))
	}
	return append(dst, a.Status)
}

// Device attribute variations of group 0 (IEEE 1815-2012, A.1).
const (
	DNP3AttrSoftwareVersion = 242
	DNP3AttrHardwareVersion = 243
	DNP3AttrLocation        = 245
	DNP3AttrDeviceID        = 246
	DNP3AttrDeviceName      = 247
	DNP3AttrSerialNumber    = 248
	DNP3AttrProductModel    = 250
	DNP3AttrManufacturer    = 252
	DNP3AttrAll             = 254
	DNP3AttrList            = 255
)

// Device attribute data type codes (IEEE 1815-2012, A.1.2).
const (
	DNP3AttrTypeVSTR = 1 // visible string
	DNP3AttrTypeUINT = 2
	DNP3AttrTypeINT  = 3
	DNP3AttrTypeFLT  = 4
	DNP3AttrTypeOSTR = 5
	DNP3AttrTypeBSTR = 6
)

// AppendDNP3AttributeRead appends a read header for attribute variation
// v of set 0 (qualifier 0x00, index 0 to 0).
func AppendDNP3AttributeRead(dst []byte, v uint8) []byte {
	return DNP3Header{Group: 0, Variation: v, Qualifier: DNP3QStartStop8}.Append(dst)
}

// AppendDNP3Attribute appends attribute variation v of set 0 in a
// response: header (qualifier 0x00, index 0 to 0), data type code,
// length, value (at most 255 octets).
func AppendDNP3Attribute(dst []byte, v, dtype uint8, value []byte) []byte {
	value = value[:min(len(value), 255)]
	dst = AppendDNP3AttributeRead(dst, v)
	dst = append(dst, dtype, byte(len(value)))
	return append(dst, value...)
}

// AppendDNP3AttributeString appends a VSTR attribute.
func AppendDNP3AttributeString(dst []byte, v uint8, s string) []byte {
	s = s[:min(len(s), 255)]
	dst = AppendDNP3AttributeRead(dst, v)
	dst = append(dst, DNP3AttrTypeVSTR, byte(len(s)))
	return append(dst, s...)
}
