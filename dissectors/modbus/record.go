package modbus

import (
	"encoding/hex"
	"encoding/json"
)

// Field is a set of optional Record fields. A field whose bit is clear in
// Record.Present does not apply to the PDU and is left out of the JSON
// (address 0 is a valid address, so presence cannot be told from the value).
type Field uint32

// Optional Record fields.
const (
	FieldAddress        Field = 1 << iota // Address
	FieldQuantity                         // Quantity
	FieldReadAddress                      // ReadAddress, ReadQuantity (FC23)
	FieldByteCount                        // ByteCount
	FieldSubFunction                      // SubFunction, SubFunctionName (FC8, FC90)
	FieldMEIType                          // MEIType (FC43)
	FieldReadDeviceID                     // ReadDeviceIDCode, ObjectID (43/14)
	FieldDeviceIDHeader                   // ConformityLevel, MoreFollows, NextObjectID, NumberOfObjects (43/14 response)
	FieldMasks                            // AndMask, OrMask (FC22)
	FieldStatus                           // Status, EventCount (FC11, FC12)
	FieldMessageCount                     // MessageCount, Events (FC12)
	FieldServerID                         // ServerID, AdditionalData (FC17)
	FieldRunIndicator                     // RunIndicator (FC17)
	FieldDataLength                       // DataLength: undecoded data bytes
	FieldUMAS                             // UMASSession, UMASStatus (response) (FC90)
)

// Record is one Modbus PDU (request, response or exception response).
//
// A Record emitted by a Parser is borrowed like its Event: it and its slices
// (Values, Events, ServerID, AdditionalData, FileRecords, DeviceID.Extended)
// are reused for the next PDU, and the byte slices alias the input. Strings
// are ordinary immutable Go strings and may be kept.
type Record struct {
	TransactionID uint16
	UnitID        uint8
	// FunctionCode is the function code without the exception bit.
	FunctionCode uint8
	// Function is the snake_case function name (see the package doc).
	Function string
	// Response is true for PDUs sent by the server (Direction ToClient).
	Response bool
	// Exception is true for exception responses; ExceptionCode and
	// ExceptionName ("illegal_data_address", ...) then apply.
	Exception     bool
	ExceptionCode uint8
	ExceptionName string

	// Present says which of the fields below apply.
	Present Field

	Address  uint16 // starting / output / reference / FIFO pointer address; FC23: write address
	Quantity uint16 // quantity of coils, inputs or registers; FC23: write quantity; FC24 response: FIFO count
	// ReadAddress and ReadQuantity are FC23's read part.
	ReadAddress  uint16
	ReadQuantity uint16
	ByteCount    uint16
	// Values are the written values (requests) or read values (responses):
	// register contents, or one 0/1 element per coil/input/status bit.
	Values []uint16

	SubFunction     uint16 // FC8 sub-function, FC90 UMAS function code
	SubFunctionName string

	MEIType          uint8
	ReadDeviceIDCode uint8
	ObjectID         uint8
	ConformityLevel  uint8
	MoreFollows      bool
	NextObjectID     uint8
	NumberOfObjects  uint8
	// DeviceID holds the objects of a Read Device Identification response
	// (nil when absent).
	DeviceID *DeviceIdentification

	AndMask uint16
	OrMask  uint16

	Status       uint16 // FC11/FC12 status word (0xFFFF = busy)
	EventCount   uint16
	MessageCount uint16
	Events       []byte // FC12 event bytes, most recent first

	ServerID       []byte // FC17 server id
	RunIndicator   bool   // FC17 run indicator (0xFF = on)
	AdditionalData []byte // FC17 bytes after the run indicator

	// FileRecords are FC20/FC21 sub-requests or sub-responses.
	FileRecords []FileRecord

	// DataLength counts data bytes that are not decoded further (UMAS data
	// after its header, CANopen general reference, user-defined and other
	// codes).
	DataLength int

	UMASSession uint8 // FC90 session / pairing key byte
	UMASStatus  uint8 // FC90 response status: 0xFE ok, 0xFD error

	fileBuf []uint16 // backing array of FileRecords[i].Values
}

