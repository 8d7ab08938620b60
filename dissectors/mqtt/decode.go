package mqtt

import "github.com/otsensor/otsensor/dissectors/internal/intern"

// packetDecoder decodes complete control packets; one per Parser, reused.
type packetDecoder struct {
	preview int // Options.PayloadPreview

	strs     intern.Cache // topics, client ids, filters, property strings
	previews intern.Cache // payload previews
	hexBuf   []byte
	will     Will
	// guess is the version that last decoded cleanly where the other did
	// not, on a flow without CONNECT: it is tried first next time.
	guess uint8
}

// decode fills r's packet fields from the fixed header's first octet h and
// body, the packet after the remaining length field. length is the
// remaining length the header announced: len(body) < length when the
// packet was too large to keep and only its start is given (the decoder
// then decodes what it can: the headers of CONNECT and PUBLISH, and the
// payload length). version is the flow's protocol level (0: no CONNECT
// seen). It resets every field but ProtocolVersion and ClientID first,
// reusing r's slices; a CONNECT sets those two from the packet. Anomalies
// found go to f. It never panics and allocates nothing once warm except
// strings it has not seen before.
//
// With version 0 a packet whose layout differs between 3.1.1 and 5.0 is
// decoded as the decoder's current guess (3.1.1 at first) and, when that
// fails (mqtt.malformed_packet, or AUTH being reserved), as the other
// version; the second is kept, and becomes the guess, only when it decodes
// cleanly. r.DecodedVersion tells which was used.
func (d *packetDecoder) decode(h byte, body []byte, length int, version uint8, r *Record, f *findings) {
	if length < len(body) {
		if length < 0 {
			length = 0
		}
		body = body[:length]
	}
	t := PacketType(h >> 4)
	if version != 0 || t == Connect || t == Reserved || t == PingReq || t == PingResp {
		d.decodeAs(h, body, length, version, r, f)
		return
	}
	first, second := uint8(4), uint8(5)
	if d.guess == 5 {
		first, second = 5, 4
	}
	var f1 findings
	d.decodeAs(h, body, length, first, r, &f1)
	if !f1.Has(anMalformedPacket) && !f1.Has(anReservedType) {
		f.Merge(&f1)
		return
	}
	var f2 findings
	d.decodeAs(h, body, length, second, r, &f2)
	if !f2.Has(anMalformedPacket) && !f2.Has(anReservedType) {
		d.guess = second
		f.Merge(&f2)
		return
	}
	f1.Reset()
	d.decodeAs(h, body, length, first, r, &f1)
	f.Merge(&f1)
}

// decodeAs decodes the packet as protocol level v (5: MQTT 5.0, anything
// else: the 3.x layout, as Suricata does for unknown levels).
func (d *packetDecoder) decodeAs(h byte, body []byte, length int, v uint8, r *Record, f *findings) {
	*r = Record{
		ProtocolVersion: r.ProtocolVersion, ClientID: r.ClientID,
		Topics: r.Topics[:0], ReasonCodes: r.ReasonCodes[:0], Properties: r.Properties[:0],
	}
	r.Type = PacketType(h >> 4)
	r.DecodedVersion = v
	flags := h & 0x0F
	rd := reader{b: body, n: length}
	switch r.Type {
	case Reserved:
		f.Add(anReservedType, "packet type 0")
		return
	case Auth:
		if v != 5 {
			f.Add(anReservedType, "packet type 15 before MQTT 5.0")
			return
		}
	case Publish:
		r.DUP, r.QoS, r.Retain = flags&8 != 0, flags>>1&3, flags&1 != 0
		if r.QoS == 3 {
			f.Add(anInvalidQoS, "publish qos 3")
		}
	}
	switch r.Type {
	case Publish:
	case PubRel, Subscribe, Unsubscribe:
		if flags != 2 {
			f.Add(anReservedFlags, "fixed header flags must be 0010")
		}
	default:
		if flags != 0 {
			f.Add(anReservedFlags, "fixed header flags must be 0000")
		}
	}
	switch r.Type {
	case Connect:
		d.connect(&rd, r, f)
	case ConnAck:
		d.connAck(&rd, r, f)
	case Publish:
		d.publish(&rd, r, f)
	case PubAck, PubRec, PubRel, PubComp:
		d.pubAck(&rd, r, f)
	case Subscribe:
		d.subscribe(&rd, r, f)
	case SubAck:
		d.subAck(&rd, r, f)
	case Unsubscribe:
		d.unsubscribe(&rd, r, f)
	case UnsubAck:
		d.unsubAck(&rd, r, f)
	case PingReq, PingResp:
		rd.end()
	case Disconnect, Auth:
		d.disconnect(&rd, r, f)
	}
	if rd.st == rdBad {
		f.Add(anMalformedPacket, rd.why)
	}
}

