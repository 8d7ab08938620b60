package synth

// MQTT 5.0 property identifiers (MQTT 5.0 2.2.2.2, table 2-4).
const (
	MQTTPropPayloadFormat        = 0x01 // byte
	MQTTPropMessageExpiry        = 0x02 // four-byte integer
	MQTTPropContentType          = 0x03 // string
	MQTTPropResponseTopic        = 0x08 // string
	MQTTPropCorrelationData      = 0x09 // binary
	MQTTPropSubscriptionID       = 0x0B // variable byte integer
	MQTTPropSessionExpiry        = 0x11 // four-byte integer
	MQTTPropAssignedClientID     = 0x12 // string
	MQTTPropServerKeepAlive      = 0x13 // two-byte integer
	MQTTPropAuthMethod           = 0x15 // string
	MQTTPropAuthData             = 0x16 // binary
	MQTTPropRequestProblemInfo   = 0x17 // byte
	MQTTPropWillDelay            = 0x18 // four-byte integer
	MQTTPropRequestResponseInfo  = 0x19 // byte
	MQTTPropResponseInfo         = 0x1A // string
	MQTTPropServerReference      = 0x1C // string
	MQTTPropReasonString         = 0x1F // string
	MQTTPropReceiveMaximum       = 0x21 // two-byte integer
	MQTTPropTopicAliasMaximum    = 0x22 // two-byte integer
	MQTTPropTopicAlias           = 0x23 // two-byte integer
	MQTTPropMaximumQoS           = 0x24 // byte
	MQTTPropRetainAvailable      = 0x25 // byte
	MQTTPropUserProperty         = 0x26 // string pair
	MQTTPropMaximumPacketSize    = 0x27 // four-byte integer
	MQTTPropWildcardSubAvailable = 0x28 // byte
	MQTTPropSubIDAvailable       = 0x29 // byte
	MQTTPropSharedSubAvailable   = 0x2A // byte
)

// MQTTProps is an encoded MQTT 5.0 property list without its length.
// Build it with the methods, which append one property each; the order
// and repetitions are the caller's (a duplicate is a protocol error the
// encoder does not prevent).
type MQTTProps []byte

// Byte appends a one-byte property.
func (p MQTTProps) Byte(id, v byte) MQTTProps { return append(p, id, v) }

// U16 appends a two-byte integer property.
func (p MQTTProps) U16(id byte, v uint16) MQTTProps { return appendU16(append(p, id), v) }

// U32 appends a four-byte integer property.
func (p MQTTProps) U32(id byte, v uint32) MQTTProps { return appendU32(append(p, id), v) }

// VarInt appends a variable byte integer property (subscription
// identifier).
func (p MQTTProps) VarInt(id byte, v int) MQTTProps { return AppendMQTTVarInt(append(p, id), v) }

// String appends a UTF-8 string property.
func (p MQTTProps) String(id byte, s string) MQTTProps { return AppendMQTTString(append(p, id), s) }

// Binary appends a binary data property.
func (p MQTTProps) Binary(id byte, b []byte) MQTTProps { return AppendMQTTBinary(append(p, id), b) }

// User appends a user property (a string pair).
func (p MQTTProps) User(key, value string) MQTTProps {
	return AppendMQTTString(AppendMQTTString(append(p, MQTTPropUserProperty), key), value)
}

// appendMQTTProps appends the property length and p, for level 5 only:
// earlier levels have no properties.
func appendMQTTProps(dst []byte, level byte, p MQTTProps) []byte {
	if level < MQTT5 {
		return dst
	}
	return append(AppendMQTTVarInt(dst, len(p)), p...)
}
