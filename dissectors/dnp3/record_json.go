package dnp3

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

type controlJSON struct {
	FIR bool  `json:"fir"`
	FIN bool  `json:"fin"`
	CON bool  `json:"con"`
	UNS bool  `json:"uns"`
	Seq uint8 `json:"seq"`
}

type recordJSON struct {
	Src              uint16            `json:"src"`
	Dst              uint16            `json:"dst"`
	FromMaster       bool              `json:"from_master"`
	Primary          bool              `json:"primary"`
	FCB              *bool             `json:"fcb,omitempty"`
	FCV              *bool             `json:"fcv,omitempty"`
	DFC              *bool             `json:"dfc,omitempty"`
	LinkFunctionCode uint8             `json:"link_function_code"`
	LinkFunction     string            `json:"link_function"`
	LinkFrames       int               `json:"link_frames"`
	LinkOnly         bool              `json:"link_only,omitempty"`
	Control          *controlJSON      `json:"control,omitempty"`
	FunctionCode     *uint8            `json:"function_code,omitempty"`
	Function         string            `json:"function,omitempty"`
	Response         *bool             `json:"response,omitempty"`
	Unsolicited      *bool             `json:"unsolicited,omitempty"`
	IIN              *[]string         `json:"iin,omitempty"`
	IINValue         *uint16           `json:"iin_value,omitempty"`
	Objects          *[]Object         `json:"objects,omitempty"`
	Device           *DeviceAttributes `json:"device_attributes,omitempty"`
}

// MarshalJSON writes the schema documented in the package comment.
func (r *Record) MarshalJSON() ([]byte, error) {
	j := recordJSON{
		Src: r.Src, Dst: r.Dst, FromMaster: r.FromMaster, Primary: r.Primary,
		LinkFunctionCode: r.LinkFunctionCode, LinkFunction: r.LinkFunction,
		LinkFrames: r.Frames, LinkOnly: r.LinkOnly,
	}
	if r.Primary {
		j.FCB, j.FCV = &r.FCB, &r.FCV
	} else {
		j.DFC = &r.DFC
	}
	if !r.LinkOnly {
		j.Control = &controlJSON{r.FIR, r.FIN, r.CON, r.UNS, r.Seq}
		j.FunctionCode, j.Function = &r.FunctionCode, r.Function
		j.Response, j.Unsolicited = &r.Response, &r.Unsolicited
		objs := r.Objects
		if objs == nil {
			objs = []Object{}
		}
		j.Objects = &objs
		j.Device = r.Device
		if r.Response {
			names := IINNames(r.IIN, make([]string, 0, 16))
			j.IIN, j.IINValue = &names, &r.IIN
		}
	}
	return json.Marshal(&j)
}

type objectJSON struct {
	Group      uint8   `json:"group"`
	Variation  uint8   `json:"variation"`
	Qualifier  uint8   `json:"qualifier"`
	Name       string  `json:"name"`
	RangeStart *uint32 `json:"range_start,omitempty"`
	RangeStop  *uint32 `json:"range_stop,omitempty"`
	Count      uint32  `json:"count"`
	Points     []Point `json:"points,omitempty"`
}

// MarshalJSON writes the schema documented in the package comment.
func (o Object) MarshalJSON() ([]byte, error) {
	j := objectJSON{Group: o.Group, Variation: o.Variation, Qualifier: o.Qualifier,
		Name: o.Name, Count: o.Count, Points: o.Points}
	if o.HasRange {
		j.RangeStart, j.RangeStop = &o.Start, &o.Stop
	}
	return json.Marshal(&j)
}

// jsonFloat writes NaN and infinities, which JSON numbers cannot hold, as
// the strings "NaN", "+Inf" and "-Inf".
type jsonFloat float64

func (v jsonFloat) MarshalJSON() ([]byte, error) { return marshalFloat(float64(v), 64) }

// jsonFloat32 is jsonFloat for a value sent as a 32-bit float: it is
// written with the digits that float has (59.95, not 59.95000076293945).
type jsonFloat32 float64