// DeviceIdentification is the set of Read Device Identification objects
// present in one response. Empty values are left out of the JSON.
type DeviceIdentification struct {
	VendorName          string // object 0x00
	ProductCode         string // 0x01
	Revision            string // 0x02 MajorMinorRevision
	VendorURL           string // 0x03
	ProductName         string // 0x04
	ModelName           string // 0x05
	UserApplicationName string // 0x06
	// Extended holds reserved (0x07-0x7F) and private (0x80-0xFF) objects.
	Extended []DeviceObject
}

// DeviceObject is one reserved or private device identification object.
type DeviceObject struct {
	ID    uint8  `json:"id"`
	Value string `json:"value"`
}

// FileRecord is one FC20/FC21 sub-request or sub-response. A FC20
// sub-response carries only ReferenceType, RecordLength and Values.
type FileRecord struct {
	ReferenceType uint8
	FileNumber    uint16
	RecordNumber  uint16
	RecordLength  uint16 // in registers
	Values        []uint16
	request       bool // FileNumber and RecordNumber apply
}

// AppProto implements dissectors.Record.
func (r *Record) AppProto() string { return "modbus" }

// Has reports whether all fields in f are present.
func (r *Record) Has(f Field) bool { return r.Present&f == f }

// reset clears r for the next PDU, keeping its buffers.
func (r *Record) reset() {
	values, files, buf := r.Values[:0], r.FileRecords[:0], r.fileBuf[:0]
	*r = Record{}
	r.Values, r.FileRecords, r.fileBuf = values, files, buf
}

type deviceIDJSON struct {
	VendorName          string         `json:"vendor_name,omitempty"`
	ProductCode         string         `json:"product_code,omitempty"`
	Revision            string         `json:"revision,omitempty"`
	VendorURL           string         `json:"vendor_url,omitempty"`
	ProductName         string         `json:"product_name,omitempty"`
	ModelName           string         `json:"model_name,omitempty"`
	UserApplicationName string         `json:"user_application_name,omitempty"`
	Extended            []DeviceObject `json:"extended,omitempty"`
}

// MarshalJSON writes the schema documented in the package comment.
func (d *DeviceIdentification) MarshalJSON() ([]byte, error) {
	return json.Marshal(deviceIDJSON(*d))
}

type fileRecordJSON struct {
	ReferenceType uint8    `json:"reference_type"`
	FileNumber    *uint16  `json:"file_number,omitempty"`
	RecordNumber  *uint16  `json:"record_number,omitempty"`
	RecordLength  uint16   `json:"record_length"`
	Values        []uint16 `json:"values,omitempty"`
}

// MarshalJSON writes the schema documented in the package comment.
func (f FileRecord) MarshalJSON() ([]byte, error) {
	j := fileRecordJSON{ReferenceType: f.ReferenceType, RecordLength: f.RecordLength, Values: f.Values}
	if f.request {
		j.FileNumber, j.RecordNumber = &f.FileNumber, &f.RecordNumber
	}
	return json.Marshal(j)
}

