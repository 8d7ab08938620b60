package dnp3

import (
	"strings"
	"testing"
)

// appCases are application fragments (starting at the application control
// octet) and what IEEE 1815-2012 says they contain, in summarize's form.
// Every fragment was also decoded with tshark 4.0 (wrapped in a link frame)
// to confirm the header layout.
var appCases = []struct {
	name, hex, want string
}{
	// Application header and IIN.
	{"read class 1,2,3,0 (g60 v2 v3 v4 v1, all objects)",
		"C0 01 | 3C 02 06 | 3C 03 06 | 3C 04 06 | 3C 01 06",
		"read | g60v2 q06 class_1_data n=0 | g60v3 q06 class_2_data n=0 | g60v4 q06 class_3_data n=0 | g60v1 q06 class_0_data n=0"},
	{"response IIN1=0x90 (need_time, device_restart), IIN2=0x04 (parameter_error), no objects",
		"C0 81 90 04",
		"response iin=need_time,device_restart,parameter_error"},
	{"unsolicited response, UNS+CON, IIN1.0-3 (all stations, class 1-3 events)",
		"F5 82 0F 00",
		"unsolicited_response iin=all_stations,class_1_events,class_2_events,class_3_events"},
	{"authentication response, IIN2 0x3B (no_func_code_support, object_unknown, event_buffer_overflow, already_executing, config_corrupt)",
		"C0 83 40 3B",
		"authentication_response iin=device_trouble,no_func_code_support,object_unknown,event_buffer_overflow,already_executing,config_corrupt"},
	{"confirm (no objects)", "C3 00", "confirm"},
	{"cold restart", "C0 0D", "cold_restart"},
	{"delay measure", "C0 17", "delay_measure"},
	{"response too short for IIN", "C0 81 00", "response iin= !dnp3.fragment_too_short"},
	{"one octet", "C0", " !dnp3.fragment_too_short"},
	{"unknown function 0x22 (34): objects not parsed", "C0 22 3C 01 06", "unknown !dnp3.unknown_function"},
	{"unknown function 0x80", "C0 80 00 00", "unknown !dnp3.unknown_function"},

	// Write IIN1.7 = 0 (clear device restart): g80v1, 8-bit start/stop 7-7, one packed octet.
	{"write g80v1 clear device_restart",
		"C0 02 50 01 00 07 07 00",
		"write | g80v1 q00 iin [7-7] n=1 {i=7 false}"},
	{"response g80v1 indexes 0-15 packed, bits 7 and 12 set",
		"C0 81 00 00 | 50 01 00 00 0F | 80 10",
		"response iin= | g80v1 q00 iin [0-15] n=16 {i=0 false} {i=1 false} {i=2 false} {i=3 false} {i=4 false} {i=5 false} {i=6 false} {i=7 true} {i=8 false} {i=9 false} {i=10 false} {i=11 false} {i=12 true} {i=13 false} {i=14 false} {i=15 false}"},

	// Every range code (read requests: no data).
	{"read g30v1 range 0x01: 16-bit start/stop 256-511",
		"C0 01 1E 01 01 00 01 FF 01", "read | g30v1 q01 analog_input [256-511] n=256"},
	{"read g30v1 range 0x02: 32-bit start/stop 65536-65541",
		"C0 01 1E 01 02 00 00 01 00 05 00 01 00", "read | g30v1 q02 analog_input [65536-65541] n=6"},
	{"read g1v2 range 0x03: 8-bit virtual addresses 5-9",
		"C0 01 01 02 03 05 09", "read | g1v2 q03 binary_input [5-9] n=5"},
	{"read g1v2 range 0x04: 16-bit virtual addresses",
		"C0 01 01 02 04 00 10 01 10", "read | g1v2 q04 binary_input [4096-4097] n=2"},
	{"read g1v2 range 0x05: 32-bit virtual addresses",
		"C0 01 01 02 05 01 00 00 00 01 00 00 00", "read | g1v2 q05 binary_input [1-1] n=1"},
	{"read g30v0 range 0x07: 8-bit count 5",
		"C0 01 1E 00 07 05", "read | g30v0 q07 analog_input n=5"},
	{"read g30v0 range 0x08: 16-bit count 256",
		"C0 01 1E 00 08 00 01", "read | g30v0 q08 analog_input n=256"},
	{"read g30v0 range 0x09: 32-bit count 3",
		"C0 01 1E 00 09 03 00 00 00", "read | g30v0 q09 analog_input n=3"},
	{"read g30v1 qualifier 0x17: 8-bit count, 8-bit indexes 3 and 7",
		"C0 01 1E 01 17 02 03 07 | 3C 01 06", "read | g30v1 q17 analog_input n=2 | g60v1 q06 class_0_data n=0"},
	{"read g30v1 qualifier 0x28: 16-bit count, 16-bit index 16",
		"C0 01 1E 01 28 01 00 10 00 | 3C 01 06", "read | g30v1 q28 analog_input n=1 | g60v1 q06 class_0_data n=0"},
	{"read g30v1 qualifier 0x39: 32-bit count, 32-bit index 16",
		"C0 01 1E 01 39 01 00 00 00 10 00 00 00 | 3C 01 06", "read | g30v1 q39 analog_input n=1 | g60v1 q06 class_0_data n=0"},
	{"open file g70v3 qualifier 0x5B: free format, count 1, 16-bit size 5",
		"C0 19 46 03 5B 01 05 00 01 02 03 04 05", "open_file | g70v3 q5b file_command n=1"},
	{"authentication request g120v1 qualifier 0x4B? no: 0x5B, challenge of 4 octets, then g120v3 aggressive mode 0x07",
		"C0 20 78 01 5B 01 04 00 AA BB CC DD | 78 03 07 01 01 00 00 00 02 00",
		"authentication_request | g120v1 q5b authentication n=1 | g120v3 q07 authentication n=1"},
	{"reserved range code 0x0A",
		"C0 01 1E 01 0A", "read !dnp3.malformed_objects"},
	{"reserved prefix code 7",
		"C0 01 1E 01 70 00 00", "read !dnp3.malformed_objects"},
	{"range stop below start",
		"C0 01 1E 01 00 05 02", "read !dnp3.malformed_objects"},
	{"object header cut after group and variation",
		"C0 01 3C 01 06 1E 01", "read | g60v1 q06 class_0_data n=0 !dnp3.malformed_objects"},
	{"range cut short",
		"C0 01 1E 01 01 00", "read !dnp3.malformed_objects"},
	{"read indexes past the end",
		"C0 01 1E 01 17 03 01 02", "read | g30v1 q17 analog_input n=3 !dnp3.malformed_objects"},

	// CROB select / operate / direct operate and the echoed response.
	{"select g12v1 qualifier 0x28 index 5: latch... no: pulse_on|close (0x41), count 1, on 1000 ms, off 0",
		"C1 03 0C 01 28 01 00 05 00 41 01 E8 03 00 00 00 00 00 00 00",
		"select | g12v1 q28 crob n=1 {i=5 cc=41 n=1 on=1000 off=0 st=0}"},
	{"operate, same CROB",
		"C2 04 0C 01 28 01 00 05 00 41 01 E8 03 00 00 00 00 00 00 00",
		"operate | g12v1 q28 crob n=1 {i=5 cc=41 n=1 on=1000 off=0 st=0}"},
	{"direct operate qualifier 0x17 index 3: trip|pulse_on (0x81), on 100 off 100",
		"C3 05 0C 01 17 01 03 81 01 64 00 00 00 64 00 00 00 00",
		"direct_operate | g12v1 q17 crob n=1 {i=3 cc=81 n=1 on=100 off=100 st=0}"},
	{"direct operate no ack, two CROBs latch_on / latch_off with queue+clear bits",
		"C4 06 0C 01 17 02 00 03 01 00 00 00 00 00 00 00 00 00 | 01 34 01 00 00 00 00 00 00 00 00 00",
		"direct_operate_no_ack | g12v1 q17 crob n=2 {i=0 cc=03 n=1 on=0 off=0 st=0} {i=1 cc=34 n=1 on=0 off=0 st=0}"},
	{"response to select, status 4 (not supported)",
		"C1 81 00 00 0C 01 28 01 00 05 00 41 01 E8 03 00 00 00 00 00 00 04",
		"response iin= | g12v1 q28 crob n=1 {i=5 cc=41 n=1 on=1000 off=0 st=4}"},
	{"pattern control block g12v2 then pattern mask g12v3 (8 points, packed)",
		"C0 03 0C 02 07 01 01 01 0A 00 00 00 0A 00 00 00 00 | 0C 03 00 00 07 A5",
		"select | g12v2 q07 pattern_control_block n=1 {i=0 cc=01 n=1 on=10 off=10 st=0} | g12v3 q00 pattern_mask [0-7] n=8"},

	// Analog output commands g41 v1-v4.
	{"direct operate g41v1 index 2 value 1000",
		"C0 05 29 01 17 01 02 E8 03 00 00 00",
		"direct_operate | g41v1 q17 analog_output_command n=1 {i=2 v=1000 st=0}"},
	{"direct operate g41v2 index 2 value -100",
		"C0 05 29 02 17 01 02 9C FF 00",
		"direct_operate | g41v2 q17 analog_output_command n=1 {i=2 v=-100 st=0}"},
	{"select g41v3 index 2 value 1.5",
		"C0 03 29 03 17 01 02 00 00 C0 3F 00",
		"select | g41v3 q17 analog_output_command n=1 {i=2 v=1.5 st=0}"},
	{"operate response g41v4 16-bit index 10 value -2.25 status 12 (out of range)",
		"C0 81 00 00 29 04 28 01 00 0A 00 00 00 00 00 00 00 02 C0 0C",
		"response iin= | g41v4 q28 analog_output_command n=1 {i=10 v=-2.25 st=12}"},

	// Time.
	{"write g50v1 count 1: 2023-11-14T22:13:20.123Z",
		"C0 02 32 01 07 01 7B 68 E5 CF 8B 01",
		"write | g50v1 q07 time_and_date n=1 {t=1700000000123 iv=0}"},
	{"freeze at time: g50v2 (time, interval 60000 ms) then g20v0 all (no data)",
		"C0 0B 32 02 07 01 7B 68 E5 CF 8B 01 60 EA 00 00 | 14 00 06",
		"freeze_at_time | g50v2 q07 time_and_date_with_interval n=1 {t=1700000000123 iv=60000} | g20v0 q06 counter n=0"},
	{"response g51v1 CTO then g2v3 relative-time event",
		"C0 81 00 00 | 33 01 07 01 7B 68 E5 CF 8B 01 | 02 03 17 01 04 81 0A 00",
		"response iin= | g51v1 q07 time_and_date_cto n=1 | g2v3 q17 binary_input_event n=1"},

	// Device attributes (group 0).
	{"read g0v252 (vendor name), 8-bit start/stop 252-252, then all attributes",
		"C0 01 00 FC 00 FC FC | 00 FE 06",
		"read | g0v252 q00 device_attribute [252-252] n=1 | g0v254 q06 all_attributes_request n=0"},
	{"g0 response: vendor ACME, model RTU-1, software 1.2, max tx fragment 2048 (UINT 2 octets)",
		"C0 81 00 00 | 00 FC 00 FC FC 01 04 41 43 4D 45 | 00 FA 00 FA FA 01 05 52 54 55 2D 31 | 00 F2 00 F2 F2 01 03 31 2E 32 | 00 F0 00 F0 F0 02 02 00 08",
		`response iin= | g0v252 q00 device_attribute [252-252] n=1 {a=252 vstr "ACME"} | g0v250 q00 device_attribute [250-250] n=1 {a=250 vstr "RTU-1"} | g0v242 q00 device_attribute [242-242] n=1 {a=242 vstr "1.2"} | g0v240 q00 device_attribute [240-240] n=1 {a=240 uint 2048}`},
	{"g0 response: signed, float, octet string attributes",
		"C0 81 00 00 | 00 CB 00 CB CB 03 02 FE FF | 00 CD 00 CD CD 04 04 00 00 C0 3F | 00 C4 00 C4 C4 05 02 AB CD",
		`response iin= | g0v203 q00 device_attribute [203-203] n=1 {a=203 int -2} | g0v205 q00 device_attribute [205-205] n=1 {a=205 flt 1.5} | g0v196 q00 device_attribute [196-196] n=1 {a=196 ostr "abcd"}`},
	{"g0 attribute value cut short",
		"C0 81 00 00 00 FC 00 FC FC 01 09 41 43",
		"response iin= | g0v252 q00 device_attribute [252-252] n=1 !dnp3.malformed_objects"},

	// Unknown objects.
	{"read unknown g200v1 (no data) then class 0: both kept",
		"C0 01 C8 01 06 3C 01 06",
		"read | g200v1 q06 unknown n=0 | g60v1 q06 class_0_data n=0 !dnp3.unknown_object"},
	{"response unknown g200v1 with 16-bit size prefix (3 octets) then g80v1: both decoded",
		"C0 81 00 00 | C8 01 5B 01 03 00 AA BB CC | 50 01 00 07 07 01",
		"response iin= | g200v1 q5b unknown n=1 | g80v1 q00 iin [7-7] n=1 {i=7 true} !dnp3.unknown_object"},
	{"response unknown g200v1 without a size: rest skipped",
		"C0 81 00 00 | C8 01 00 00 00 AA | 50 01 00 07 07 01",
		"response iin= | g200v1 q00 unknown [0-0] n=1 !dnp3.unknown_object"},
	{"response g1v0 with data: size unknown",
		"C0 81 00 00 01 00 00 00 00 01",
		"response iin= | g1v0 q00 binary_input [0-0] n=1 !dnp3.malformed_objects"},
	{"write free-format g70v3 without a size prefix",
		"C0 02 46 03 07 01 00",
		"write | g70v3 q07 file_command n=1 !dnp3.malformed_objects"},

	// Truncated data.
	{"direct operate CROB cut after 2 data octets",
		"C0 05 0C 01 17 01 03 81 01",
		"direct_operate | g12v1 q17 crob n=1 !dnp3.malformed_objects"},
	{"packed g1v1 bits 0-15 need 2 octets, 1 present",
		"C0 81 00 00 01 01 00 00 0F FF",
		"response iin= | g1v1 q00 binary_input [0-15] n=16 !dnp3.malformed_objects"},
	{"response class 0: g1v2 flags 0-1, g30v1 0-1 (flag + int32), g20v2 index 0 (flag + u16)",
		"C0 81 00 00 | 01 02 00 00 01 81 01 | 1E 01 00 00 01 01 E8 03 00 00 01 D0 07 00 00 | 14 02 00 00 00 01 05 00",
		"response iin= | g1v2 q00 binary_input [0-1] n=2 | g30v1 q00 analog_input [0-1] n=2 | g20v2 q00 counter [0-0] n=1"},
	{"octet string g110v4 (4 octets per object) then g80v1",
		"C0 81 00 00 | 6E 04 00 00 00 41 42 43 44 | 50 01 00 07 07 00",
		"response iin= | g110v4 q00 octet_string [0-0] n=1 | g80v1 q00 iin [7-7] n=1 {i=7 false}"},
}

