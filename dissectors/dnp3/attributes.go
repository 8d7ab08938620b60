package dnp3

import (
	"encoding/binary"
	"encoding/hex"
	"math"
)

// Group 0 attribute data type codes (IEEE 1815-2012, device attributes).
const (
	dtNone      = 0
	dtVSTR      = 1 // visible ASCII string
	dtUINT      = 2 // unsigned integer, 1-4 (or 8) octets
	dtINT       = 3 // signed integer
	dtFLT       = 4 // IEEE float, 4 or 8 octets
	dtOSTR      = 5 // octet string
	dtBSTR      = 6 // bit string
	dtTIME      = 7 // DNP3 time, 6 octets
	dtUNCD      = 8 // Unicode (UTF-8) string
	dtU8BS8List = 254
	dtU8BS8Ext  = 255
)

// dataTypeName names a g0 attribute data type code.
func dataTypeName(t uint8) string {
	switch t {
	case dtNone:
		return "none"
	case dtVSTR:
		return "vstr"
	case dtUINT:
		return "uint"
	case dtINT:
		return "int"
	case dtFLT:
		return "flt"
	case dtOSTR:
		return "ostr"
	case dtBSTR:
		return "bstr"
	case dtTIME:
		return "time"
	case dtUNCD:
		return "uncd"
	case dtU8BS8List:
		return "u8bs8list"
	case dtU8BS8Ext:
		return "u8bs8exlist"
	}
	return "unknown"
}

// isTextType reports whether the value of data type t is kept in
// Point.Text (strings as they are; octet and bit strings and lists as
// hex).
func isTextType(t uint8) bool {
	switch t {
	case dtVSTR, dtUNCD, dtOSTR, dtBSTR, dtU8BS8List, dtU8BS8Ext:
		return true
	}
	return false
}

// attributeNames names the standard device attributes (group 0
// variations 196-255), snake_case.
var attributeNames = [...]string{
	196 - 196: "config_id",
	197 - 196: "config_version",
	198 - 196: "config_build_date",
	199 - 196: "config_change_date",
	200 - 196: "config_signature",
	201 - 196: "config_signature_algorithm",
	202 - 196: "master_resource_id",
	203 - 196: "device_altitude",
	204 - 196: "device_longitude",
	205 - 196: "device_latitude",
	206 - 196: "secondary_operator_name",
	207 - 196: "primary_operator_name",
	208 - 196: "system_name",
	209 - 196: "secure_auth_version",
	210 - 196: "security_stats_per_association",
	211 - 196: "user_specific_attributes",
	212 - 196: "master_data_set_prototypes",
	213 - 196: "outstation_data_set_prototypes",
	214 - 196: "master_data_sets",
	215 - 196: "outstation_data_sets",
	216 - 196: "max_binary_outputs_per_request",
	217 - 196: "local_timing_accuracy",
	218 - 196: "timing_accuracy_duration",
	219 - 196: "analog_output_events_supported",
	220 - 196: "max_analog_output_index",
	221 - 196: "analog_output_count",
	222 - 196: "binary_output_events_supported",
	223 - 196: "max_binary_output_index",
	224 - 196: "binary_output_count",
	225 - 196: "frozen_counter_events_supported",
	226 - 196: "frozen_counters_supported",
	227 - 196: "counter_events_supported",
	228 - 196: "max_counter_index",
	229 - 196: "counter_count",
	230 - 196: "frozen_analog_inputs_supported",
	231 - 196: "analog_input_events_supported",
	232 - 196: "max_analog_input_index",
	233 - 196: "analog_input_count",
	234 - 196: "double_bit_input_events_supported",
	235 - 196: "max_double_bit_input_index",
	236 - 196: "double_bit_input_count",
	237 - 196: "binary_input_events_supported",
	238 - 196: "max_binary_input_index",
	239 - 196: "binary_input_count",
	240 - 196: "max_transmit_fragment_size",
	241 - 196: "max_receive_fragment_size",
	242 - 196: "software_version",
	243 - 196: "hardware_version",
	244 - 196: "reserved",
	245 - 196: "location",
	246 - 196: "id_code",
	247 - 196: "device_name",
	248 - 196: "serial_number",
	249 - 196: "subset_and_conformance",
	250 - 196: "product_name_and_model",
	251 - 196: "reserved",
	252 - 196: "vendor_name",
	253 - 196: "reserved",
	254 - 196: "all_attributes_request",
	255 - 196: "attribute_list",
}

