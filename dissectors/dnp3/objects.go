package dnp3

import "encoding/binary"

// sizeKind tells how the data of one object of a group/variation is sized.
type sizeKind uint8

const (
	szUnknown   sizeKind = iota // size cannot be told (unknown object, variation 0 with data)
	szNone                      // no data ever (class polls)
	szFixed                     // size octets per object
	szBits                      // packed: size bits per object, the whole header rounded up to octets
	szVariation                 // octets = variation (octet strings, virtual terminal)
	szAttribute                 // group 0: data type, length, value
	szPrefixed                  // free format: only a size prefix tells the size
)

// objectInfo describes one group/variation.
type objectInfo struct {
	name string
	kind sizeKind
	size int
}

// Object sizes in octets (IEEE 1815-2012 Annex A). Index 0 of each row is
// variation 0 ("any variation", valid only without data).
var (
	sizesG2   = []int{0, 1, 7, 3}                              // g2, g4 events
	sizesG20  = []int{0, 5, 3, 5, 3, 4, 2, 4, 2}               // counters
	sizesG21  = []int{0, 5, 3, 5, 3, 11, 9, 11, 9, 4, 2, 4, 2} // frozen counters
	sizesG22  = []int{0, 5, 3, 5, 3, 11, 9, 11, 9}             // counter events, frozen counter events
	sizesG30  = []int{0, 5, 3, 4, 2, 5, 9}                     // analog inputs
	sizesG31  = []int{0, 5, 3, 11, 9, 4, 2, 5, 9}              // frozen analog inputs
	sizesG32  = []int{0, 5, 3, 11, 9, 5, 9, 11, 15}            // analog events (g32, g33, g42, g43)
	sizesG34  = []int{0, 2, 4, 4}                              // deadbands
	sizesG40  = []int{0, 5, 3, 5, 9}                           // analog output status / commands (g40, g41)
	sizesG50  = []int{0, 6, 10, 6, 11}                         // time and date
	sizesG101 = []int{0, 2, 4, 8}                              // BCD
	sizesG122 = []int{0, 7, 13}                                // security statistic events
)

