package mqtt

import "github.com/otsensor/otsensor/dissectors"

// probeHeader judges the first bytes seen on port 1883: a plausible fixed
// header (type 1 to 15 with its required flags, a well-formed remaining
// length plausible for the type) is enough. HTTP, TLS and SSH all fail the
// flags check of the type their first octet would give.
func probeHeader(data []byte) dissectors.ProbeResult {
	_, _, ok, complete := plausibleHeader(data, MaxRemainingLength)
	switch {
	case !ok:
		return dissectors.ProbeNo
	case !complete:
		return dissectors.ProbeNeedMore
	}
	return dissectors.ProbeYes
}

// probeStrict judges the first bytes seen elsewhere: ProbeYes only for a
// complete CONNECT with a known protocol name and level whose fields end
// exactly at its remaining length; ProbeNeedMore while data is a
// consistent prefix of one (up to maxLen bytes of remaining length), or a
// 3.x CONNACK (20 02 0x 0y) of up to 4 bytes, whose CONNECT may come in
// the other direction.
func probeStrict(data []byte, maxLen int) dissectors.ProbeResult {
	if len(data) == 0 {
		return dissectors.ProbeNeedMore
	}
	switch data[0] {
	case 0x10:
		return probeConnect(data, maxLen)
	case 0x20:
		ok := len(data) <= 4 &&
			(len(data) < 2 || data[1] == 2) &&
			(len(data) < 3 || data[2] <= 1) &&
			(len(data) < 4 || data[3] <= 5)
		if ok {
			return dissectors.ProbeNeedMore
		}
	}
	return dissectors.ProbeNo
}

// Protocol names and levels of CONNECT's variable header.
var (
	nameMQTT   = []byte("\x00\x04MQTT")
	nameMQIsdp = []byte("\x00\x06MQIsdp")
)

// probeConnect checks the CONNECT at data (control octet 0x10).
func probeConnect(data []byte, maxLen int) dissectors.ProbeResult {
	length, hlen, st := remainingLength(data)
	switch {
	case st == lengthNeedMore:
		return dissectors.ProbeNeedMore
	case st == lengthMalformed || length < 12 || length > maxLen:
		return dissectors.ProbeNo
	}
	body := data[hlen:min(len(data), hlen+length)]
	if len(body) < 2 {
		return dissectors.ProbeNeedMore
	}
	name := nameMQTT
	if body[1] == 6 {
		name = nameMQIsdp
	}
	n := min(len(body), len(name))
	if string(body[:n]) != string(name[:n]) {
		return dissectors.ProbeNo
	}
	if len(body) < length {
		if len(body) > len(name) && !knownLevel(name, body[len(name)]) {
			return dissectors.ProbeNo
		}
		return dissectors.ProbeNeedMore
	}
	if connectConsistent(body, name) {
		return dissectors.ProbeYes
	}
	return dissectors.ProbeNo
}

func knownLevel(name []byte, level byte) bool {
	if len(name) == len(nameMQIsdp) {
		return level == 3
	}
	return level == 4 || level == 5
}

// connectConsistent walks a complete CONNECT body (protocol name already
// checked) and reports whether its fields end exactly at its end.
func connectConsistent(body, name []byte) bool {
	i := len(name)
	if len(body) < i+4 || !knownLevel(name, body[i]) {
		return false
	}
	level, flags := body[i], body[i+1]
	will := flags&0x04 != 0
	if flags&0x01 != 0 || (!will && flags&0x38 != 0) || flags&0x18 == 0x18 {
		return false // reserved bit, will QoS/retain without a will, will QoS 3
	}
	i += 4 // level, flags, keep alive
	ok := true
	skipProps := func() {
		n, w, good := vbi(body[min(i, len(body)):])
		if !good || n > len(body)-i-w {
			ok = false
			return
		}
		i += w + n
	}
	skipField := func() {
		if !ok || len(body)-i < 2 {
			ok = false
			return
		}
		n := int(body[i])<<8 | int(body[i+1])
		if n > len(body)-i-2 {
			ok = false
			return
		}
		i += 2 + n
	}
	if level == 5 {
		skipProps()
	}
	skipField() // client id
	if will {
		if level == 5 && ok {
			skipProps()
		}
		skipField() // will topic
		skipField() // will payload
	}
	if flags&0x80 != 0 {
		skipField() // username
	}
	if flags&0x40 != 0 {
		skipField() // password
	}
	return ok && i == len(body)
}

// vbi reads an MQTT 5.0 variable byte integer: value, octets, ok.
func vbi(b []byte) (v, n int, ok bool) {
	for n < maxLengthBytes && n < len(b) {
		c := b[n]
		v |= int(c&0x7F) << (7 * n)
		n++
		if c&0x80 == 0 {
			return v, n, true
		}
	}
	return 0, 0, false
}
