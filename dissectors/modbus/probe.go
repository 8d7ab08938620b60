package modbus

import "github.com/otsensor/otsensor/dissectors"

// probeHeader judges the MBAP header at data. The function code is not
// checked: a first PDU with the invalid function code 0 is still Modbus to
// report (modbus_test_data_part2.pcap opens with one), not a reason to
// leave the connection unparsed.
func probeHeader(data []byte) dissectors.ProbeResult {
	if !plausiblePrefix(data[:min(len(data), mbapLen)]) {
		return dissectors.ProbeNo
	}
	if len(data) < headerFC {
		return dissectors.ProbeNeedMore
	}
	return dissectors.ProbeYes
}

// plausiblePrefix reports whether data (possibly shorter than a header)
// may start an ADU: protocol id 0, length 2..254, function code neither 0
// nor 0x80.
func plausiblePrefix(data []byte) bool {
	if len(data) >= 4 && be16(data[2:]) != 0 {
		return false
	}
	if len(data) >= 6 {
		if n := be16(data[4:]); n < minLength || n > maxLength {
			return false
		}
	}
	return len(data) < headerFC || data[mbapLen]&0x7F != 0
}

// resyncOffset returns the offset of the first plausible MBAP header in
// data (a plausible prefix, when data ends before a whole header), or -1.
func resyncOffset(data []byte) int {
	for i := range data {
		if plausiblePrefix(data[i:]) {
			return i
		}
	}
	return -1
}

// probeStrict accepts data only when it tiles exactly into complete ADUs
// of public function codes (for dir) that decode without any anomaly; a
// plausible incomplete last ADU asks for more.
func probeStrict(dir dissectors.Direction, data []byte) dissectors.ProbeResult {
	var (
		r   Record
		f   findings
		dec = decoder{r: &r, f: &f}
	)
	resp := dir == dissectors.ToClient
	for off := 0; off < len(data); {
		rest := data[off:]
		if !plausiblePrefix(rest) || (len(rest) >= headerFC && !publicFunction(rest[mbapLen], resp)) {
			return dissectors.ProbeNo
		}
		if len(rest) < headerFC {
			return dissectors.ProbeNeedMore
		}
		end := 6 + int(be16(rest[4:]))
		if len(rest) < end {
			return dissectors.ProbeNeedMore
		}
		r.reset()
		dec.decode(rest[mbapLen:end], resp)
		if !f.Empty() {
			return dissectors.ProbeNo
		}
		off += end
	}
	if len(data) == 0 {
		return dissectors.ProbeNeedMore
	}
	return dissectors.ProbeYes
}

// publicFunction reports whether fc is a public function code decoded
// field by field, or (in responses) an exception response to one.
func publicFunction(fc uint8, resp bool) bool {
	if fc >= 0x80 {
		if !resp {
			return false
		}
		fc &= 0x7F
	}
	_, class := functionName(fc)
	return class == classPublic
}
