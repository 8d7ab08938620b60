package dnp3

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// TestPointJSON checks the JSON of each kind of point against values
// worked out by hand from the specification.
func TestPointJSON(t *testing.T) {
	for _, c := range []struct {
		name string
		p    Point
		want string
	}{
		{"CROB close pulse_on 0x41, status 4",
			Point{Index: 5, ControlCode: 0x41, Count: 1, OnTime: 1000, Status: 4, kind: pkCROB, vari: 1},
			`{"index":5,"control_code":65,"operation":"pulse_on","trip_close":"close","queue":false,"clear":false,"count":1,"on_time_ms":1000,"off_time_ms":0,"status":4,"status_name":"not_supported"}`},
		{"CROB trip latch_off with queue and clear (0xB4), status 200 (reserved: bit 7 ignored -> 72)",
			Point{ControlCode: 0xB4, kind: pkCROB, Status: 200},
			`{"index":0,"control_code":180,"operation":"latch_off","trip_close":"trip","queue":true,"clear":true,"count":0,"on_time_ms":0,"off_time_ms":0,"status":200,"status_name":"reserved"}`},
		{"analog output -2.25 status 12",
			Point{Index: 10, Value: -2.25, Status: 12, kind: pkAnalogOut, vari: 4},
			`{"index":10,"value":-2.25,"status":12,"status_name":"out_of_range"}`},
		{"g41v3 single-precision 59.95 written with a float32's digits",
			Point{Index: 2, Value: float64(float32(59.95)), kind: pkAnalogOut, vari: 3},
			`{"index":2,"value":59.95,"status":0,"status_name":"success"}`},
		{"g41v4 double 59.95000076293945 keeps its digits",
			Point{Index: 2, Value: float64(float32(59.95)), kind: pkAnalogOut, vari: 4},
			`{"index":2,"value":59.95000076293945,"status":0,"status_name":"success"}`},
		{"analog output NaN status 127",
			Point{Value: math.NaN(), Status: 127, kind: pkAnalogOut, vari: 3},
			`{"index":0,"value":"NaN","status":127,"status_name":"undefined"}`},
		{"g50v1 time",
			Point{Time: 1700000000123, kind: pkTime, vari: 1},
			`{"time":"2023-11-14T22:13:20.123Z","time_ms":1700000000123}`},
		{"g50v2 time with interval",
			Point{Time: 0, Interval: 60000, kind: pkTime, vari: 2},
			`{"time":"1970-01-01T00:00:00.000Z","time_ms":0,"interval_ms":60000}`},
		{"g50v4 indexed time",
			Point{Index: 3, Time: 86400000, Interval: 0, kind: pkTime, vari: 4},
			`{"index":3,"time":"1970-01-02T00:00:00.000Z","time_ms":86400000,"interval_ms":0}`},
		{"g0v252 vendor string",
			Point{Index: 252, Text: "ACME", kind: pkAttribute, vari: 252, dtype: dtVSTR},
			`{"attribute":252,"name":"vendor_name","data_type":"vstr","value":"ACME"}`},
		{"g0v240 uint",
			Point{Index: 240, Value: 2048, kind: pkAttribute, vari: 240, dtype: dtUINT},
			`{"attribute":240,"name":"max_transmit_fragment_size","data_type":"uint","value":2048}`},
		{"g0v10 user-defined empty string",
			Point{Index: 10, kind: pkAttribute, vari: 10, dtype: dtVSTR},
			`{"attribute":10,"name":"user_defined","data_type":"vstr","value":""}`},
		{"g0v198 time",
			Point{Index: 198, Time: 1000, kind: pkAttribute, vari: 198, dtype: dtTIME},
			`{"attribute":198,"name":"config_build_date","data_type":"time","value":"1970-01-01T00:00:01.000Z"}`},
		{"g80v1 device_restart clear",
			Point{Index: 7, kind: pkIIN},
			`{"index":7,"name":"device_restart","value":false}`},
		{"g80v1 index 20 (no IIN bit)",
			Point{Index: 20, Bit: true, kind: pkIIN},
			`{"index":20,"name":"unknown","value":true}`},
	} {
		b, err := json.Marshal(c.p)
		if err != nil || string(b) != c.want {
			t.Errorf("%s:\n got %s (%v)\nwant %s", c.name, b, err, c.want)
		}
	}
}

// TestRecordJSON checks whole records: a request (no iin), a response
// without IIN bits (iin: []), attributes, and a link-only frame.
func TestRecordJSON(t *testing.T) {
	var d appDecoder
	var r Record
	var f findings
	r.Src, r.Dst, r.FromMaster, r.Primary, r.LinkFunctionCode, r.LinkFunction, r.Frames = 1, 10, true, true, 4, "unconfirmed_user_data", 1
	// Write g80v1 index 7 = 0.
	d.decode(unhex(t, "C0 02 50 01 00 07 07 00"), &r, &f)
	want := `{"src":1,"dst":10,"from_master":true,"primary":true,"fcb":false,"fcv":false,"link_function_code":4,"link_function":"unconfirmed_user_data","link_frames":1,` +
		`"control":{"fir":true,"fin":true,"con":false,"uns":false,"seq":0},"function_code":2,"function":"write","response":false,"unsolicited":false,` +
		`"objects":[{"group":80,"variation":1,"qualifier":0,"name":"iin","range_start":7,"range_stop":7,"count":1,"points":[{"index":7,"name":"device_restart","value":false}]}]}`
	if b, err := json.Marshal(&r); err != nil || string(b) != want {
		t.Errorf("write:\n got %s (%v)\nwant %s", b, err, want)
	}

	// Response, no IIN bits, class 0 poll answer with one count-qualified object, then vendor attribute.
	r.FromMaster = false
	d.decode(unhex(t, "C1 81 00 00 | 14 02 07 00 | 00 FC 00 FC FC 01 04 41 43 4D 45"), &r, &f)
	b, err := json.Marshal(&r)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{
		`"function_code":129,"function":"response","response":true,"unsolicited":false,"iin":[],"iin_value":0,`,
		`{"group":20,"variation":2,"qualifier":7,"name":"counter","count":0}`,
		`"points":[{"attribute":252,"name":"vendor_name","data_type":"vstr","value":"ACME"}]`,
		`"device_attributes":{"vendor":"ACME"}`,
	} {
		if !strings.Contains(string(b), part) {
			t.Errorf("response JSON %s\nlacks %s", b, part)
		}
	}

	// IIN bits.
	d.decode(unhex(t, "C0 82 82 02"), &r, &f)
	if b, _ := json.Marshal(&r); !strings.Contains(string(b), `"unsolicited":true,"iin":["class_1_events","device_restart","object_unknown"],"iin_value":642,"objects":[]`) {
		t.Errorf("unsolicited JSON %s", b)
	}

	link := Record{Src: 10, Dst: 1, Primary: true, LinkFunctionCode: 9, LinkFunction: "request_link_status", Frames: 1, LinkOnly: true}
	want = `{"src":10,"dst":1,"from_master":false,"primary":true,"fcb":false,"fcv":false,"link_function_code":9,"link_function":"request_link_status","link_frames":1,"link_only":true}`
	if b, err := json.Marshal(&link); err != nil || string(b) != want {
		t.Errorf("link only:\n got %s (%v)\nwant %s", b, err, want)
	}
}
