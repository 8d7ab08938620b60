package dnp3

import (
	"encoding/binary"
	"math"
)

// pointKind tells which Point fields apply.
type pointKind uint8

const (
	pkNone      pointKind = iota
	pkCROB                // g12v1 CROB, g12v2 pattern control block
	pkAnalogOut           // g41 analog output command
	pkTime                // g50 time and date
	pkAttribute           // g0 device attribute
	pkIIN                 // g80v1 internal indication bit
)

// decodesPoints reports whether points of group g variation v are decoded.
func decodesPoints(g, v uint8) bool {
	switch g {
	case 0, 41, 50:
		return true
	case 12:
		return v == 1 || v == 2
	case 80:
		return v == 1
	}
	return false
}

// controlPoint decodes a g12v1/g12v2 object (11 octets): control code,
// count, on-time and off-time in ms, status.
func controlPoint(p *Point, b []byte) {
	p.kind = pkCROB
	p.ControlCode, p.Count = b[0], b[1]
	p.OnTime = binary.LittleEndian.Uint32(b[2:])
	p.OffTime = binary.LittleEndian.Uint32(b[6:])
	p.Status = b[10]
}

// analogOutputPoint decodes a g41 object: value (int32, int16, float32 or
// float64 for variations 1-4) then status.
func analogOutputPoint(p *Point, v uint8, b []byte) {
	p.kind = pkAnalogOut
	switch v {
	case 1:
		p.Value = float64(int32(binary.LittleEndian.Uint32(b)))
		p.Status = b[4]
	case 2:
		p.Value = float64(int16(binary.LittleEndian.Uint16(b)))
		p.Status = b[2]
	case 3:
		p.Value = float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		p.Status = b[4]
	case 4:
		p.Value = math.Float64frombits(binary.LittleEndian.Uint64(b))
		p.Status = b[8]
	}
}

// uint48 reads a DNP3 absolute time: 48-bit ms since 1970-01-01 UTC.
func uint48(b []byte) uint64 {
	return uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint16(b[4:]))<<32
}

// timePoint decodes a g50 object: v1 and v3 time; v2 time and interval
// (ms); v4 time, interval count and interval units.
func timePoint(p *Point, v uint8, b []byte) {
	p.kind = pkTime
	p.Time = uint48(b)
	switch v {
	case 2:
		p.Interval = binary.LittleEndian.Uint32(b[6:])
	case 4:
		p.Interval = intervalMS(binary.LittleEndian.Uint32(b[6:]), b[10])
	}
}

// intervalMS converts a g50v4 interval count in units (1 ms, 2 s, 3 min,
// 4 h, 5 days, 6 weeks) to ms; 0 for other units, 0 on overflow.
func intervalMS(n uint32, units uint8) uint32 {
	mult := [...]uint64{0, 1, 1000, 60000, 3600000, 86400000, 604800000}
	if int(units) >= len(mult) {
		return 0
	}
	ms := uint64(n) * mult[units]
	if ms > math.MaxUint32 {
		return 0
	}
	return uint32(ms)
}

// crobOperation names the operation type (control code bits 0-3).
func crobOperation(code uint8) string {
	switch code & 0x0F {
	case 0:
		return "nul"
	case 1:
		return "pulse_on"
	case 2:
		return "pulse_off"
	case 3:
		return "latch_on"
	case 4:
		return "latch_off"
	}
	return "reserved"
}

// crobTripClose names the trip-close code (control code bits 6-7).
func crobTripClose(code uint8) string {
	switch code >> 6 {
	case 0:
		return "nul"
	case 1:
		return "close"
	case 2:
		return "trip"
	}
	return "reserved"
}

// commandStatusNames are the control status codes of IEEE 1815-2012
// (CROB and analog output command status): 0-18, then 126
// and 127.
var commandStatusNames = [...]string{
	"success",
	"timeout",
	"no_select",
	"format_error",
	"not_supported",
	"already_active",
	"hardware_error",
	"local",
	"too_many_objs",
	"not_authorized",
	"automation_inhibit",
	"processing_limited",
	"out_of_range",
	"downstream_local",
	"already_complete",
	"blocked",
	"canceled",
	"blocked_other_master",
	"downstream_fail",
}

// commandStatusName names a control status (bit 7 is reserved and
// ignored).
func commandStatusName(s uint8) string {
	s &= 0x7F
	switch {
	case int(s) < len(commandStatusNames):
		return commandStatusNames[s]
	case s == 126:
		return "non_participating"
	case s == 127:
		return "undefined"
	}
	return "reserved"
}
