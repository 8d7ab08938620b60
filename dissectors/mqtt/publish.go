package mqtt

import "strings"

// publish decodes a PUBLISH: topic name, packet id (QoS > 0; QoS 3 too,
// as Suricata does), 5.0 properties; the payload's length and, when asked
// for, a preview.
func (d *packetDecoder) publish(rd *reader, r *Record, f *findings) {
	r.Topic = d.str(rd, f)
	if rd.st == rdOK {
		if strings.ContainsAny(r.Topic, "#+") {
			f.Add(anMalformedPacket, "wildcard in topic name")
		}
		if r.Topic == "" && r.DecodedVersion != 5 { // 5.0: a topic alias may stand in
			f.Add(anMalformedPacket, "empty topic name")
		}
	}
	if r.QoS > 0 {
		d.packetID(rd, r, f)
	}
	if r.DecodedVersion == 5 {
		r.Properties = d.properties(rd, r.Properties, pPublish, f)
	}
	if rd.st == rdBad {
		return
	}
	r.PayloadLength = max(rd.remaining(), 0)
	if rd.st == rdOK && d.preview > 0 && rd.off < len(rd.b) {
		d.setPreview(r, rd.b[rd.off:], r.PayloadLength)
	}
}

// pubAck decodes PUBACK, PUBREC, PUBREL and PUBCOMP: the packet id and,
// in 5.0, a reason code and properties when the remaining length has
// them (2 octets means success without properties).
func (d *packetDecoder) pubAck(rd *reader, r *Record, f *findings) {
	d.packetID(rd, r, f)
	if rd.st != rdOK {
		return
	}
	if r.DecodedVersion == 5 {
		d.reasonAndProperties(rd, r, f)
	}
	rd.end()
}

// disconnect decodes DISCONNECT and AUTH: in 5.0 a reason code and
// properties, both optional (remaining length 0 means success or normal
// disconnection); nothing before 5.0.
func (d *packetDecoder) disconnect(rd *reader, r *Record, f *findings) {
	if r.DecodedVersion == 5 {
		d.reasonAndProperties(rd, r, f)
	}
	rd.end()
}

// reasonAndProperties reads a 5.0 reason code and property block, each
// present only when bytes remain; a missing reason code is 0.
func (d *packetDecoder) reasonAndProperties(rd *reader, r *Record, f *findings) {
	if rd.remaining() > 0 {
		r.ReasonCode = rd.u8()
	}
	if rd.st != rdOK {
		return
	}
	r.HasReasonCode = true
	r.ReasonName = reasonName5(r.Type, r.ReasonCode)
	if rd.remaining() > 0 {
		set := uint32(1) << r.Type
		r.Properties = d.properties(rd, r.Properties, set, f)
	}
}