func TestDecodeTable(t *testing.T) {
	for _, c := range appCases {
		t.Run(c.name, func(t *testing.T) {
			r, f := decodeHex(t, c.hex)
			if got := summarize(r, f); got != c.want {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestControlOctet checks the application control bits and sequence.
func TestControlOctet(t *testing.T) {
	for _, c := range []struct {
		hex                string
		fir, fin, con, uns bool
		seq                uint8
	}{
		{"C0 01", true, true, false, false, 0},
		{"8F 81 00 00", true, false, false, false, 15}, // FIR only, seq 15
		{"45 81 00 00", false, true, false, false, 5},  // FIN only (last fragment of a multi-fragment response)
		{"F3 82 00 00", true, true, true, true, 3},     // unsolicited with CON
		{"20 00", false, false, true, false, 0},
	} {
		r, _ := decodeHex(t, c.hex)
		if r.FIR != c.fir || r.FIN != c.fin || r.CON != c.con || r.UNS != c.uns || r.Seq != c.seq {
			t.Errorf("%s: got FIR %v FIN %v CON %v UNS %v SEQ %d", c.hex, r.FIR, r.FIN, r.CON, r.UNS, r.Seq)
		}
	}
}

// TestFunctionNames checks every code against IEEE 1815-2012's table
// (names spelled out here independently of functions.go).
func TestFunctionNames(t *testing.T) {
	want := strings.Fields(`confirm read write select operate direct_operate
		direct_operate_no_ack immediate_freeze immediate_freeze_no_ack freeze_clear
		freeze_clear_no_ack freeze_at_time freeze_at_time_no_ack cold_restart
		warm_restart initialize_data initialize_application start_application
		stop_application save_configuration enable_unsolicited disable_unsolicited
		assign_class delay_measure record_current_time open_file close_file
		delete_file get_file_info authenticate_file abort_file activate_config
		authentication_request authentication_request_no_ack`)
	for fc := 0; fc < 256; fc++ {
		r, f := decodeHex(t, hexByteFrag(fc))
		var w string
		switch {
		case fc < len(want):
			w = want[fc]
		case fc == 129:
			w = "response"
		case fc == 130:
			w = "unsolicited_response"
		case fc == 131:
			w = "authentication_response"
		default:
			w = "unknown"
		}
		if r.Function != w || r.FunctionCode != uint8(fc) {
			t.Errorf("fc %d: %q, want %q", fc, r.Function, w)
		}
		if f.Has(anUnknownFunction) != (w == "unknown") {
			t.Errorf("fc %d: unknown_function anomaly %v", fc, f.Has(anUnknownFunction))
		}
		if r.Response != (fc >= 129 && fc <= 131) || r.Unsolicited != (fc == 130) {
			t.Errorf("fc %d: response %v unsolicited %v", fc, r.Response, r.Unsolicited)
		}
	}
}

func hexByteFrag(fc int) string {
	const digits = "0123456789ABCDEF"
	return "C0 " + string([]byte{digits[fc>>4], digits[fc&15]}) + " 00 00"
}

func TestIINNames(t *testing.T) {
	dst := make([]string, 0, 16)
	if got := IINNames(0xFFFF, dst); len(got) != 16 || got[0] != "all_stations" || got[7] != "device_restart" ||
		got[8] != "no_func_code_support" || got[13] != "config_corrupt" {
		t.Errorf("IINNames(0xFFFF) = %v", got)
	}
	if got := IINNames(0, nil); got != nil {
		t.Errorf("IINNames(0) = %v", got)
	}
	// IIN1.4 need_time (0x10), IIN2.1 object_unknown (0x0200).
	if got := strings.Join(IINNames(0x0210, nil), ","); got != "need_time,object_unknown" {
		t.Errorf("IINNames(0x0210) = %s", got)
	}
	if n := testing.AllocsPerRun(100, func() { dst = IINNames(0xFFFF, dst[:0]) }); n != 0 {
		t.Errorf("IINNames allocates %v", n)
	}
}