type recordJSON struct {
	TransactionID    uint16                `json:"transaction_id"`
	UnitID           uint8                 `json:"unit_id"`
	FunctionCode     uint8                 `json:"function_code"`
	Function         string                `json:"function"`
	Response         bool                  `json:"response"`
	ExceptionCode    *uint8                `json:"exception_code,omitempty"`
	Exception        string                `json:"exception,omitempty"`
	Address          *uint16               `json:"address,omitempty"`
	Quantity         *uint16               `json:"quantity,omitempty"`
	ReadAddress      *uint16               `json:"read_address,omitempty"`
	ReadQuantity     *uint16               `json:"read_quantity,omitempty"`
	ByteCount        *uint16               `json:"byte_count,omitempty"`
	Values           []uint16              `json:"values,omitempty"`
	SubFunction      *uint16               `json:"sub_function,omitempty"`
	SubFunctionName  string                `json:"sub_function_name,omitempty"`
	MEIType          *uint8                `json:"mei_type,omitempty"`
	ReadDeviceIDCode *uint8                `json:"read_device_id_code,omitempty"`
	ObjectID         *uint8                `json:"object_id,omitempty"`
	ConformityLevel  *uint8                `json:"conformity_level,omitempty"`
	MoreFollows      *bool                 `json:"more_follows,omitempty"`
	NextObjectID     *uint8                `json:"next_object_id,omitempty"`
	NumberOfObjects  *uint8                `json:"number_of_objects,omitempty"`
	DeviceID         *DeviceIdentification `json:"device_id,omitempty"`
	AndMask          *uint16               `json:"and_mask,omitempty"`
	OrMask           *uint16               `json:"or_mask,omitempty"`
	Status           *uint16               `json:"status,omitempty"`
	EventCount       *uint16               `json:"event_count,omitempty"`
	MessageCount     *uint16               `json:"message_count,omitempty"`
	Events           *string               `json:"events,omitempty"`
	ServerID         *string               `json:"server_id,omitempty"`
	RunIndicator     *bool                 `json:"run_indicator,omitempty"`
	AdditionalData   string                `json:"additional_data,omitempty"`
	FileRecords      []FileRecord          `json:"file_records,omitempty"`
	DataLength       *int                  `json:"data_length,omitempty"`
	UMASSession      *uint8                `json:"umas_session,omitempty"`
	UMASStatus       string                `json:"umas_status,omitempty"`
}

// MarshalJSON writes the schema documented in the package comment.
func (r *Record) MarshalJSON() ([]byte, error) {
	j := recordJSON{
		TransactionID: r.TransactionID,
		UnitID:        r.UnitID,
		FunctionCode:  r.FunctionCode,
		Function:      r.Function,
		Response:      r.Response,
		Values:        r.Values,
		FileRecords:   r.FileRecords,
		DeviceID:      r.DeviceID,
	}
	if len(j.Values) == 0 {
		j.Values = nil
	}
	if r.Exception {
		j.ExceptionCode, j.Exception = &r.ExceptionCode, r.ExceptionName
	}
	if r.Has(FieldAddress) {
		j.Address = &r.Address
	}
	if r.Has(FieldQuantity) {
		j.Quantity = &r.Quantity
	}
	if r.Has(FieldReadAddress) {
		j.ReadAddress, j.ReadQuantity = &r.ReadAddress, &r.ReadQuantity
	}
	if r.Has(FieldByteCount) {
		j.ByteCount = &r.ByteCount
	}
	if r.Has(FieldSubFunction) {
		j.SubFunction, j.SubFunctionName = &r.SubFunction, r.SubFunctionName
	}
	if r.Has(FieldMEIType) {
		j.MEIType = &r.MEIType
	}
	if r.Has(FieldReadDeviceID) {
		j.ReadDeviceIDCode, j.ObjectID = &r.ReadDeviceIDCode, &r.ObjectID
	}
	if r.Has(FieldDeviceIDHeader) {
		j.ConformityLevel, j.MoreFollows = &r.ConformityLevel, &r.MoreFollows
		j.NextObjectID, j.NumberOfObjects = &r.NextObjectID, &r.NumberOfObjects
	}
	if r.Has(FieldMasks) {
		j.AndMask, j.OrMask = &r.AndMask, &r.OrMask
	}
	if r.Has(FieldStatus) {
		j.Status, j.EventCount = &r.Status, &r.EventCount
	}
	if r.Has(FieldMessageCount) {
		ev := hex.EncodeToString(r.Events)
		j.MessageCount, j.Events = &r.MessageCount, &ev
	}
	if r.Has(FieldServerID) {
		id := hex.EncodeToString(r.ServerID)
		j.ServerID, j.AdditionalData = &id, hex.EncodeToString(r.AdditionalData)
	}
	if r.Has(FieldRunIndicator) {
		j.RunIndicator = &r.RunIndicator
	}
	if r.Has(FieldDataLength) {
		j.DataLength = &r.DataLength
	}
	if r.Has(FieldUMAS) {
		j.UMASSession = &r.UMASSession
		if r.Response {
			j.UMASStatus = umasStatusName(r.UMASStatus)
		}
	}
	return json.Marshal(&j)
}
