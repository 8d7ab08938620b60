package modbus

// devCache owns the DeviceIdentification a parser hands out and the last
// string seen for each object id, so that a device answering the same
// identification again costs no allocation.
type devCache struct {
	id   DeviceIdentification
	strs [256]string
}

// begin clears the identification for a new response and returns it.
func (c *devCache) begin() *DeviceIdentification {
	c.id = DeviceIdentification{Extended: c.id.Extended[:0]}
	return &c.id
}

// set records object id with value b.
func (c *devCache) set(id uint8, b []byte) {
	if c.strs[id] != string(b) {
		c.strs[id] = string(b)
	}
	s := c.strs[id]
	switch id {
	case 0x00:
		c.id.VendorName = s
	case 0x01:
		c.id.ProductCode = s
	case 0x02:
		c.id.Revision = s
	case 0x03:
		c.id.VendorURL = s
	case 0x04:
		c.id.ProductName = s
	case 0x05:
		c.id.ModelName = s
	case 0x06:
		c.id.UserApplicationName = s
	default:
		c.id.Extended = append(c.id.Extended, DeviceObject{ID: id, Value: s})
	}
}
