package modbus

// Limits from the Modbus Application Protocol Specification V1.1b3.
const (
	maxReadBits       = 2000 // FC1, FC2 quantity (0x7D0)
	maxReadRegisters  = 125  // FC3, FC4, FC23 read quantity (0x7D)
	maxWriteBits      = 1968 // FC15 quantity (0x7B0)
	maxWriteRegisters = 123  // FC16 quantity (0x7B)
	maxRWWrite        = 121  // FC23 write quantity (0x79)
	maxFIFOCount      = 31   // FC24
	maxRecordNumber   = 9999 // FC20/21 (0x270F)
	fileReferenceType = 6    // FC20/21
	coilOn            = 0xFF00
	addressSpace      = 65536 // address + quantity may not exceed it
)

// decoder fills a Record from one PDU and notes its anomalies.
type decoder struct {
	r   *Record
	f   *findings
	dev *devCache // nil until the first device identification response
}

func be16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }

// decode decodes pdu (function code + data, len >= 1). resp tells a server
// PDU from a client one.
func (d *decoder) decode(pdu []byte, resp bool) {
	r := d.r
	fc, data := pdu[0], pdu[1:]
	if resp && fc >= 0x80 {
		d.exception(fc&0x7F, data)
		return
	}
	name, class := functionName(fc)
	if fc >= 0x80 {
		name, class = "unknown", classUnknown
	}
	r.FunctionCode, r.Function = fc, name
	switch class {
	case classUnknown:
		d.f.Add(anUnknownFunction, "function code is not assigned")
		d.dataLength(len(data))
		return
	case classUserDefined, classReserved:
		if fc == fcUMAS {
			d.umas(data, resp)
			return
		}
		d.dataLength(len(data))
		return
	}
	switch fc {
	case fcReadCoils, fcReadDiscreteInputs:
		if resp {
			d.readBitsResponse(data)
		} else {
			d.addressQuantity(data, maxReadBits)
		}
	case fcReadHoldingRegisters, fcReadInputRegisters:
		if resp {
			d.registersResponse(data)
		} else {
			d.addressQuantity(data, maxReadRegisters)
		}
	case fcWriteSingleCoil:
		d.writeSingle(data, true)
	case fcWriteSingleRegister:
		d.writeSingle(data, false)
	case fcReadExceptionStatus:
		if resp {
			d.exceptionStatus(data)
		} else {
			d.noData(data)
		}
	case fcDiagnostics:
		d.diagnostics(data, resp)
	case fcGetCommEventCounter:
		if resp {
			d.commEventCounter(data)
		} else {
			d.noData(data)
		}
	case fcGetCommEventLog:
		if resp {
			d.commEventLog(data)
		} else {
			d.noData(data)
		}
	case fcWriteMultipleCoils:
		if resp {
			d.addressQuantity(data, maxWriteBits)
		} else {
			d.writeMultiple(data, true)
		}
	case fcWriteMultipleRegisters:
		if resp {
			d.addressQuantity(data, maxWriteRegisters)
		} else {
			d.writeMultiple(data, false)
		}
	case fcReportServerID:
		if resp {
			d.reportServerID(data)
		} else {
			d.noData(data)
		}
	case fcReadFileRecord:
		if resp {
			d.readFileResponse(data)
		} else {
			d.readFileRequest(data)
		}
	case fcWriteFileRecord:
		d.writeFile(data)
	case fcMaskWriteRegister:
		d.maskWrite(data)
	case fcReadWriteMultipleRegisters:
		if resp {
			d.registersResponse(data)
		} else {
			d.readWriteRequest(data)
		}
	case fcReadFIFOQueue:
		if resp {
			d.fifoResponse(data)
		} else {
			d.fifoRequest(data)
		}
	case fcEncapsulatedInterface:
		d.encapsulated(data, resp)
	}
}

func (d *decoder) exception(fc uint8, data []byte) {
	r := d.r
	r.FunctionCode, r.Exception = fc, true
	r.Function, _ = functionName(fc)
	if len(data) != 1 {
		d.f.Add(anInvalidFunctionData, "exception response is not exactly one exception code")
		if len(data) == 0 {
			r.ExceptionName = "unknown"
			return
		}
	}
	var ok bool
	r.ExceptionCode = data[0]
	if r.ExceptionName, ok = exceptionName(data[0]); !ok {
		d.f.Add(anInvalidExceptionCode, "exception code is not defined")
	}
}

