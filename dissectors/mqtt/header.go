package mqtt

// Fixed header (MQTT 3.1.1 2.2, MQTT 5.0 2.1).
const (
	maxLengthBytes = 4                  // remaining length: 1-4 octets of 7 bits
	maxHeaderLen   = 1 + maxLengthBytes // control octet + remaining length
	// MaxRemainingLength is the largest remaining length 4 octets encode.
	MaxRemainingLength = 268435455
)

// lengthStatus is the outcome of reading a remaining length.
type lengthStatus uint8

const (
	lengthOK        lengthStatus = iota
	lengthNeedMore               // data ends inside the field
	lengthMalformed              // a 4th octet with the continuation bit
)

// remainingLength reads the fixed header at data: the remaining length and
// the header's size (control octet included). Non-minimal encodings
// (0x80 0x00) are accepted, as brokers and tshark do.
func remainingLength(data []byte) (length, hlen int, st lengthStatus) {
	for i := 1; i <= maxLengthBytes; i++ {
		if i >= len(data) {
			return 0, 0, lengthNeedMore
		}
		b := data[i]
		length |= int(b&0x7F) << (7 * (i - 1))
		if b&0x80 == 0 {
			return length, i + 1, lengthOK
		}
	}
	return 0, 0, lengthMalformed
}

// plausibleType reports whether control octet h has a type of 1 to 15 and
// the flags its type requires (PUBLISH: any but QoS 3).
func plausibleType(h byte) bool {
	t, flags := PacketType(h>>4), h&0x0F
	switch t {
	case Reserved:
		return false
	case Publish:
		return flags&0x06 != 0x06
	case PubRel, Subscribe, Unsubscribe:
		return flags == 0x02
	}
	return flags == 0
}

// plausibleLength reports whether a packet of type t may have this
// remaining length: the smallest variable header and payload of each type
// (any protocol version), and exactly 0 for PINGREQ and PINGRESP.
func plausibleLength(h byte, length int) bool {
	switch PacketType(h >> 4) {
	case Connect:
		return length >= 12 // "MQTT" (2+4), level, flags, keep alive, client id length
	case ConnAck, PubAck, PubRec, PubRel, PubComp, UnsubAck:
		return length >= 2
	case Publish:
		if h&0x06 != 0 {
			return length >= 4 // topic length, packet id
		}
		return length >= 2
	case Subscribe:
		return length >= 6 // packet id, filter length, 1-octet filter, options
	case SubAck:
		return length >= 3
	case Unsubscribe:
		return length >= 5
	case PingReq, PingResp:
		return length == 0
	}
	return true // DISCONNECT, AUTH
}

// plausibleHeader reports whether data starts with a plausible fixed
// header: type and flags, a well-formed remaining length no larger than
// maxLen and plausible for the type. complete is false when data ends
// inside the header (ok then says the prefix is plausible so far).
func plausibleHeader(data []byte, maxLen int) (length, hlen int, ok, complete bool) {
	if len(data) == 0 {
		return 0, 0, true, false
	}
	if !plausibleType(data[0]) {
		return 0, 0, false, false
	}
	length, hlen, st := remainingLength(data)
	switch st {
	case lengthNeedMore:
		return 0, 0, true, false
	case lengthMalformed:
		return 0, 0, false, false
	}
	return length, hlen, length <= maxLen && plausibleLength(data[0], length), true
}
