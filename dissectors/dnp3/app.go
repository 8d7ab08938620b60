package dnp3

// appDecoder decodes complete application fragments; one per Parser, reused.
type appDecoder struct {
	points []Point // backing array of every Object.Points of the fragment
	spans  []span  // per object: its points in points
	attrs  attrCache
}

// span is the range of one object's points in appDecoder.points.
type span struct{ lo, hi int }

// decode fills r's application fields (FIR..Device; it resets them first,
// reusing r.Objects and point storage) from frag, which starts at the
// application control octet. Anomalies found go to f. It never panics and
// allocates nothing once warm (g0 strings may allocate when their value
// changes, as Modbus device-id strings do).
func (d *appDecoder) decode(frag []byte, r *Record, f *findings) {
	r.FIR, r.FIN, r.CON, r.UNS, r.Seq = false, false, false, false, 0
	r.FunctionCode, r.Function, r.Response, r.Unsolicited, r.IIN = 0, "", false, false, 0
	clear(r.Objects)
	r.Objects, r.Device = r.Objects[:0], nil
	d.points, d.spans = d.points[:0], d.spans[:0]
	if len(frag) < 2 {
		f.Add(anFragmentTooShort, "fragment shorter than 2 octets")
		return
	}
	c := frag[0]
	r.FIR, r.FIN, r.CON, r.UNS, r.Seq = c&0x80 != 0, c&0x40 != 0, c&0x20 != 0, c&0x10 != 0, c&0x0F
	r.FunctionCode = frag[1]
	name, known := functionName(r.FunctionCode)
	r.Function = name
	r.Response = r.FunctionCode >= 129 && r.FunctionCode <= 131
	r.Unsolicited = r.FunctionCode == 130
	off := 2
	if r.Response {
		if len(frag) < 4 {
			f.Add(anFragmentTooShort, "response shorter than 4 octets")
			return
		}
		r.IIN = uint16(frag[2]) | uint16(frag[3])<<8
		off = 4
	}
	if !known {
		// The layout of an unknown function's data cannot be told.
		f.Add(anUnknownFunction, "function code not defined by IEEE 1815")
		return
	}
	d.objects(frag, off, r, f)
	for i := range r.Objects {
		if s := d.spans[i]; s.hi > s.lo {
			r.Objects[i].Points = d.points[s.lo:s.hi:s.hi]
		}
	}
}
