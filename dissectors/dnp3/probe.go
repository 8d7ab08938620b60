package dnp3

import "github.com/otsensor/otsensor/dissectors"

// probeWindow is how far into a flow's first bytes the on-port probe looks
// for a link header: one maximum-size frame, so that a capture starting
// mid-frame is still recognised by the next one.
const probeWindow = maxFrame

// probeOnPort accepts a link header with a valid CRC and length starting
// within the first probeWindow octets.
func probeOnPort(data []byte) dissectors.ProbeResult {
	if len(data) == 0 {
		return dissectors.ProbeNeedMore
	}
	for off := 0; off < len(data) && off < probeWindow; {
		i := indexStart(data[off:])
		if i < 0 {
			break
		}
		off += i
		if off >= probeWindow {
			break
		}
		if len(data)-off < headerLen {
			return dissectors.ProbeNeedMore
		}
		if headerOK(data[off:]) && parseHeader(data[off:]).length >= minLength {
			return dissectors.ProbeYes
		}
		off++
	}
	if n := len(data); n <= probeWindow && data[n-1] == start0 {
		return dissectors.ProbeNeedMore // a start may be split here
	}
	return dissectors.ProbeNo
}

// probeStrict accepts data that starts with a link header with a valid CRC
// and length, and whose first frame, once complete, has valid data CRCs.
// CRC-16 on the header makes a random match about 1 in 65536 on top of
// the two start octets.
func probeStrict(data []byte) dissectors.ProbeResult {
	switch {
	case len(data) == 0 || (len(data) == 1 && data[0] == start0):
		return dissectors.ProbeNeedMore
	case data[0] != start0 || data[1] != start1:
		return dissectors.ProbeNo
	case len(data) < headerLen:
		return dissectors.ProbeNeedMore
	}
	h := parseHeader(data)
	if !headerOK(data) || h.length < minLength {
		return dissectors.ProbeNo
	}
	size := frameSize(h.length)
	if len(data) < size {
		return dissectors.ProbeNeedMore // at most maxFrame octets
	}
	if !blocksOK(data[:size]) {
		return dissectors.ProbeNo
	}
	return dissectors.ProbeYes
}
