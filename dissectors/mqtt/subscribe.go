package mqtt

// subscribe decodes a SUBSCRIBE: packet id, 5.0 properties, and at least
// one topic filter with its requested QoS (5.0: subscription options).
func (d *packetDecoder) subscribe(rd *reader, r *Record, f *findings) {
	d.packetID(rd, r, f)
	v5 := r.DecodedVersion == 5
	if v5 {
		r.Properties = d.properties(rd, r.Properties, pSubscribe, f)
	}
	n := 0
	for rd.st == rdOK && rd.remaining() > 0 {
		tf := TopicFilter{Filter: d.str(rd, f)}
		opts := rd.u8()
		if rd.st != rdOK {
			break
		}
		n++
		tf.Wildcard = checkFilter(tf.Filter, f)
		tf.QoS = opts & 3
		if tf.QoS == 3 {
			f.Add(anInvalidQoS, "subscription qos 3")
		}
		if v5 {
			tf.NoLocal = opts&0x04 != 0
			tf.RetainAsPublished = opts&0x08 != 0
			tf.RetainHandling = opts >> 4 & 3
			if tf.RetainHandling == 3 || opts&0xC0 != 0 {
				f.Add(anMalformedPacket, "invalid subscription options")
			}
		} else if opts&0xFC != 0 {
			f.Add(anMalformedPacket, "reserved bits in requested qos")
		}
		if len(r.Topics) < maxKept {
			r.Topics = append(r.Topics, tf)
		}
	}
	if n == 0 && rd.st == rdOK {
		rd.fail("no topic filter")
	}
}

// unsubscribe decodes an UNSUBSCRIBE: packet id, 5.0 properties, and at
// least one topic filter.
func (d *packetDecoder) unsubscribe(rd *reader, r *Record, f *findings) {
	d.packetID(rd, r, f)
	if r.DecodedVersion == 5 {
		r.Properties = d.properties(rd, r.Properties, 1<<Unsubscribe, f)
	}
	n := 0
	for rd.st == rdOK && rd.remaining() > 0 {
		s := d.str(rd, f)
		if rd.st != rdOK {
			break
		}
		n++
		tf := TopicFilter{Filter: s, Wildcard: checkFilter(s, f)}
		if len(r.Topics) < maxKept {
			r.Topics = append(r.Topics, tf)
		}
	}
	if n == 0 && rd.st == rdOK {
		rd.fail("no topic filter")
	}
}

// subAck decodes a SUBACK: packet id, 5.0 properties, one granted QoS or
// reason code per filter.
func (d *packetDecoder) subAck(rd *reader, r *Record, f *findings) {
	d.packetID(rd, r, f)
	if r.DecodedVersion == 5 {
		r.Properties = d.properties(rd, r.Properties, 1<<SubAck, f)
	}
	d.reasonCodes(rd, r, true)
	if r.DecodedVersion != 5 {
		for _, c := range r.ReasonCodes {
			if c > 2 && c != 0x80 {
				f.Add(anMalformedPacket, "reserved suback return code")
				break
			}
		}
	}
}

// unsubAck decodes an UNSUBACK: the packet id; in 5.0 properties and one
// reason code per filter.
func (d *packetDecoder) unsubAck(rd *reader, r *Record, f *findings) {
	d.packetID(rd, r, f)
	if r.DecodedVersion != 5 {
		rd.end()
		return
	}
	r.Properties = d.properties(rd, r.Properties, 1<<UnsubAck, f)
	d.reasonCodes(rd, r, true)
}

// reasonCodes reads the rest of the packet as one-octet codes; at least
// one is required when need is set.
func (d *packetDecoder) reasonCodes(rd *reader, r *Record, need bool) {
	if rd.st != rdOK {
		return
	}
	if need && rd.remaining() == 0 {
		rd.fail("no reason codes")
		return
	}
	avail := rd.b[min(rd.off, len(rd.b)):]
	if len(avail) > rd.remaining() {
		avail = avail[:rd.remaining()]
	}
	for _, c := range avail {
		if len(r.ReasonCodes) >= maxKept {
			break
		}
		r.ReasonCodes = append(r.ReasonCodes, c)
	}
	rd.off = rd.n
}

// checkFilter reports whether topic filter s holds a wildcard, and raises
// mqtt.malformed_packet for an empty filter or a misplaced wildcard ('#'
// only as the whole last level, '+' only as a whole level; 3.1.1 4.7.1).
func checkFilter(s string, f *findings) bool {
	if s == "" {
		f.Add(anMalformedPacket, "empty topic filter")
		return false
	}
	wild := false
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '/' {
			continue
		}
		level := s[start:i]
		for j := 0; j < len(level); j++ {
			c := level[j]
			if c != '#' && c != '+' {
				continue
			}
			wild = true
			if len(level) != 1 || (c == '#' && i != len(s)) {
				f.Add(anMalformedPacket, "misplaced wildcard in topic filter")
			}
		}
		start = i + 1
	}
	return wild
}
