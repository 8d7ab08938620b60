package synth

// MQTTConnect is a CONNECT packet (3.1.1 3.1, 5.0 3.1).
type MQTTConnect struct {
	// Name is the protocol name; empty means "MQIsdp" for level 3 and
	// "MQTT" otherwise.
	Name      string
	Level     byte
	Clean     bool // clean session (3.x) / clean start (5.0)
	KeepAlive uint16
	Props     MQTTProps // level 5
	ClientID  string
	Will      *MQTTWill
	// Username and Password are present when not nil.
	Username *string
	Password []byte
	// PasswordFlag sends the password flag and field even when Password
	// is empty; it is implied when Password is not nil.
	PasswordFlag bool
	// Reserved sets the reserved bit 0 of the connect flags (malformed).
	Reserved bool
}

// MQTTWill is the will message of a CONNECT.
type MQTTWill struct {
	Props   MQTTProps // level 5
	Topic   string
	Payload []byte
	QoS     byte
	Retain  bool
}

// Flags returns the connect flags octet: username, password, will
// retain, will QoS, will, clean session, reserved.
func (c MQTTConnect) Flags() byte {
	var f byte
	if c.Username != nil {
		f |= 0x80
	}
	if c.Password != nil || c.PasswordFlag {
		f |= 0x40
	}
	if w := c.Will; w != nil {
		f |= 0x04 | (w.QoS&3)<<3
		if w.Retain {
			f |= 0x20
		}
	}
	if c.Clean {
		f |= 0x02
	}
	if c.Reserved {
		f |= 0x01
	}
	return f
}

// Body appends the variable header and payload.
func (c MQTTConnect) Body(dst []byte) []byte {
	name := c.Name
	if name == "" {
		name = "MQTT"
		if c.Level == MQTT31 {
			name = "MQIsdp"
		}
	}
	dst = AppendMQTTString(dst, name)
	dst = append(dst, c.Level, c.Flags())
	dst = appendU16(dst, c.KeepAlive)
	dst = appendMQTTProps(dst, c.Level, c.Props)
	dst = AppendMQTTString(dst, c.ClientID)
	if w := c.Will; w != nil {
		dst = appendMQTTProps(dst, c.Level, w.Props)
		dst = AppendMQTTString(dst, w.Topic)
		dst = AppendMQTTBinary(dst, w.Payload)
	}
	if c.Username != nil {
		dst = AppendMQTTString(dst, *c.Username)
	}
	if c.Password != nil || c.PasswordFlag {
		dst = AppendMQTTBinary(dst, c.Password)
	}
	return dst
}

// Append appends the whole packet.
func (c MQTTConnect) Append(dst []byte) []byte {
	return AppendMQTTPacket(dst, MQTTTypeConnect, 0, c.Body(nil))
}

// AppendMQTTConnack appends a CONNACK: session present, the return code
// (3.x) or reason code (5.0), and at level 5 the properties.
func AppendMQTTConnack(dst []byte, level byte, sessionPresent bool, code byte, props MQTTProps) []byte {
	var sp byte
	if sessionPresent {
		sp = 1
	}
	return AppendMQTTPacket(dst, MQTTTypeConnack, 0, appendMQTTProps([]byte{sp, code}, level, props))
}

// MQTTPublish is a PUBLISH packet.
type MQTTPublish struct {
	Level   byte
	Dup     bool
	QoS     byte // 0-2; 3 is reserved (malformed) and encoded as given
	Retain  bool
	Topic   string
	ID      uint16 // sent when QoS > 0
	Props   MQTTProps
	Payload []byte
}

// Flags returns the fixed header flags: DUP, QoS, RETAIN.
func (p MQTTPublish) Flags() byte {
	f := (p.QoS & 3) << 1
	if p.Dup {
		f |= 0x08
	}
	if p.Retain {
		f |= 0x01
	}
	return f
}

// Header appends the fixed and variable headers of the packet, whose
// payload the caller sends (for payloads too large to build at once).
func (p MQTTPublish) Header(dst []byte) []byte {
	vh := p.varHeader(nil)
	dst = AppendMQTTHeader(dst, MQTTTypePublish, p.Flags(), len(vh)+len(p.Payload))
	return append(dst, vh...)
}

func (p MQTTPublish) varHeader(dst []byte) []byte {
	dst = AppendMQTTString(dst, p.Topic)
	if p.QoS > 0 {
		dst = appendU16(dst, p.ID)
	}
	return appendMQTTProps(dst, p.Level, p.Props)
}

// Append appends the whole packet.
func (p MQTTPublish) Append(dst []byte) []byte {
	return append(p.Header(dst), p.Payload...)
}

