package synth

// MQTT control packets (MQTT 3.1 as published by IBM, OASIS MQTT 3.1.1
// and MQTT 5.0), encoded from the specifications, independently of
// dissectors/mqtt. The builders append to dst and return the extended
// slice. Nothing is validated: a caller may set any flags, QoS 3,
// reserved packet types or lengths that contradict the content, which is
// what malformed captures need.

// MQTT control packet types (fixed header, high nibble of the first
// octet). 0 and, before 5.0, 15 are reserved.
const (
	MQTTTypeReserved    = 0
	MQTTTypeConnect     = 1
	MQTTTypeConnack     = 2
	MQTTTypePublish     = 3
	MQTTTypePuback      = 4
	MQTTTypePubrec      = 5
	MQTTTypePubrel      = 6
	MQTTTypePubcomp     = 7
	MQTTTypeSubscribe   = 8
	MQTTTypeSuback      = 9
	MQTTTypeUnsubscribe = 10
	MQTTTypeUnsuback    = 11
	MQTTTypePingreq     = 12
	MQTTTypePingresp    = 13
	MQTTTypeDisconnect  = 14
	MQTTTypeAuth        = 15
)

// Protocol levels of the CONNECT variable header.
const (
	MQTT31  = 3 // protocol name "MQIsdp"
	MQTT311 = 4 // "MQTT"
	MQTT5   = 5 // "MQTT"
)

// MQTTMaxRemaining is the largest remaining length four octets encode
// (268,435,455).
const MQTTMaxRemaining = 1<<28 - 1

// AppendMQTTVarInt appends n as a variable byte integer in the fewest
// octets (MQTT 3.1.1 2.2.3, 5.0 1.5.5): seven bits per octet, least
// significant group first, bit 7 set on every octet but the last. n past
// MQTTMaxRemaining takes a fifth octet, which no receiver accepts.
func AppendMQTTVarInt(dst []byte, n int) []byte {
	for {
		b := byte(n & 0x7F)
		n >>= 7
		if n == 0 {
			return append(dst, b)
		}
		dst = append(dst, b|0x80)
	}
}

// AppendMQTTVarIntN appends n in exactly octets octets, padding with
// zero-valued continuation groups: over-long forms (a 2-octet 5 is 85 00,
// a 5-octet one 85 80 80 80 00). If n needs more octets, the high bits are
// lost.
func AppendMQTTVarIntN(dst []byte, n, octets int) []byte {
	for i := 0; i < octets; i++ {
		b := byte(n & 0x7F)
		n >>= 7
		if i < octets-1 {
			b |= 0x80
		}
		dst = append(dst, b)
	}
	return dst
}

// MQTTVarIntLen returns how many octets AppendMQTTVarInt writes for n.
func MQTTVarIntLen(n int) int {
	k := 1
	for n >= 0x80 {
		n >>= 7
		k++
	}
	return k
}

// AppendMQTTHeader appends a fixed header: type, the four flag bits and
// the remaining length.
func AppendMQTTHeader(dst []byte, typ, flags byte, remaining int) []byte {
	return AppendMQTTVarInt(append(dst, typ<<4|flags&0x0F), remaining)
}

// AppendMQTTPacket appends a whole control packet: the fixed header of
// typ with flags and body (variable header and payload).
func AppendMQTTPacket(dst []byte, typ, flags byte, body []byte) []byte {
	return append(AppendMQTTHeader(dst, typ, flags, len(body)), body...)
}

// AppendMQTTString appends a UTF-8 string: two-octet big-endian length,
// then the octets (s is not checked: invalid UTF-8 goes out as given).
func AppendMQTTString(dst []byte, s string) []byte {
	dst = append(dst, byte(len(s)>>8), byte(len(s)))
	return append(dst, s...)
}

// AppendMQTTBinary appends binary data: two-octet length, then b.
func AppendMQTTBinary(dst []byte, b []byte) []byte {
	dst = append(dst, byte(len(b)>>8), byte(len(b)))
	return append(dst, b...)
}

func appendU16(dst []byte, v uint16) []byte { return append(dst, byte(v>>8), byte(v)) }

func appendU32(dst []byte, v uint32) []byte {
	return append(dst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