// lookupObject returns what is known of group g variation v; ok is false
// for groups and variations this package does not know.
func lookupObject(g, v uint8) (info objectInfo, ok bool) {
	fixed := func(name string, sizes []int) (objectInfo, bool) {
		if int(v) >= len(sizes) {
			return objectInfo{name: name}, false
		}
		if v == 0 {
			return objectInfo{name: name, kind: szUnknown}, true
		}
		return objectInfo{name: name, kind: szFixed, size: sizes[v]}, true
	}
	bitsOr := func(name string, bits, size int) (objectInfo, bool) {
		switch v {
		case 0:
			return objectInfo{name: name}, true
		case 1:
			return objectInfo{name: name, kind: szBits, size: bits}, true
		case 2:
			return objectInfo{name: name, kind: szFixed, size: size}, true
		}
		return objectInfo{name: name}, false
	}
	prefixed := func(name string, maxVar uint8) (objectInfo, bool) {
		if v == 0 || v > maxVar {
			return objectInfo{name: name}, false
		}
		return objectInfo{name: name, kind: szPrefixed}, true
	}
	switch g {
	case 0:
		switch v {
		case 254:
			return objectInfo{name: "all_attributes_request", kind: szAttribute}, true
		case 255:
			return objectInfo{name: "attribute_list", kind: szAttribute}, true
		case 0:
			return objectInfo{name: "device_attribute"}, false
		}
		return objectInfo{name: "device_attribute", kind: szAttribute}, true
	case 1:
		return bitsOr("binary_input", 1, 1)
	case 2:
		return fixed("binary_input_event", sizesG2)
	case 3:
		return bitsOr("double_bit_binary_input", 2, 1)
	case 4:
		return fixed("double_bit_binary_input_event", sizesG2)
	case 10:
		return bitsOr("binary_output", 1, 1)
	case 11:
		return fixed("binary_output_event", sizesG2[:3])
	case 12:
		switch v {
		case 0:
			return objectInfo{name: "crob"}, true
		case 1:
			return objectInfo{name: "crob", kind: szFixed, size: 11}, true
		case 2:
			return objectInfo{name: "pattern_control_block", kind: szFixed, size: 11}, true
		case 3:
			return objectInfo{name: "pattern_mask", kind: szBits, size: 1}, true
		}
		return objectInfo{name: "crob"}, false
	case 13:
		return fixed("binary_output_command_event", sizesG2[:3])
	case 20:
		return fixed("counter", sizesG20)
	case 21:
		return fixed("frozen_counter", sizesG21)
	case 22:
		return fixed("counter_event", sizesG22)
	case 23:
		return fixed("frozen_counter_event", sizesG22)
	case 30:
		return fixed("analog_input", sizesG30)
	case 31:
		return fixed("frozen_analog_input", sizesG31)
	case 32:
		return fixed("analog_input_event", sizesG32)
	case 33:
		return fixed("frozen_analog_input_event", sizesG32)
	case 34:
		return fixed("analog_input_deadband", sizesG34)
	case 40:
		return fixed("analog_output_status", sizesG40)
	case 41:
		return fixed("analog_output_command", sizesG40)
	case 42:
		return fixed("analog_output_event", sizesG32)
	case 43:
		return fixed("analog_output_command_event", sizesG32)
	case 50:
		names := [...]string{"time_and_date", "time_and_date", "time_and_date_with_interval", "last_recorded_time", "indexed_time_and_interval"}
		if int(v) < len(names) {
			return fixed(names[v], sizesG50)
		}
		return objectInfo{name: "time_and_date"}, false
	case 51:
		switch v {
		case 1:
			return objectInfo{name: "time_and_date_cto", kind: szFixed, size: 6}, true
		case 2:
			return objectInfo{name: "unsynchronized_time_and_date_cto", kind: szFixed, size: 6}, true
		}
		return objectInfo{name: "time_and_date_cto"}, false
	case 52:
		switch v {
		case 1:
			return objectInfo{name: "time_delay_coarse", kind: szFixed, size: 2}, true
		case 2:
			return objectInfo{name: "time_delay_fine", kind: szFixed, size: 2}, true
		}
		return objectInfo{name: "time_delay"}, false
	case 60:
		names := [...]string{"class_0_data", "class_1_data", "class_2_data", "class_3_data"}
		if v >= 1 && v <= 4 {
			return objectInfo{name: names[v-1], kind: szNone}, true
		}
		return objectInfo{name: "class_data"}, false
	case 70:
		names := [...]string{"file_control", "file_identifier", "file_authentication", "file_command",
			"file_command_status", "file_transport", "file_transport_status", "file_descriptor",
			"file_specification_string"}
		if int(v) < len(names) {
			info, ok := prefixed(names[v], 8)
			return info, ok && v != 1 // v1 (file identifier) is obsolete
		}
		return objectInfo{name: "file_control"}, false
	case 80:
		if v == 1 {
			return objectInfo{name: "iin", kind: szBits, size: 1}, true
		}
		return objectInfo{name: "iin"}, false
	case 81:
		return fixed("storage", []int{0, 3})
	case 82:
		return prefixed("device_profile", 1)
	case 83:
		return prefixed("private_data_set", 2)
	case 85:
		return prefixed("data_set_prototype", 1)
	case 86:
		return prefixed("data_set_descriptor", 3)
	case 87:
		return prefixed("data_set", 1)
	case 88:
		return prefixed("data_set_event", 1)
	case 90:
		return prefixed("application_identifier", 1)
	case 91:
		return prefixed("activate_config_status", 1)
	case 101:
		return fixed("bcd", sizesG101)
	case 102:
		return fixed("unsigned_integer", []int{0, 1})
	case 110, 111, 112, 113:
		names := [...]string{"octet_string", "octet_string_event", "virtual_terminal_output", "virtual_terminal_event"}
		if v == 0 {
			return objectInfo{name: names[g-110]}, true
		}
		return objectInfo{name: names[g-110], kind: szVariation}, true
	case 120:
		switch {
		case v == 3: // aggressive mode request: CSQ, user number
			return objectInfo{name: "authentication", kind: szFixed, size: 6}, true
		case v == 4: // session key status request: user number
			return objectInfo{name: "authentication", kind: szFixed, size: 2}, true
		case v >= 1 && v <= 15:
			return objectInfo{name: "authentication", kind: szPrefixed}, true
		}
		return objectInfo{name: "authentication"}, false
	case 121:
		return fixed("security_statistic", []int{0, 7})
	case 122:
		return fixed("security_statistic_event", sizesG122)
	}
	return objectInfo{}, false
}

// carriesData reports whether objects of group g carry data in a fragment
// with function code fc. Read, freeze, assign class and (dis)enable
// unsolicited requests name objects without data (only index prefixes);
// freeze-at-time requests carry a group 50 time first. Class objects
// (group 60) never carry data.
func carriesData(fc, g uint8) bool {
	switch fc {
	case 1, 7, 8, 9, 10, 20, 21, 22:
		return false
	case 11, 12:
		return g == 50
	}
	return g != 60
}

// readUint reads a little-endian unsigned integer of w (1, 2 or 4) octets.
func readUint(b []byte, w int) uint32 {
	switch w {
	case 1:
		return uint32(b[0])
	case 2:
		return uint32(binary.LittleEndian.Uint16(b))
	}
	return binary.LittleEndian.Uint32(b)
}

