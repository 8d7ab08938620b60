package synth

// FileRef is one sub-request of Read File Record (FC 20).
type FileRef struct {
	File, Record, Length uint16
}

// FileRecord is one sub-request of Write File Record (FC 21).
type FileRecord struct {
	File, Record uint16
	Data         []uint16
}

// fileRefType is the reference type of file sub-requests (section 6.14).
const fileRefType = 0x06

// ReadFileRecord appends an FC 20 request: byte count (7 per
// sub-request), then reference type 6, file, record, length for each.
func (h MBAP) ReadFileRecord(dst []byte, refs []FileRef) []byte {
	b, s := h.begin(dst)
	b = append(b, FCReadFileRecord, byte(7*len(refs)))
	for _, r := range refs {
		b = append(b, fileRefType)
		b = put16(b, r.File)
		b = put16(b, r.Record)
		b = put16(b, r.Length)
	}
	return end(b, s)
}

// ReadFileRecordResponse appends an FC 20 response: response data length,
// then for each record its length (1 + 2 per register), reference type 6
// and the registers.
func (h MBAP) ReadFileRecordResponse(dst []byte, records [][]uint16) []byte {
	b, s := h.begin(dst)
	n := 0
	for _, r := range records {
		n += 2 + 2*len(r)
	}
	b = append(b, FCReadFileRecord, byte(n))
	for _, r := range records {
		b = append(b, byte(1+2*len(r)), fileRefType)
		for _, v := range r {
			b = put16(b, v)
		}
	}
	return end(b, s)
}

// WriteFileRecord appends an FC 21 request, or its response (an echo):
// request data length, then reference type 6, file, record, record
// length and the registers for each record.
func (h MBAP) WriteFileRecord(dst []byte, records []FileRecord) []byte {
	b, s := h.begin(dst)
	n := 0
	for _, r := range records {
		n += 7 + 2*len(r.Data)
	}
	b = append(b, FCWriteFileRecord, byte(n))
	for _, r := range records {
		b = append(b, fileRefType)
		b = put16(b, r.File)
		b = put16(b, r.Record)
		b = put16(b, uint16(len(r.Data)))
		for _, v := range r.Data {
			b = put16(b, v)
		}
	}
	return end(b, s)
}

// MEI types carried by FC 43 (section 6.19-6.21).
const (
	MEICANopenGeneralReference = 0x0D
	MEIReadDeviceID            = 0x0E
)

// Read Device ID codes (section 6.21).
const (
	DeviceIDBasic      = 0x01 // stream access, basic objects
	DeviceIDRegular    = 0x02 // stream access, regular objects
	DeviceIDExtended   = 0x03 // stream access, extended objects
	DeviceIDIndividual = 0x04 // one specific object
)

// Device identification object ids.
const (
	ObjVendorName          = 0x00
	ObjProductCode         = 0x01
	ObjMajorMinorRevision  = 0x02
	ObjVendorURL           = 0x03
	ObjProductName         = 0x04
	ObjModelName           = 0x05
	ObjUserApplicationName = 0x06
)

// DeviceObject is one object of a Read Device ID response.
type DeviceObject struct {
	ID    uint8
	Value string
}

// DeviceIDResponse is the content of a Read Device ID response.
type DeviceIDResponse struct {
	Code        uint8 // read device id code of the request
	Conformity  uint8 // 0x01-0x03 stream only, 0x81-0x83 stream and individual
	MoreFollows bool
	NextObject  uint8
	Objects     []DeviceObject
}

// ReadDeviceID appends an FC 43 / MEI 14 request: read device id code,
// object id.
func (h MBAP) ReadDeviceID(dst []byte, code, object uint8) []byte {
	return h.PDU(dst, FCEncapsulatedInterface, MEIReadDeviceID, code, object)
}

// ReadDeviceIDResponse appends an FC 43 / MEI 14 response: code,
// conformity level, more follows (0xFF or 0x00), next object id, number of
// objects, then id, length, value for each object.
func (h MBAP) ReadDeviceIDResponse(dst []byte, r DeviceIDResponse) []byte {
	b, s := h.begin(dst)
	more := byte(0x00)
	if r.MoreFollows {
		more = 0xFF
	}
	b = append(b, FCEncapsulatedInterface, MEIReadDeviceID, r.Code, r.Conformity, more, r.NextObject, byte(len(r.Objects)))
	for _, o := range r.Objects {
		b = append(b, o.ID, byte(len(o.Value)))
		b = append(b, o.Value...)
	}
	return end(b, s)
}

// CANopenGeneralReference appends an FC 43 / MEI 13 request or response
// carrying data defined by CiA DS 309-2.
func (h MBAP) CANopenGeneralReference(dst []byte, data ...byte) []byte {
	b, s := h.begin(dst)
	b = append(b, FCEncapsulatedInterface, MEICANopenGeneralReference)
	return end(append(b, data...), s)
}

// UMAS status bytes of a response.
const (
	UMASOK    = 0xFE
	UMASError = 0xFD
)

// UMAS function codes used in crafted traffic (Schneider Electric's UMAS
// over FC 90, as documented by public reverse engineering).
const (
	UMASInitComm        = 0x01
	UMASReadID          = 0x02
	UMASReadPLCInfo     = 0x04
	UMASKeepAlive       = 0x12
	UMASReadMemoryBlock = 0x20
	UMASStopPLC         = 0x41
)

// UMASRequest appends an FC 90 request: session key, UMAS function, data.
func (h MBAP) UMASRequest(dst []byte, session, fn uint8, data ...byte) []byte {
	b, s := h.begin(dst)
	b = append(b, FCUMAS, session, fn)
	return end(append(b, data...), s)
}

// UMASResponse appends an FC 90 response: session key, status (UMASOK or
// UMASError), data.
func (h MBAP) UMASResponse(dst []byte, session, status uint8, data ...byte) []byte {
	b, s := h.begin(dst)
	b = append(b, FCUMAS, session, status)
	return end(append(b, data...), s)
}