// attributeName names device attribute (group 0 variation) v; variations
// below 196 are user-defined ("user_defined").
func attributeName(v uint8) string {
	if v >= 196 {
		return attributeNames[v-196]
	}
	return "user_defined"
}

// attrCache keeps the last string value seen for each attribute variation,
// so that a device reporting the same attributes again allocates nothing.
type attrCache struct {
	strs [256]string
	hex  []byte
	dev  DeviceAttributes
}

// text returns the cached string for attribute v with value b (hex for
// octet and bit strings and lists).
func (c *attrCache) text(v, dtype uint8, b []byte) string {
	if dtype != dtVSTR && dtype != dtUNCD {
		c.hex = hex.AppendEncode(c.hex[:0], b)
		b = c.hex
	}
	if c.strs[v] != string(b) {
		c.strs[v] = string(b)
	}
	return c.strs[v]
}

// attributePoint decodes one group 0 object (data type, length, value,
// already bounds-checked: b holds exactly 2+length octets) into p, and
// records identity strings in dev. It returns false when the value's
// length does not fit its data type.
func (c *attrCache) attributePoint(p *Point, v uint8, b []byte, dev **DeviceAttributes) bool {
	p.kind, p.vari, p.dtype = pkAttribute, v, b[0]
	val := b[2:]
	switch p.dtype {
	case dtUINT:
		switch len(val) {
		case 1, 2, 4:
			p.Value = float64(readUint(val, len(val)))
		case 8:
			p.Value = float64(binary.LittleEndian.Uint64(val))
		default:
			return false
		}
	case dtINT:
		switch len(val) {
		case 1:
			p.Value = float64(int8(val[0]))
		case 2:
			p.Value = float64(int16(binary.LittleEndian.Uint16(val)))
		case 4:
			p.Value = float64(int32(binary.LittleEndian.Uint32(val)))
		case 8:
			p.Value = float64(int64(binary.LittleEndian.Uint64(val)))
		default:
			return false
		}
	case dtFLT:
		switch len(val) {
		case 4:
			p.Value = float64(math.Float32frombits(binary.LittleEndian.Uint32(val)))
		case 8:
			p.Value = math.Float64frombits(binary.LittleEndian.Uint64(val))
		default:
			return false
		}
	case dtTIME:
		if len(val) != 6 {
			return false
		}
		p.Time = uint48(val)
	default:
		if isTextType(p.dtype) {
			p.Text = c.text(v, p.dtype, val)
		}
	}
	if p.dtype == dtVSTR || p.dtype == dtUNCD {
		c.identity(v, p.Text, dev)
	}
	return true
}

// identity records the identity attributes among the string attributes.
func (c *attrCache) identity(v uint8, s string, dev **DeviceAttributes) {
	var field *string
	d := &c.dev
	switch v {
	case 252:
		field = &d.Vendor
	case 250:
		field = &d.Model
	case 242:
		field = &d.SoftwareVersion
	case 243:
		field = &d.HardwareVersion
	case 248:
		field = &d.Serial
	case 247:
		field = &d.Name
	case 245:
		field = &d.Location
	case 246:
		field = &d.IDCode
	default:
		return
	}
	if *dev == nil {
		c.dev = DeviceAttributes{}
		*dev = &c.dev
	}
	*field = s
}