// prefixWidth returns the octets of prefix code p (0-6) and whether it is
// an object size (4-6) rather than an index (1-3).
func prefixWidth(p uint8) (w int, size bool) {
	switch p {
	case 1, 4:
		w = 1
	case 2, 5:
		w = 2
	case 3, 6:
		w = 4
	}
	return w, p >= 4
}

// header reads the object header at b[off:] into o; it returns the offset
// after it, or a constant reason why it is malformed.
func readHeader(b []byte, off int, o *Object) (int, string) {
	if len(b)-off < 3 {
		return off, "object header truncated"
	}
	o.Group, o.Variation, o.Qualifier = b[off], b[off+1], b[off+2]
	off += 3
	if o.Qualifier>>4&7 == 7 {
		return off, "reserved qualifier prefix code 7"
	}
	var w int
	rangeCode := o.Qualifier & 0x0F
	switch rangeCode {
	case 0, 3:
		w = 1
	case 1, 4:
		w = 2
	case 2, 5:
		w = 4
	case 6:
		return off, ""
	case 7, 0xB:
		w = 1
	case 8:
		w = 2
	case 9:
		w = 4
	default:
		return off, "reserved qualifier range code"
	}
	if rangeCode <= 5 {
		if len(b)-off < 2*w {
			return off, "object range truncated"
		}
		o.HasRange = true
		o.Start, o.Stop = readUint(b[off:], w), readUint(b[off+w:], w)
		off += 2 * w
		if o.Stop < o.Start {
			return off, "object range stop below start"
		}
		// Stop-Start+1 overflows only for the full 32-bit range, which
		// no fragment can hold: keep it saturated.
		if n := o.Stop - o.Start; n == ^uint32(0) {
			o.Count = n
		} else {
			o.Count = n + 1
		}
		return off, ""
	}
	if len(b)-off < w {
		return off, "object count truncated"
	}
	o.Count = readUint(b[off:], w)
	return off + w, ""
}

// objects decodes the object headers after the application header (frag
// from off) into r.Objects and their points into d.points.
func (d *appDecoder) objects(frag []byte, off int, r *Record, f *findings) {
	for off < len(frag) {
		var o Object
		next, bad := readHeader(frag, off, &o)
		if bad != "" {
			f.Add(anMalformedObjects, bad)
			return
		}
		info, known := lookupObject(o.Group, o.Variation)
		o.Name = info.name
		if o.Name == "" {
			o.Name = "unknown"
		}
		r.Objects = append(r.Objects, o)
		d.spans = append(d.spans, span{len(d.points), len(d.points)})
		last := len(r.Objects) - 1
		var ok bool
		off, ok = d.objectData(frag, next, &r.Objects[last], info, known, carriesData(r.FunctionCode, o.Group), r, f)
		d.spans[last].hi = len(d.points)
		if !ok {
			return
		}
	}
}

// objectData consumes the data (or index prefixes) of object header o,
// which starts at b[off:], decoding points where this package does. It
// returns the offset after it, and false when the rest of the fragment
// cannot be parsed (anomaly added).
func (d *appDecoder) objectData(b []byte, off int, o *Object, info objectInfo, known, data bool, r *Record, f *findings) (int, bool) {
	pw, sizePrefix := prefixWidth(o.Qualifier >> 4 & 7)
	rest := uint64(len(b) - off)
	count := uint64(o.Count)
	if !known {
		f.Add(anUnknownObject, "object group/variation not known")
	}
	if sizePrefix {
		return d.sizedItems(b, off, o, info, known, r, f)
	}
	if !data {
		// Only index prefixes (if any) follow the header.
		need := count * uint64(pw)
		if need > rest {
			f.Add(anMalformedObjects, "object indexes run past the fragment")
			return off, false
		}
		return off + int(need), true
	}
	if !known {
		return off, false // size unknown: the rest is skipped
	}
	decode := decodesPoints(o.Group, o.Variation)
	switch info.kind {
	case szNone:
		return off, true
	case szBits:
		if pw == 0 {
			need := (count*uint64(info.size) + 7) / 8
			if need > rest {
				f.Add(anMalformedObjects, "object data runs past the fragment")
				return off, false
			}
			if decode { // group 80: one point per bit
				for i := uint64(0); i < count; i++ {
					p := d.point(f)
					if p == nil {
						break
					}
					p.kind, p.Index = pkIIN, o.Start+uint32(i)
					p.Bit = b[off+int(i/8)]>>(i%8)&1 != 0
				}
			}
			return off + int(need), true
		}
		// With index prefixes each packed object takes one octet.
		return d.fixedItems(b, off, o, pw, 1, decode, r, f)
	case szFixed:
		return d.fixedItems(b, off, o, pw, info.size, decode, r, f)
	case szVariation:
		if o.Variation == 0 {
			break
		}
		return d.fixedItems(b, off, o, pw, int(o.Variation), false, r, f)
	case szAttribute:
		return d.attributeItems(b, off, o, pw, r, f)
	case szPrefixed:
		f.Add(anMalformedObjects, "free-format object without a size prefix")
		return off, false
	}
	f.Add(anMalformedObjects, "variation 0 carries no defined data")
	return off, false
}

