package dnp3

// DNP3 CRC-16 (IEEE 1815 clause 9.2.2.2): polynomial 0x3D65, processed
// bit-reflected (0xA6BC), initial value 0, result complemented and sent
// low octet first after every link header and every 16-octet data block.
const crcPoly = 0xA6BC

// crcTable is the byte-at-a-time table for crcPoly; it is never modified.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ crcPoly
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// crc16 returns the DNP3 CRC of b.
func crc16(b []byte) uint16 {
	var c uint16
	for _, x := range b {
		c = c>>8 ^ crcTable[byte(c)^x]
	}
	return ^c
}

// crcOK reports whether the two octets after data[:n] hold its CRC;
// data must have at least n+2 octets.
func crcOK(data []byte, n int) bool {
	c := crc16(data[:n])
	return data[n] == byte(c) && data[n+1] == byte(c>>8)
}
