package mqtt

// PacketType is the MQTT control packet type (fixed header bits 7-4).
type PacketType uint8

// Control packet types (MQTT 3.1.1 2.2.1, MQTT 5.0 2.1.2).
const (
	Reserved    PacketType = 0
	Connect     PacketType = 1
	ConnAck     PacketType = 2
	Publish     PacketType = 3
	PubAck      PacketType = 4
	PubRec      PacketType = 5
	PubRel      PacketType = 6
	PubComp     PacketType = 7
	Subscribe   PacketType = 8
	SubAck      PacketType = 9
	Unsubscribe PacketType = 10
	UnsubAck    PacketType = 11
	PingReq     PacketType = 12
	PingResp    PacketType = 13
	Disconnect  PacketType = 14
	Auth        PacketType = 15 // MQTT 5.0; reserved before
)

// Record is one MQTT control packet.
//
// A Record emitted by a Parser is borrowed like its Event: it and its
// slices (Topics, ReasonCodes, Properties) are reused for the next packet,
// and nothing aliases the input after Emit returns. Strings are ordinary
// immutable Go strings and may be kept (the parser interns the ones that
// repeat, such as topics and client ids, so that steady traffic allocates
// nothing).
type Record struct {
	Type PacketType
	// Flags of the fixed header (PUBLISH: DUP, QoS, RETAIN).
	DUP    bool
	QoS    uint8
	Retain bool
	// ProtocolVersion is the protocol level of the flow's CONNECT (3 for
	// 3.1, 4 for 3.1.1, 5 for 5.0), carried on every packet of the flow; 0
	// while no CONNECT has been seen.
	ProtocolVersion uint8
	// ClientID is the client identifier of the flow's CONNECT, carried on
	// every packet of the flow ("" until then, or when the client sent an
	// empty one and the broker assigned one it did not echo).
	ClientID string
	// DecodedVersion is the protocol level the packet was decoded as:
	// ProtocolVersion, or while that is 0 the decoder's guess (4 or 5; see
	// the package doc), or 0 for packets that are the same in every
	// version. A CONNECT sets it to its own protocol level.
	DecodedVersion uint8

	// PacketID is the packet identifier (PUBLISH with QoS > 0, PUBACK,
	// PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK).
	PacketID    uint16
	HasPacketID bool

	// CONNECT.
	ProtocolName    string // "MQTT" or "MQIsdp"
	CleanSession    bool   // clean start in 5.0
	KeepAlive       uint16 // seconds
	Will            *Will  // nil without a will
	Username        string
	UsernamePresent bool
	// PasswordPresent says a password was sent. The password itself is
	// never kept or emitted.
	PasswordPresent bool
	// PlaintextCredentials is set when a username or password crossed the
	// network unencrypted (always the case for what this dissector sees:
	// MQTT over TLS is not parsed here).
	PlaintextCredentials bool
	// Anonymous is set on a CONNECT with neither username nor password.
	Anonymous bool

	// CONNACK: SessionPresent, and the return code (3.x) or reason code
	// (5.0) in ReasonCode with its name. Also the reason code of PUBACK,
	// PUBREC, PUBREL, PUBCOMP, DISCONNECT and AUTH in 5.0 (HasReasonCode).
	SessionPresent bool
	ReasonCode     uint8
	ReasonName     string
	HasReasonCode  bool

	// PUBLISH: Topic, PayloadLength, and Preview when Options.PayloadPreview
	// asks for one. Acks of a PUBLISH (PUBACK, PUBREC, PUBREL, PUBCOMP)
	// matched by packet id carry its Topic too.
	Topic         string
	PayloadLength int
	Preview       string // hex or UTF-8 text, capped
	// PreviewEncoding is "utf-8" or "hex" when Preview is set.
	PreviewEncoding string

	// SUBSCRIBE and UNSUBSCRIBE: the topic filters. SUBACK and UNSUBACK
	// matched to their request carry its filters too, with the granted QoS
	// or reason code per filter in ReasonCodes.
	Topics      []TopicFilter
	ReasonCodes []uint8

	// Properties are the MQTT 5.0 properties of the packet (CONNECT's
	// will properties are in Will.Properties).
	Properties []Property
}

// AppProto returns "mqtt".
func (r *Record) AppProto() string { return "mqtt" }

// Will is a CONNECT's will message.
type Will struct {
	Topic         string
	QoS           uint8
	Retain        bool
	PayloadLength int
	Properties    []Property
}

// TopicFilter is one topic filter of a SUBSCRIBE or UNSUBSCRIBE.
type TopicFilter struct {
	Filter string
	// Wildcard is set when the filter holds '#' or '+'.
	Wildcard bool
	// QoS is the requested maximum QoS (SUBSCRIBE); 5.0 adds the options.
	QoS               uint8
	NoLocal           bool
	RetainAsPublished bool
	RetainHandling    uint8
}

// PropertyType tells which Property field holds the value.
type PropertyType uint8

// Property value types (MQTT 5.0 2.2.2.2).
const (
	PropByte PropertyType = iota + 1
	PropUint16
	PropUint32
	PropVarInt
	PropString
	PropBinary     // only the length is kept
	PropStringPair // user property: Key, Value
)

// Property is one MQTT 5.0 property.
type Property struct {
	ID   uint8
	Name string // snake_case, e.g. "session_expiry_interval"
	Type PropertyType
	Num  uint32 // byte, two-byte, four-byte and variable byte integers; binary length
	// Str is a string value, or a user property's value; Key is a user
	// property's name.
	Key, Str string
}

// packetTypeNames are the JSON names of the packet types.
var packetTypeNames = [16]string{"RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
	"PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"}

// String returns the packet type's name as the JSON "type" field writes it:
// "CONNECT", "PUBLISH", ..., "RESERVED" for type 0.
func (t PacketType) String() string { return packetTypeNames[t&15] }