// packetID reads a packet identifier, which must not be 0.
func (d *packetDecoder) packetID(rd *reader, r *Record, f *findings) {
	id := rd.u16()
	if rd.st != rdOK {
		return
	}
	r.PacketID, r.HasPacketID = id, true
	if id == 0 {
		f.Add(anMalformedPacket, "packet identifier 0")
	}
}

// str reads a MQTT UTF-8 string and interns it; an invalid one raises
// mqtt.malformed_packet and is kept as it is.
func (d *packetDecoder) str(rd *reader, f *findings) string {
	b := rd.lenBytes()
	if rd.st != rdOK {
		return ""
	}
	if !validString(b) {
		f.Add(anMalformedPacket, "invalid utf-8 string")
	}
	return d.strs.String(b)
}

// Reader states.
const (
	rdOK  = iota
	rdCut // the packet was cut (too large): the rest is not available
	rdBad // the packet's structure is broken
)

// reader reads the fields of one packet. b holds the bytes available, n
// the packet's (remaining) length: n > len(b) when the packet was cut. A
// read past len(b) but within n stops reading quietly (rdCut); a read past
// n is malformed (rdBad). Reads after either return zero values.
type reader struct {
	b   []byte
	n   int
	off int
	st  uint8
	why string
}

func (rd *reader) fail(why string) {
	if rd.st != rdBad {
		rd.st, rd.why = rdBad, why
	}
}

// take returns the next k bytes, or nil when they are not all there (the
// offset still moves past them when the packet was cut).
func (rd *reader) take(k int) []byte {
	if rd.st != rdOK {
		return nil
	}
	end := rd.off + k
	if k < 0 || end > rd.n {
		rd.fail("field runs past the packet")
		return nil
	}
	if end > len(rd.b) {
		rd.st, rd.off = rdCut, end
		return nil
	}
	s := rd.b[rd.off:end:end]
	rd.off = end
	return s
}

func (rd *reader) skip(k int) { rd.take(k) }

// remaining is how many bytes of the packet are left to read.
func (rd *reader) remaining() int { return rd.n - rd.off }

// end checks that the packet holds nothing more.
func (rd *reader) end() {
	if rd.st == rdOK && rd.off < rd.n {
		rd.fail("unexpected bytes at the end of the packet")
	}
}

func (rd *reader) u8() uint8 {
	if b := rd.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (rd *reader) u16() uint16 {
	if b := rd.take(2); b != nil {
		return uint16(b[0])<<8 | uint16(b[1])
	}
	return 0
}

func (rd *reader) u32() uint32 {
	if b := rd.take(4); b != nil {
		return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	}
	return 0
}

// varint reads a variable byte integer (at most 4 octets).
func (rd *reader) varint() uint32 {
	var v uint32
	for i := 0; i < 4; i++ {
		b := rd.take(1)
		if b == nil {
			return 0
		}
		v |= uint32(b[0]&0x7F) << (7 * i)
		if b[0]&0x80 == 0 {
			return v
		}
	}
	rd.fail("variable byte integer longer than 4 octets")
	return 0
}

// lenBytes reads a two-byte length and that many bytes (a string or
// binary data); check rd.st for whether they were there.
func (rd *reader) lenBytes() []byte {
	n := rd.u16()
	if rd.st != rdOK {
		return nil
	}
	return rd.take(int(n))
}

// sub takes the next k bytes as a reader of their own (a property block),
// cut like rd when rd was.
func (rd *reader) sub(k uint32) reader {
	if rd.st != rdOK {
		return reader{st: rd.st}
	}
	if int64(k) > int64(rd.n-rd.off) {
		rd.fail("property length runs past the packet")
		return reader{st: rdCut} // the failure is rd's
	}
	end := rd.off + int(k)
	s := reader{n: int(k)}
	if end > len(rd.b) {
		s.b = rd.b[rd.off:]
		rd.st = rdCut
	} else {
		s.b = rd.b[rd.off:end:end]
	}
	rd.off = end
	return s
}