func (d *decoder) dataLength(n int) {
	d.r.DataLength = n
	d.r.Present |= FieldDataLength
}

// exactly notes invalid_function_data unless len(data) == n, and reports
// whether at least n bytes are there to decode.
func (d *decoder) exactly(data []byte, n int) bool {
	if len(data) != n {
		d.f.Add(anInvalidFunctionData, "PDU length does not match the function")
	}
	return len(data) >= n
}

func (d *decoder) noData(data []byte) { d.exactly(data, 0) }

// quantity notes invalid_value when q is outside 1..limit or the range
// address..address+q-1 leaves the 16-bit address space.
func (d *decoder) quantity(addr, q uint16, limit int) {
	if q == 0 || int(q) > limit {
		d.f.Add(anInvalidValue, "quantity out of range")
	} else if int(addr)+int(q) > addressSpace {
		d.f.Add(anInvalidValue, "address + quantity beyond 65536")
	}
}

// addressQuantity decodes the 4-byte starting address + quantity of read
// requests and write-multiple responses.
func (d *decoder) addressQuantity(data []byte, limit int) {
	if !d.exactly(data, 4) {
		return
	}
	r := d.r
	r.Address, r.Quantity = be16(data), be16(data[2:])
	r.Present |= FieldAddress | FieldQuantity
	d.quantity(r.Address, r.Quantity, limit)
}

// byteCounted decodes a leading 1-byte byte count and returns the bytes it
// covers (fewer when the PDU is short).
func (d *decoder) byteCounted(data []byte) ([]byte, bool) {
	if len(data) < 1 {
		d.f.Add(anInvalidFunctionData, "byte count missing")
		return nil, false
	}
	n := int(data[0])
	d.r.ByteCount = uint16(n)
	d.r.Present |= FieldByteCount
	body := data[1:]
	if len(body) != n {
		d.f.Add(anInvalidFunctionData, "byte count does not match PDU length")
		if len(body) > n {
			body = body[:n]
		}
	}
	return body, true
}

// appendBits appends the first n bits of b, least significant bit first.
func (d *decoder) appendBits(b []byte, n int) {
	if n > len(b)*8 {
		n = len(b) * 8
	}
	for i := 0; i < n; i++ {
		d.r.Values = append(d.r.Values, uint16(b[i>>3]>>(i&7)&1))
	}
}

func (d *decoder) appendRegisters(b []byte) {
	for i := 0; i+1 < len(b); i += 2 {
		d.r.Values = append(d.r.Values, be16(b[i:]))
	}
}

func (d *decoder) readBitsResponse(data []byte) {
	body, ok := d.byteCounted(data)
	if !ok {
		return
	}
	if d.r.ByteCount == 0 {
		d.f.Add(anInvalidFunctionData, "byte count 0 in a read response")
	}
	d.appendBits(body, len(body)*8) // trimmed to the request's quantity when matched
}

// registersResponse decodes FC3, FC4 and FC23 responses.
func (d *decoder) registersResponse(data []byte) {
	body, ok := d.byteCounted(data)
	if !ok {
		return
	}
	if n := d.r.ByteCount; n == 0 || n%2 != 0 {
		d.f.Add(anInvalidFunctionData, "register byte count is zero or odd")
	}
	d.appendRegisters(body)
}

func (d *decoder) writeSingle(data []byte, coil bool) {
	if !d.exactly(data, 4) {
		return
	}
	r := d.r
	r.Address = be16(data)
	r.Present |= FieldAddress
	v := be16(data[2:])
	if coil {
		switch v {
		case coilOn:
			v = 1
		case 0:
		default:
			d.f.Add(anInvalidValue, "coil value is neither 0xFF00 nor 0x0000")
		}
	}
	r.Values = append(r.Values, v)
}

func (d *decoder) exceptionStatus(data []byte) {
	if d.exactly(data, 1) {
		d.appendBits(data[:1], 8)
	}
}

