package mqtt

// connect decodes a CONNECT (3.1 3.1, 3.1.1 3.1, 5.0 3.1). The password
// is skipped unread: nothing derived from it is kept.
func (d *packetDecoder) connect(rd *reader, r *Record, f *findings) {
	r.ClientID = ""
	r.ProtocolVersion, r.DecodedVersion = 0, 0
	name := d.str(rd, f)
	level := rd.u8()
	flags := rd.u8()
	keepAlive := rd.u16()
	if rd.st != rdOK {
		r.ProtocolName = name
		return
	}
	r.ProtocolName = name
	r.ProtocolVersion, r.DecodedVersion = level, level
	switch {
	case name == "MQIsdp" && level == 3, name == "MQTT" && (level == 4 || level == 5):
	default:
		f.Add(anUnknownVersion, "unknown protocol name or level")
	}
	v5 := level == 5
	if flags&0x01 != 0 {
		f.Add(anReservedFlags, "connect flags reserved bit set")
	}
	r.CleanSession = flags&0x02 != 0
	will := flags&0x04 != 0
	willQoS, willRetain := flags>>3&3, flags&0x20 != 0
	r.PasswordPresent = flags&0x40 != 0
	r.UsernamePresent = flags&0x80 != 0
	r.PlaintextCredentials = r.UsernamePresent || r.PasswordPresent
	r.Anonymous = !r.PlaintextCredentials
	r.KeepAlive = keepAlive
	if !will && (willQoS != 0 || willRetain) {
		f.Add(anMalformedPacket, "will qos or retain without will flag")
	}
	if will && willQoS == 3 {
		f.Add(anInvalidQoS, "will qos 3")
	}
	if v5 {
		r.Properties = d.properties(rd, r.Properties, pConnect, f)
	}
	r.ClientID = d.str(rd, f)
	if will {
		w := &d.will
		*w = Will{QoS: willQoS, Retain: willRetain, Properties: w.Properties[:0]}
		r.Will = w
		if v5 {
			w.Properties = d.properties(rd, w.Properties, willProps, f)
		}
		w.Topic = d.str(rd, f)
		n := int(rd.u16())
		if rd.st == rdOK {
			w.PayloadLength = n
		}
		rd.skip(n)
	}
	if r.UsernamePresent {
		r.Username = d.str(rd, f)
	}
	if r.PasswordPresent {
		rd.skip(int(rd.u16())) // never looked at
	}
	rd.end()
}

// connAck decodes a CONNACK: acknowledge flags, return or reason code,
// and 5.0 properties.
func (d *packetDecoder) connAck(rd *reader, r *Record, f *findings) {
	flags := rd.u8()
	code := rd.u8()
	if rd.st != rdOK {
		return
	}
	v5 := r.DecodedVersion == 5
	r.SessionPresent = flags&1 != 0
	if flags&0xFE != 0 && r.DecodedVersion != 3 { // 3.1: an unused octet
		f.Add(anReservedFlags, "connack flags reserved bits set")
	}
	r.ReasonCode, r.HasReasonCode = code, true
	r.ReasonName = ReasonName(ConnAck, r.DecodedVersion, code)
	if v5 {
		r.Properties = d.properties(rd, r.Properties, pConnAck, f)
	}
	rd.end()
}