// AppendMQTTAck appends PUBACK, PUBREC, PUBREL or PUBCOMP (typ) for
// packet id: at level 5 with a reason code and properties, both left out
// when the reason is 0 and there are none (5.0 3.4.2.1). PUBREL carries
// flags 0010.
func AppendMQTTAck(dst []byte, typ byte, level byte, id uint16, reason byte, props MQTTProps) []byte {
	body := appendU16(nil, id)
	if level >= MQTT5 && (reason != 0 || len(props) > 0) {
		body = append(body, reason)
		if len(props) > 0 {
			body = appendMQTTProps(body, level, props)
		}
	}
	var flags byte
	if typ == MQTTTypePubrel {
		flags = 0x02
	}
	return AppendMQTTPacket(dst, typ, flags, body)
}

// MQTTFilter is one topic filter of a SUBSCRIBE with its options (the
// 5.0 ones are sent at any level: they are zero before 5.0).
type MQTTFilter struct {
	Topic             string
	QoS               byte
	NoLocal           bool
	RetainAsPublished bool
	RetainHandling    byte
}

func (f MQTTFilter) options() byte {
	o := f.QoS&3 | (f.RetainHandling&3)<<4
	if f.NoLocal {
		o |= 0x04
	}
	if f.RetainAsPublished {
		o |= 0x08
	}
	return o
}

// MQTTSubscribeBody appends the variable header and payload of a
// SUBSCRIBE (packet id, properties, filters with options); send it with
// AppendMQTTPacket and flags 0010, or other flags for a malformed one.
func MQTTSubscribeBody(dst []byte, level byte, id uint16, props MQTTProps, filters ...MQTTFilter) []byte {
	dst = appendMQTTProps(appendU16(dst, id), level, props)
	for _, f := range filters {
		dst = append(AppendMQTTString(dst, f.Topic), f.options())
	}
	return dst
}

// AppendMQTTSubscribe appends a SUBSCRIBE (flags 0010).
func AppendMQTTSubscribe(dst []byte, level byte, id uint16, props MQTTProps, filters ...MQTTFilter) []byte {
	return AppendMQTTPacket(dst, MQTTTypeSubscribe, 0x02, MQTTSubscribeBody(nil, level, id, props, filters...))
}

// AppendMQTTSuback appends a SUBACK: packet id, properties, one return
// code (3.x: granted QoS or 0x80) or reason code (5.0) per filter.
func AppendMQTTSuback(dst []byte, level byte, id uint16, props MQTTProps, codes ...byte) []byte {
	body := appendMQTTProps(appendU16(nil, id), level, props)
	return AppendMQTTPacket(dst, MQTTTypeSuback, 0, append(body, codes...))
}

// AppendMQTTUnsubscribe appends an UNSUBSCRIBE (flags 0010).
func AppendMQTTUnsubscribe(dst []byte, level byte, id uint16, props MQTTProps, topics ...string) []byte {
	body := appendMQTTProps(appendU16(nil, id), level, props)
	for _, t := range topics {
		body = AppendMQTTString(body, t)
	}
	return AppendMQTTPacket(dst, MQTTTypeUnsubscribe, 0x02, body)
}

// AppendMQTTUnsuback appends an UNSUBACK: packet id, and at level 5
// properties and a reason code per topic filter.
func AppendMQTTUnsuback(dst []byte, level byte, id uint16, props MQTTProps, codes ...byte) []byte {
	body := appendU16(nil, id)
	if level >= MQTT5 {
		body = append(appendMQTTProps(body, level, props), codes...)
	}
	return AppendMQTTPacket(dst, MQTTTypeUnsuback, 0, body)
}

// AppendMQTTPing appends PINGREQ (req) or PINGRESP.
func AppendMQTTPing(dst []byte, req bool) []byte {
	if req {
		return AppendMQTTPacket(dst, MQTTTypePingreq, 0, nil)
	}
	return AppendMQTTPacket(dst, MQTTTypePingresp, 0, nil)
}

// AppendMQTTDisconnect appends a DISCONNECT: empty before 5.0; at level 5
// a reason code and properties, both left out for reason 0 without
// properties.
func AppendMQTTDisconnect(dst []byte, level byte, reason byte, props MQTTProps) []byte {
	var body []byte
	if level >= MQTT5 && (reason != 0 || len(props) > 0) {
		body = appendMQTTProps([]byte{reason}, level, props)
	}
	return AppendMQTTPacket(dst, MQTTTypeDisconnect, 0, body)
}

// AppendMQTTAuth appends a 5.0 AUTH packet: reason code and properties.
func AppendMQTTAuth(dst []byte, reason byte, props MQTTProps) []byte {
	return AppendMQTTPacket(dst, MQTTTypeAuth, 0, appendMQTTProps([]byte{reason}, MQTT5, props))
}

// MQTTStr returns a pointer to s, for MQTTConnect.Username.
func MQTTStr(s string) *string { return &s }