func (d *decoder) diagnostics(data []byte, resp bool) {
	if len(data) < 2 {
		d.f.Add(anInvalidFunctionData, "diagnostics PDU without sub-function")
		return
	}
	r := d.r
	sub := be16(data)
	name, known := diagnosticName(sub)
	r.SubFunction, r.SubFunctionName = sub, name
	r.Present |= FieldSubFunction
	body := data[2:]
	d.appendRegisters(body)
	switch {
	case !known:
		d.f.Add(anInvalidValue, "reserved diagnostics sub-function")
	case len(body)%2 != 0:
		d.f.Add(anInvalidFunctionData, "diagnostics data is not a whole number of words")
	case sub != 0 && len(body) != 2:
		d.f.Add(anInvalidFunctionData, "diagnostics sub-function takes one data word")
	case sub != 0 && !resp:
		v := be16(body)
		switch {
		case sub == 1:
			if v != 0 && v != coilOn {
				d.f.Add(anInvalidValue, "restart communications data is neither 0x0000 nor 0xFF00")
			}
		case sub == 3:
			if v&0xFF != 0 {
				d.f.Add(anInvalidValue, "ASCII delimiter data is not CHAR 00")
			}
		case v != 0:
			d.f.Add(anInvalidValue, "diagnostics request data is not 0x0000")
		}
	}
}

func (d *decoder) statusWord(v uint16) {
	if v != 0 && v != 0xFFFF {
		d.f.Add(anInvalidValue, "status word is neither 0x0000 nor 0xFFFF")
	}
}

func (d *decoder) commEventCounter(data []byte) {
	if !d.exactly(data, 4) {
		return
	}
	r := d.r
	r.Status, r.EventCount = be16(data), be16(data[2:])
	r.Present |= FieldStatus
	d.statusWord(r.Status)
}

func (d *decoder) commEventLog(data []byte) {
	body, ok := d.byteCounted(data)
	if !ok {
		return
	}
	if n := d.r.ByteCount; n < 6 || n > 6+64 {
		d.f.Add(anInvalidFunctionData, "event log byte count outside 6..70")
	}
	if len(body) < 6 {
		return
	}
	r := d.r
	r.Status, r.EventCount, r.MessageCount = be16(body), be16(body[2:]), be16(body[4:])
	r.Events = body[6:]
	r.Present |= FieldStatus | FieldMessageCount
	d.statusWord(r.Status)
}

// writeMultiple decodes FC15 and FC16 requests.
func (d *decoder) writeMultiple(data []byte, coils bool) {
	if len(data) < 5 {
		d.f.Add(anInvalidFunctionData, "write request shorter than its header")
		return
	}
	r := d.r
	r.Address, r.Quantity = be16(data), be16(data[2:])
	r.Present |= FieldAddress | FieldQuantity
	body, _ := d.byteCounted(data[4:])
	n, q := int(r.ByteCount), int(r.Quantity)
	if coils {
		d.quantity(r.Address, r.Quantity, maxWriteBits)
		if n != (q+7)/8 {
			d.f.Add(anInvalidFunctionData, "byte count does not match quantity of coils")
		}
		d.appendBits(body, q)
		return
	}
	d.quantity(r.Address, r.Quantity, maxWriteRegisters)
	if n != 2*q {
		d.f.Add(anInvalidFunctionData, "byte count does not match quantity of registers")
	}
	d.appendRegisters(body)
}

// reportServerID decodes FC17 responses. The server id length is device
// specific; like Wireshark we take one id byte followed by the run
// indicator, unless only the last byte is a valid run indicator (0x00 or
// 0xFF), in which case everything before it is the id.
func (d *decoder) reportServerID(data []byte) {
	body, ok := d.byteCounted(data)
	if !ok {
		return
	}
	if len(body) == 0 {
		d.f.Add(anInvalidFunctionData, "report server id response without data")
		return
	}
	r := d.r
	r.Present |= FieldServerID
	isRun := func(b byte) bool { return b == 0x00 || b == 0xFF }
	switch last := len(body) - 1; {
	case len(body) >= 2 && isRun(body[1]):
		r.ServerID, r.RunIndicator, r.AdditionalData = body[:1], body[1] == 0xFF, body[2:]
		r.Present |= FieldRunIndicator
	case len(body) >= 2 && isRun(body[last]):
		r.ServerID, r.RunIndicator = body[:last], body[last] == 0xFF
		r.Present |= FieldRunIndicator
	default:
		r.ServerID = body
	}
}

// fileRecord appends a sub-request/response; its values go to fileBuf and
// are attached by attachFileValues once fileBuf stops growing.
func (d *decoder) fileRecord(fr FileRecord, data []byte) {
	r := d.r
	start := len(r.fileBuf)
	for i := 0; i+1 < len(data); i += 2 {
		r.fileBuf = append(r.fileBuf, be16(data[i:]))
	}
	fr.Values = r.fileBuf[start:len(r.fileBuf):len(r.fileBuf)]
	r.FileRecords = append(r.FileRecords, fr)
}

