package mqtt

// willProps is the property set bit of CONNECT's will properties; the
// other bits are 1 << PacketType.
const willProps = 1 << 16

// propInfo describes one MQTT 5.0 property (5.0 2.2.2.2, table 2-4).
type propInfo struct {
	name string
	typ  PropertyType
	// packets where the property may appear (1 << PacketType, willProps).
	packets uint32
	// repeat: packets where it may appear more than once.
	repeat uint32
	// max is the largest valid value of a byte property (0: any); nonZero
	// says 0 is a protocol error (two-byte and four-byte integers, and
	// variable byte integers).
	max     uint8
	nonZero bool
}

const (
	pPublish     = 1 << Publish
	pConnect     = 1 << Connect
	pConnAck     = 1 << ConnAck
	pSubscribe   = 1 << Subscribe
	pDisconnect  = 1 << Disconnect
	pAuth        = 1 << Auth
	pAcks        = 1<<PubAck | 1<<PubRec | 1<<PubRel | 1<<PubComp | 1<<SubAck | 1<<UnsubAck
	pAllPackets  = pConnect | pConnAck | pPublish | willProps | pAcks | pSubscribe | 1<<Unsubscribe | pDisconnect | pAuth
	pWillPublish = pPublish | willProps
)

// props lists every MQTT 5.0 property by identifier.
var props = [...]propInfo{
	0x01: {name: "payload_format_indicator", typ: PropByte, packets: pWillPublish, max: 1},
	0x02: {name: "message_expiry_interval", typ: PropUint32, packets: pWillPublish},
	0x03: {name: "content_type", typ: PropString, packets: pWillPublish},
	0x08: {name: "response_topic", typ: PropString, packets: pWillPublish},
	0x09: {name: "correlation_data", typ: PropBinary, packets: pWillPublish},
	0x0B: {name: "subscription_identifier", typ: PropVarInt, packets: pPublish | pSubscribe, repeat: pPublish, nonZero: true},
	0x11: {name: "session_expiry_interval", typ: PropUint32, packets: pConnect | pConnAck | pDisconnect},
	0x12: {name: "assigned_client_identifier", typ: PropString, packets: pConnAck},
	0x13: {name: "server_keep_alive", typ: PropUint16, packets: pConnAck},
	0x15: {name: "authentication_method", typ: PropString, packets: pConnect | pConnAck | pAuth},
	0x16: {name: "authentication_data", typ: PropBinary, packets: pConnect | pConnAck | pAuth},
	0x17: {name: "request_problem_information", typ: PropByte, packets: pConnect, max: 1},
	0x18: {name: "will_delay_interval", typ: PropUint32, packets: willProps},
	0x19: {name: "request_response_information", typ: PropByte, packets: pConnect, max: 1},
	0x1A: {name: "response_information", typ: PropString, packets: pConnAck},
	0x1C: {name: "server_reference", typ: PropString, packets: pConnAck | pDisconnect},
	0x1F: {name: "reason_string", typ: PropString, packets: pConnAck | pAcks | pDisconnect | pAuth},
	0x21: {name: "receive_maximum", typ: PropUint16, packets: pConnect | pConnAck, nonZero: true},
	0x22: {name: "topic_alias_maximum", typ: PropUint16, packets: pConnect | pConnAck},
	0x23: {name: "topic_alias", typ: PropUint16, packets: pPublish, nonZero: true},
	0x24: {name: "maximum_qos", typ: PropByte, packets: pConnAck, max: 1},
	0x25: {name: "retain_available", typ: PropByte, packets: pConnAck, max: 1},
	0x26: {name: "user_property", typ: PropStringPair, packets: pAllPackets, repeat: pAllPackets},
	0x27: {name: "maximum_packet_size", typ: PropUint32, packets: pConnect | pConnAck, nonZero: true},
	0x28: {name: "wildcard_subscription_available", typ: PropByte, packets: pConnAck, max: 1},
	0x29: {name: "subscription_identifier_available", typ: PropByte, packets: pConnAck, max: 1},
	0x2A: {name: "shared_subscription_available", typ: PropByte, packets: pConnAck, max: 1},
}

// PropertyName returns the snake_case name of MQTT 5.0 property id, or ""
// for an id the standard does not define.
func PropertyName(id uint8) string {
	if int(id) < len(props) {
		return props[id].name
	}
	return ""
}

// maxKept caps how many filters, reason codes and properties one Record
// keeps (the rest are still checked, not stored), so that one large
// packet does not pin a large slice to the flow.
const maxKept = 256

// properties reads a property length and the properties that follow from
// rd, as allowed in set (1 << PacketType, or willProps), appending them to
// dst. A property that is unknown, not allowed in set, a repeat of a
// non-repeatable one, has an invalid value or runs past the block raises
// mqtt.malformed_packet; an unknown id ends the block (its size is
// unknown), the parent reader continues after it.
func (d *packetDecoder) properties(rd *reader, dst []Property, set uint32, f *findings) []Property {
	n := rd.varint()
	if rd.st != rdOK {
		return dst
	}
	pr := rd.sub(n)
	var seen uint64
	for pr.st == rdOK && pr.off < pr.n {
		id := pr.varint()
		if pr.st != rdOK {
			break
		}
		if id >= uint32(len(props)) || props[id].name == "" {
			pr.fail("unknown property identifier")
			break
		}
		pi := &props[id]
		p := Property{ID: uint8(id), Name: pi.name, Type: pi.typ}
		switch pi.typ {
		case PropByte:
			p.Num = uint32(pr.u8())
			if pi.max != 0 && p.Num > uint32(pi.max) {
				f.Add(anMalformedPacket, "property value out of range")
			}
		case PropUint16:
			p.Num = uint32(pr.u16())
		case PropUint32:
			p.Num = pr.u32()
		case PropVarInt:
			p.Num = pr.varint()
		case PropString:
			p.Str = d.str(&pr, f)
		case PropBinary:
			p.Num = uint32(pr.u16())
			pr.skip(int(p.Num))
		case PropStringPair:
			p.Key = d.str(&pr, f)
			p.Str = d.str(&pr, f)
		}
		if pr.st != rdOK {
			break
		}
		if pi.nonZero && p.Num == 0 {
			f.Add(anMalformedPacket, "property value 0 not allowed")
		}
		if pi.packets&set == 0 {
			f.Add(anMalformedPacket, "property not allowed in this packet")
		}
		if seen&(1<<id) != 0 && pi.repeat&set == 0 {
			f.Add(anMalformedPacket, "property repeated")
		}
		seen |= 1 << id
		if len(dst) < maxKept {
			dst = append(dst, p)
		}
	}
	if pr.st == rdBad {
		f.Add(anMalformedPacket, pr.why)
	}
	return dst
}
