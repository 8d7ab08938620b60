package dnp3

import "strconv"

// Link layer framing (IEEE 1815-2012 clause 9.2).
const (
	start0, start1 = 0x05, 0x64
	headerLen      = 10  // start, length, control, dst, src, CRC
	minLength      = 5   // control + dst + src
	maxUserData    = 250 // 255 - 5
	blockLen       = 16  // data octets per CRC block
	// maxFrame is the largest frame on the wire: length 255, that is 250
	// user data octets in 16 blocks.
	maxFrame = headerLen + maxUserData + 2*((maxUserData+blockLen-1)/blockLen) // 292
	// maxSegmentData is the most application octets one transport segment
	// carries (250 user data octets minus the transport header).
	maxSegmentData = maxUserData - 1
)

// Link control octet bits.
const (
	ctlDIR  = 0x80
	ctlPRM  = 0x40
	ctlFCB  = 0x20 // primary: frame count bit
	ctlFCV  = 0x10 // primary: frame count valid; secondary: DFC
	ctlFunc = 0x0F
)

// Primary link function codes that carry transport segments.
const (
	linkConfirmedUserData   = 3
	linkUnconfirmedUserData = 4
)

// linkFunctionNames holds the names of the link function codes, indexed by
// PRM and code; it is never modified. Codes 1 (primary) and 14 (secondary)
// are obsolete but named; undefined codes are "reserved_<n>".
var linkFunctionNames = func() (n [2][16]string) {
	for prm := range n {
		for fc := range n[prm] {
			n[prm][fc] = "reserved_" + strconv.Itoa(fc)
		}
	}
	n[1][0] = "reset_link_states"
	n[1][1] = "reset_user_process"
	n[1][2] = "test_link_states"
	n[1][3] = "confirmed_user_data"
	n[1][4] = "unconfirmed_user_data"
	n[1][9] = "request_link_status"
	n[0][0] = "ack"
	n[0][1] = "nack"
	n[0][11] = "link_status"
	n[0][14] = "link_not_functioning"
	n[0][15] = "not_supported"
	return n
}()

// linkFunctionName returns the snake_case name of a link function code.
func linkFunctionName(primary bool, fc uint8) string {
	p := 0
	if primary {
		p = 1
	}
	return linkFunctionNames[p][fc&ctlFunc]
}

// frameSize returns the size on the wire of a frame whose length field is
// length (at least minLength).
func frameSize(length int) int {
	user := length - minLength
	return headerLen + user + 2*((user+blockLen-1)/blockLen)
}

// indexStart returns the offset of the first 0x05 0x64 in data, or -1.
func indexStart(data []byte) int {
	for i := 0; i+1 < len(data); i++ {
		if data[i] == start0 && data[i+1] == start1 {
			return i
		}
	}
	return -1
}

// headerOK reports whether data (at least headerLen octets, starting with
// 0x05 0x64) holds a link header with a valid CRC.
func headerOK(data []byte) bool { return crcOK(data, headerLen-2) }

// blocksOK reports whether every data block of the frame (data holds all
// frameSize octets) has a valid CRC.
func blocksOK(frame []byte) bool {
	for off := headerLen; off < len(frame); {
		n := min(blockLen, len(frame)-off-2)
		if n <= 0 || !crcOK(frame[off:], n) {
			return false
		}
		off += n + 2
	}
	return true
}

// userData copies the user data octets of frame (CRCs removed) into dst,
// which has room for maxUserData octets, and returns how many there are.
func userData(dst []byte, frame []byte) int {
	n := 0
	for off := headerLen; off < len(frame); {
		k := min(blockLen, len(frame)-off-2)
		if k <= 0 {
			break
		}
		n += copy(dst[n:], frame[off:off+k])
		off += k + 2
	}
	return n
}

// linkHeader is the decoded fixed part of a frame.
type linkHeader struct {
	length   int
	ctl      uint8
	dst, src uint16
}

// parseHeader decodes the header at data (at least headerLen octets).
func parseHeader(data []byte) linkHeader {
	return linkHeader{
		length: int(data[2]),
		ctl:    data[3],
		dst:    uint16(data[4]) | uint16(data[5])<<8,
		src:    uint16(data[6]) | uint16(data[7])<<8,
	}
}

func (h linkHeader) primary() bool { return h.ctl&ctlPRM != 0 }

func (h linkHeader) function() uint8 { return h.ctl & ctlFunc }

// carriesTransport reports whether the frame's user data is a transport
// segment: primary confirmed or unconfirmed user data with at least the
// transport header.
func (h linkHeader) carriesTransport() bool {
	fc := h.function()
	return h.primary() && (fc == linkConfirmedUserData || fc == linkUnconfirmedUserData) && h.length > minLength
}