// attachFileValues re-points FileRecords[i].Values into the final fileBuf
// (appending may have moved it).
func (d *decoder) attachFileValues() {
	r := d.r
	off := 0
	for i := range r.FileRecords {
		n := len(r.FileRecords[i].Values)
		r.FileRecords[i].Values = r.fileBuf[off : off+n : off+n]
		off += n
	}
}

// fileSubRequest checks and returns the 7-byte sub-request header at b.
func (d *decoder) fileSubRequest(b []byte) FileRecord {
	fr := FileRecord{ReferenceType: b[0], FileNumber: be16(b[1:]), RecordNumber: be16(b[3:]), RecordLength: be16(b[5:]), request: true}
	switch {
	case fr.ReferenceType != fileReferenceType:
		d.f.Add(anInvalidValue, "file record reference type is not 6")
	case fr.FileNumber == 0:
		d.f.Add(anInvalidValue, "file number 0")
	case fr.RecordNumber > maxRecordNumber:
		d.f.Add(anInvalidValue, "record number above 9999")
	}
	return fr
}

func (d *decoder) readFileRequest(data []byte) {
	body, ok := d.byteCounted(data)
	if !ok {
		return
	}
	if n := len(body); n < 7 || n%7 != 0 {
		d.f.Add(anInvalidFunctionData, "read file record byte count is not a positive multiple of 7")
	}
	for i := 0; i+7 <= len(body); i += 7 {
		d.r.FileRecords = append(d.r.FileRecords, d.fileSubRequest(body[i:]))
	}
}

func (d *decoder) readFileResponse(data []byte) {
	body, ok := d.byteCounted(data)
	if !ok {
		return
	}
	if len(body) == 0 {
		d.f.Add(anInvalidFunctionData, "read file record response without sub-responses")
	}
	for i := 0; i < len(body); {
		n := int(body[i])
		if n < 1 || n%2 != 1 || i+1+n > len(body) {
			d.f.Add(anInvalidFunctionData, "file response length inconsistent")
			break
		}
		fr := FileRecord{ReferenceType: body[i+1], RecordLength: uint16(n / 2)}
		if fr.ReferenceType != fileReferenceType {
			d.f.Add(anInvalidValue, "file record reference type is not 6")
		}
		d.fileRecord(fr, body[i+2:i+1+n])
		i += 1 + n
	}
	d.attachFileValues()
}

// writeFile decodes FC21 requests and their echo responses.
func (d *decoder) writeFile(data []byte) {
	body, ok := d.byteCounted(data)
	if !ok {
		return
	}
	if len(body) < 9 {
		d.f.Add(anInvalidFunctionData, "write file record data length below 9")
	}
	for i := 0; i < len(body); {
		if i+7 > len(body) {
			d.f.Add(anInvalidFunctionData, "write file record sub-request truncated")
			break
		}
		fr := d.fileSubRequest(body[i:])
		end := i + 7 + 2*int(fr.RecordLength)
		if end > len(body) {
			d.f.Add(anInvalidFunctionData, "write file record data shorter than record length")
			end = len(body)
		}
		d.fileRecord(fr, body[i+7:end])
		i = end
	}
	d.attachFileValues()
}

func (d *decoder) maskWrite(data []byte) {
	if !d.exactly(data, 6) {
		return
	}
	r := d.r
	r.Address, r.AndMask, r.OrMask = be16(data), be16(data[2:]), be16(data[4:])
	r.Present |= FieldAddress | FieldMasks
}

func (d *decoder) readWriteRequest(data []byte) {
	if len(data) < 9 {
		d.f.Add(anInvalidFunctionData, "read/write request shorter than its header")
		return
	}
	r := d.r
	r.ReadAddress, r.ReadQuantity = be16(data), be16(data[2:])
	r.Address, r.Quantity = be16(data[4:]), be16(data[6:])
	r.Present |= FieldReadAddress | FieldAddress | FieldQuantity
	d.quantity(r.ReadAddress, r.ReadQuantity, maxReadRegisters)
	d.quantity(r.Address, r.Quantity, maxRWWrite)
	body, _ := d.byteCounted(data[8:])
	if int(r.ByteCount) != 2*int(r.Quantity) {
		d.f.Add(anInvalidFunctionData, "byte count does not match quantity to write")
	}
	d.appendRegisters(body)
}

