package dnp3

// Record is one DNP3 event: an application fragment (reassembled from its
// transport segments and link frames), or one link frame that carries no
// application data (reset link states, request link status, ACK, ...).
//
// A Record emitted by a Parser is borrowed like its Event: it, Objects and
// every Object's Points are reused for the next event, and no byte slice
// aliases the input after Emit returns. Strings are ordinary immutable Go
// strings and may be kept.
type Record struct {
	// Link layer of the (last) frame of the fragment.
	Src, Dst uint16 // link source and destination addresses
	// FromMaster is the link control DIR bit: set on frames sent by a
	// master, clear on frames from an outstation.
	FromMaster bool
	// Primary is the link control PRM bit (primary-to-secondary frame).
	Primary bool
	// FCB and FCV are the frame count bit and frame count valid bit of
	// primary frames; DFC is the data flow control bit of secondary frames
	// (the same two control bits).
	FCB, FCV, DFC    bool
	LinkFunctionCode uint8  // link control function code (4 bits)
	LinkFunction     string // snake_case: "unconfirmed_user_data", "link_status", ...
	// Frames counts the link frames whose transport segments made up the
	// fragment (1 for link-only records).
	Frames int

	// LinkOnly is true for a frame without application data; the
	// application fields below then do not apply.
	LinkOnly bool

	// Application control octet.
	FIR, FIN, CON, UNS bool
	Seq                uint8

	FunctionCode uint8
	Function     string // snake_case name: "read", "direct_operate", "response", ...
	// Response is true for function codes 129 (response), 130
	// (unsolicited response) and 131 (authentication response), which
	// carry IIN; Unsolicited for 130.
	Response    bool
	Unsolicited bool
	// IIN is the internal indications word of a response: the first octet
	// (IIN1) in the low byte, IIN2 in the high byte, so that bit i of IIN
	// is IIN1.i for i < 8 and IIN2.(i-8) above. Zero for requests.
	IIN uint16

	// Objects are the object headers of the fragment in order, with the
	// decoded points of the groups listed in the package doc.
	Objects []Object

	// Device holds the device attributes (group 0) found in the fragment,
	// nil when there are none.
	Device *DeviceAttributes
}

// AppProto returns "dnp3".
func (r *Record) AppProto() string { return "dnp3" }

// Object is one object header and, for the decoded groups, its points.
type Object struct {
	Group, Variation uint8
	Qualifier        uint8  // the whole qualifier octet (prefix code << 4 | range code)
	Name             string // snake_case object name when known, e.g. "crob"
	// HasRange is true for range qualifiers (start-stop indexes or
	// addresses: range codes 0-5); Start and Stop then apply.
	HasRange    bool
	Start, Stop uint32
	// Count is the number of objects the header announces (Stop-Start+1
	// for ranges, the count field otherwise; 0 for "all objects").
	Count uint32
	// Points are the decoded points (groups 0, 12, 41, 50, 80), limited to
	// MaxPoints per fragment.
	Points []Point
}

// Point is one decoded object. Which fields apply depends on the group;
// the JSON writes only those (see the package doc).
type Point struct {
	Index uint32 // point index: from the prefix or the range

	// Group 12 (CROB, pattern control block).
	ControlCode uint8 // operation type, queue, clear, trip/close
	Count       uint8
	OnTime      uint32 // ms
	OffTime     uint32 // ms
	// Status is the CROB / analog output command status (0 = success).
	Status uint8

	// Group 41 (analog output command) and numeric group 0 attributes.
	Value float64

	// Group 50 (time and date): milliseconds since 1970-01-01 UTC;
	// group 50 variation 2 and 4 also carry an interval in Interval (ms).
	Time     uint64
	Interval uint32

	// Group 0 (device attribute): variation names the attribute; Text is
	// its value when it is a string.
	Text string

	// Group 80 (internal indications): the bit's value.
	Bit bool

	kind  pointKind // which fields apply (set by the decoder; see points.go)
	vari  uint8     // object variation: g0 attribute number, g12/g41/g50 variation
	dtype uint8     // g0 attribute data type code
}

// DeviceAttributes is the device identity read from group 0 attributes.
// Empty fields were not present.
type DeviceAttributes struct {
	Vendor          string `json:"vendor,omitempty"`           // g0v252 device manufacturer's name
	Model           string `json:"model,omitempty"`            // g0v250 product name and model
	SoftwareVersion string `json:"software_version,omitempty"` // g0v242
	HardwareVersion string `json:"hardware_version,omitempty"` // g0v243
	Serial          string `json:"serial,omitempty"`           // g0v248 device serial number
	Name            string `json:"name,omitempty"`             // g0v247 user-assigned device name
	Location        string `json:"location,omitempty"`         // g0v245 user-assigned location
	IDCode          string `json:"id_code,omitempty"`          // g0v246 user-assigned ID code
}

// MaxPoints caps the decoded points kept per fragment; further points are
// counted in their Object's Count but not decoded into Points.
const MaxPoints = 1024