// itemIndex returns the point index of item i: from its index prefix when
// pw > 0, else from the range (or i for count qualifiers).
func itemIndex(b []byte, off, pw int, o *Object, i uint64) uint32 {
	if pw > 0 {
		return readUint(b[off:], pw)
	}
	return o.Start + uint32(i)
}

// fixedItems consumes o.Count objects of size octets, each after a pw
// octet index prefix, decoding their points when decode is set.
func (d *appDecoder) fixedItems(b []byte, off int, o *Object, pw, size int, decode bool, r *Record, f *findings) (int, bool) {
	per := uint64(pw + size)
	need := uint64(o.Count) * per
	if need > uint64(len(b)-off) {
		f.Add(anMalformedObjects, "object data runs past the fragment")
		return off, false
	}
	if decode {
		for i := uint64(0); i < uint64(o.Count); i++ {
			at := off + int(i*per)
			if !d.decodePoint(o, itemIndex(b, at, pw, o, i), b[at+pw:at+pw+size], r, f) {
				break
			}
		}
	}
	return off + int(need), true
}

// attributeItems consumes o.Count group 0 objects (data type, length,
// value), each after a pw octet index prefix.
func (d *appDecoder) attributeItems(b []byte, off int, o *Object, pw int, r *Record, f *findings) (int, bool) {
	for i := uint64(0); i < uint64(o.Count); i++ {
		if len(b)-off < pw+2 || len(b)-off < pw+2+int(b[off+pw+1]) {
			f.Add(anMalformedObjects, "object data runs past the fragment")
			return off, false
		}
		n := pw + 2 + int(b[off+pw+1])
		d.decodePoint(o, itemIndex(b, off, pw, o, i), b[off+pw:off+n], r, f)
		off += n
	}
	return off, true
}

// sizedItems consumes o.Count objects each preceded by an object size
// prefix (prefix codes 4-6), decoding points of known objects whose size
// is large enough.
func (d *appDecoder) sizedItems(b []byte, off int, o *Object, info objectInfo, known bool, r *Record, f *findings) (int, bool) {
	pw, _ := prefixWidth(o.Qualifier >> 4 & 7)
	decode := known && decodesPoints(o.Group, o.Variation)
	for i := uint64(0); i < uint64(o.Count); i++ {
		if len(b)-off < pw {
			f.Add(anMalformedObjects, "object size prefix runs past the fragment")
			return off, false
		}
		n := uint64(readUint(b[off:], pw))
		off += pw
		if n > uint64(len(b)-off) {
			f.Add(anMalformedObjects, "object data runs past the fragment")
			return off, false
		}
		item := b[off : off+int(n)]
		off += int(n)
		if !decode {
			continue
		}
		idx := o.Start + uint32(i)
		switch info.kind {
		case szAttribute:
			if len(item) >= 2 && len(item) >= 2+int(item[1]) {
				d.decodePoint(o, idx, item[:2+int(item[1])], r, f)
			}
		case szFixed:
			if len(item) >= info.size {
				d.decodePoint(o, idx, item[:info.size], r, f)
			}
		}
	}
	return off, true
}

// point returns a new point in the fragment's backing array, or nil (and
// the too_many_points anomaly) once MaxPoints are decoded.
func (d *appDecoder) point(f *findings) *Point {
	if len(d.points) >= MaxPoints {
		f.Add(anTooManyPoints, "more than MaxPoints points in a fragment")
		return nil
	}
	d.points = append(d.points, Point{})
	return &d.points[len(d.points)-1]
}

// decodePoint decodes one object of a decoded group from b (exactly its
// size); it returns false once the point cap is hit.
func (d *appDecoder) decodePoint(o *Object, idx uint32, b []byte, r *Record, f *findings) bool {
	p := d.point(f)
	if p == nil {
		return false
	}
	p.Index, p.vari = idx, o.Variation
	switch o.Group {
	case 0:
		if !d.attrs.attributePoint(p, o.Variation, b, &r.Device) {
			d.points = d.points[:len(d.points)-1] // value length does not fit its type
		}
	case 12:
		controlPoint(p, b)
	case 41:
		analogOutputPoint(p, o.Variation, b)
	case 50:
		timePoint(p, o.Variation, b)
	case 80: // packed bit behind an index prefix: one octet, bit 0
		p.kind, p.Bit = pkIIN, b[0]&1 != 0
	}
	return true
}