func (d *decoder) fifoRequest(data []byte) {
	if d.exactly(data, 2) {
		d.r.Address = be16(data)
		d.r.Present |= FieldAddress
	}
}

func (d *decoder) fifoResponse(data []byte) {
	if len(data) < 4 {
		d.f.Add(anInvalidFunctionData, "FIFO response shorter than its header")
		return
	}
	r := d.r
	r.ByteCount, r.Quantity = be16(data), be16(data[2:])
	r.Present |= FieldByteCount | FieldQuantity
	if int(r.ByteCount) != len(data)-2 || int(r.ByteCount) != 2+2*int(r.Quantity) {
		d.f.Add(anInvalidFunctionData, "FIFO byte count does not match FIFO count")
	}
	if r.Quantity > maxFIFOCount {
		d.f.Add(anInvalidValue, "FIFO count above 31")
	}
	d.appendRegisters(data[4:])
}

func (d *decoder) encapsulated(data []byte, resp bool) {
	if len(data) < 1 {
		d.f.Add(anInvalidFunctionData, "encapsulated interface PDU without MEI type")
		return
	}
	r := d.r
	mei := data[0]
	r.MEIType = mei
	r.Present |= FieldMEIType
	var known bool
	r.Function, known = meiName(mei)
	switch {
	case !known:
		d.f.Add(anInvalidValue, "reserved MEI type")
		d.dataLength(len(data) - 1)
	case mei == meiCANopen:
		d.dataLength(len(data) - 1)
	case resp:
		d.deviceIDResponse(data[1:])
	default:
		if d.exactly(data[1:], 2) {
			r.ReadDeviceIDCode, r.ObjectID = data[1], data[2]
			r.Present |= FieldReadDeviceID
			if r.ReadDeviceIDCode < 1 || r.ReadDeviceIDCode > 4 {
				d.f.Add(anInvalidValue, "read device id code outside 1..4")
			}
		}
	}
}

func (d *decoder) deviceIDResponse(data []byte) {
	if len(data) < 5 {
		d.f.Add(anInvalidFunctionData, "device identification response shorter than its header")
		return
	}
	r := d.r
	r.ReadDeviceIDCode, r.ConformityLevel = data[0], data[1]
	r.MoreFollows, r.NextObjectID, r.NumberOfObjects = data[2] != 0, data[3], data[4]
	r.Present |= FieldReadDeviceID | FieldDeviceIDHeader
	switch {
	case r.ReadDeviceIDCode < 1 || r.ReadDeviceIDCode > 4:
		d.f.Add(anInvalidValue, "read device id code outside 1..4")
	case !validConformity(r.ConformityLevel):
		d.f.Add(anInvalidValue, "conformity level not defined")
	case data[2] != 0 && data[2] != 0xFF:
		d.f.Add(anInvalidValue, "more follows is neither 0x00 nor 0xFF")
	}
	if d.dev == nil {
		d.dev = new(devCache)
	}
	dev := d.dev.begin()
	objs := data[5:]
	n := 0
	for len(objs) > 0 {
		if len(objs) < 2 || len(objs) < 2+int(objs[1]) {
			d.f.Add(anInvalidFunctionData, "device identification object truncated")
			break
		}
		id, val := objs[0], objs[2:2+int(objs[1])]
		if n == 0 {
			r.ObjectID = id // first object returned
		}
		d.dev.set(id, val)
		objs = objs[2+len(val):]
		n++
	}
	if n != int(r.NumberOfObjects) {
		d.f.Add(anInvalidFunctionData, "number of objects does not match the objects present")
	}
	if n > 0 {
		r.DeviceID = dev
	}
}

// umas decodes the Schneider UMAS header inside FC90: a session (pairing
// key) byte, then the UMAS function code in requests or a status byte
// (0xFE ok, 0xFD error) in responses.
func (d *decoder) umas(data []byte, resp bool) {
	if len(data) < 2 {
		d.f.Add(anInvalidFunctionData, "UMAS PDU shorter than its header")
		d.dataLength(len(data))
		return
	}
	r := d.r
	r.UMASSession = data[0]
	r.Present |= FieldUMAS
	d.dataLength(len(data) - 2)
	if resp {
		r.UMASStatus = data[1]
		return
	}
	r.SubFunction, r.SubFunctionName = uint16(data[1]), umasName(data[1])
	r.Present |= FieldSubFunction
}