func (v jsonFloat32) MarshalJSON() ([]byte, error) { return marshalFloat(float64(v), 32) }

func marshalFloat(f float64, bits int) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return []byte(strconv.Quote(strconv.FormatFloat(f, 'g', -1, 64))), nil
	}
	if bits == 32 {
		return strconv.AppendFloat(nil, f, 'g', -1, 32), nil
	}
	return json.Marshal(f)
}

type crobJSON struct {
	Index       uint32 `json:"index"`
	ControlCode uint8  `json:"control_code"`
	Operation   string `json:"operation"`
	TripClose   string `json:"trip_close"`
	Queue       bool   `json:"queue"`
	Clear       bool   `json:"clear"`
	Count       uint8  `json:"count"`
	OnTime      uint32 `json:"on_time_ms"`
	OffTime     uint32 `json:"off_time_ms"`
	Status      uint8  `json:"status"`
	StatusName  string `json:"status_name"`
}

type analogOutJSON struct {
	Index      uint32 `json:"index"`
	Value      any    `json:"value"`
	Status     uint8  `json:"status"`
	StatusName string `json:"status_name"`
}

type timeJSON struct {
	Index    *uint32 `json:"index,omitempty"`
	Time     string  `json:"time"`
	TimeMS   uint64  `json:"time_ms"`
	Interval *uint32 `json:"interval_ms,omitempty"`
}

type attributeJSON struct {
	Attribute uint8  `json:"attribute"`
	Name      string `json:"name"`
	DataType  string `json:"data_type"`
	Value     any    `json:"value,omitempty"`
}

type iinJSON struct {
	Index uint32 `json:"index"`
	Name  string `json:"name"`
	Value bool   `json:"value"`
}

type indexJSON struct {
	Index uint32 `json:"index"`
}

// formatTime writes a DNP3 time (ms since 1970 UTC) as RFC 3339 with ms.
func formatTime(ms uint64) string {
	return time.UnixMilli(int64(ms)).UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

// MarshalJSON writes the fields of the point's group, as documented in the
// package comment.
func (p Point) MarshalJSON() ([]byte, error) {
	switch p.kind {
	case pkCROB:
		return json.Marshal(crobJSON{
			Index: p.Index, ControlCode: p.ControlCode,
			Operation: crobOperation(p.ControlCode), TripClose: crobTripClose(p.ControlCode),
			Queue: p.ControlCode&0x10 != 0, Clear: p.ControlCode&0x20 != 0,
			Count: p.Count, OnTime: p.OnTime, OffTime: p.OffTime,
			Status: p.Status, StatusName: commandStatusName(p.Status),
		})
	case pkAnalogOut:
		var v any = jsonFloat(p.Value)
		if p.vari == 3 { // single-precision float
			v = jsonFloat32(p.Value)
		}
		return json.Marshal(analogOutJSON{p.Index, v, p.Status, commandStatusName(p.Status)})
	case pkTime:
		j := timeJSON{Time: formatTime(p.Time), TimeMS: p.Time}
		switch p.vari {
		case 2:
			j.Interval = &p.Interval
		case 4:
			j.Index, j.Interval = &p.Index, &p.Interval
		}
		return json.Marshal(j)
	case pkAttribute:
		j := attributeJSON{Attribute: p.vari, Name: attributeName(p.vari), DataType: dataTypeName(p.dtype)}
		switch {
		case isTextType(p.dtype):
			j.Value = p.Text
		case p.dtype == dtTIME:
			j.Value = formatTime(p.Time)
		case p.dtype == dtUINT || p.dtype == dtINT || p.dtype == dtFLT:
			j.Value = jsonFloat(p.Value)
		}
		return json.Marshal(j)
	case pkIIN:
		return json.Marshal(iinJSON{p.Index, iinBitName(p.Index), p.Bit})
	}
	return json.Marshal(indexJSON{p.Index})
}
