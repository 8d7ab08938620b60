package modbus

import (
	"slices"
	"testing"
)

// Every public function code, request and response. Unless noted, the
// PDUs are the examples of the Modbus Application Protocol Specification
// V1.1b3 (section in the comment), wrapped in an MBAP header: transaction
// id, protocol id 0, length (= 1 + PDU length), unit id.
func TestFunctionCodes(t *testing.T) {
	for _, tc := range functionCodeCases {
		t.Run(tc.name, func(t *testing.T) {
			sameEvents(t, run(t, Options{}, tc.steps...).events, tc.want)
		})
	}
}

var functionCodeCases = []struct {
	name  string
	steps []step
	want  []string
}{
	{
		"FC1 read coils 20-38 (6.1)",
		[]step{
			req("0001 0000 0006 01 01 0013 0013"),    // start 0x13, quantity 0x13
			resp("0001 0000 0006 01 01 03 CD 6B 05"), // 3 bytes of coil status
		},
		[]string{
			`{"transaction_id":1,"unit_id":1,"function_code":1,"function":"read_coils","response":false,"address":19,"quantity":19}`,
			// CD = 1100 1101, 6B = 0110 1011, 05 = 0000 0101, LSB first, cut to 19 bits
			`{"transaction_id":1,"unit_id":1,"function_code":1,"function":"read_coils","response":true,"address":19,"quantity":19,"byte_count":3,
			  "values":[1,0,1,1,0,0,1,1, 1,1,0,1,0,1,1,0, 1,0,1]}`,
		},
	},
	{
		"FC2 read discrete inputs 197-218 (6.2)",
		[]step{
			req("0002 0000 0006 01 02 00C4 0016"),    // start 0xC4, quantity 0x16
			resp("0002 0000 0006 01 02 03 AC DB 35"), // AC = 1010 1100, DB = 1101 1011, 35 = 0011 0101
		},
		[]string{
			`{"transaction_id":2,"unit_id":1,"function_code":2,"function":"read_discrete_inputs","response":false,"address":196,"quantity":22}`,
			`{"transaction_id":2,"unit_id":1,"function_code":2,"function":"read_discrete_inputs","response":true,"address":196,"quantity":22,"byte_count":3,
			  "values":[0,0,1,1,0,1,0,1, 1,1,0,1,1,0,1,1, 1,0,1,0,1,1]}`,
		},
	},
	{
		"FC3 read holding registers 108-110 (6.3)",
		[]step{
			req("0003 0000 0006 11 03 006B 0003"),          // unit 0x11, start 0x6B, quantity 3
			resp("0003 0000 0009 11 03 06 022B 0000 0064"), // 6 bytes: 555, 0, 100
		},
		[]string{
			`{"transaction_id":3,"unit_id":17,"function_code":3,"function":"read_holding_registers","response":false,"address":107,"quantity":3}`,
			`{"transaction_id":3,"unit_id":17,"function_code":3,"function":"read_holding_registers","response":true,"address":107,"quantity":3,"byte_count":6,"values":[555,0,100]}`,
		},
	},
	{
		"FC4 read input register 9 (6.4)",
		[]step{
			req("0004 0000 0006 01 04 0008 0001"),
			resp("0004 0000 0005 01 04 02 000A"), // register 9 = 10
		},
		[]string{
			`{"transaction_id":4,"unit_id":1,"function_code":4,"function":"read_input_registers","response":false,"address":8,"quantity":1}`,
			`{"transaction_id":4,"unit_id":1,"function_code":4,"function":"read_input_registers","response":true,"address":8,"quantity":1,"byte_count":2,"values":[10]}`,
		},
	},
	{
		"FC5 write coil 173 ON (6.5)",
		[]step{
			req("0005 0000 0006 01 05 00AC FF00"),  // output 0xAC, value 0xFF00 = ON
			resp("0005 0000 0006 01 05 00AC FF00"), // echo
		},
		[]string{
			`{"transaction_id":5,"unit_id":1,"function_code":5,"function":"write_single_coil","response":false,"address":172,"values":[1]}`,
			`{"transaction_id":5,"unit_id":1,"function_code":5,"function":"write_single_coil","response":true,"address":172,"values":[1]}`,
		},
	},
	{
		"FC5 write coil OFF",
		[]step{req("0006 0000 0006 01 05 0000 0000")}, // output 0, value 0x0000 = OFF
		[]string{`{"transaction_id":6,"unit_id":1,"function_code":5,"function":"write_single_coil","response":false,"address":0,"values":[0]}`},
	},
	{
		"FC6 write register 2 = 3 (6.6)",
		[]step{
			req("0007 0000 0006 01 06 0001 0003"),
			resp("0007 0000 0006 01 06 0001 0003"),
		},
		[]string{
			`{"transaction_id":7,"unit_id":1,"function_code":6,"function":"write_single_register","response":false,"address":1,"values":[3]}`,
			`{"transaction_id":7,"unit_id":1,"function_code":6,"function":"write_single_register","response":true,"address":1,"values":[3]}`,
		},
	},
	{
		"FC7 read exception status (6.7)",
		[]step{
			req("0008 0000 0002 01 07"),     // no data
			resp("0008 0000 0003 01 07 6D"), // 0110 1101, lowest output first
		},
		[]string{
			`{"transaction_id":8,"unit_id":1,"function_code":7,"function":"read_exception_status","response":false}`,
			`{"transaction_id":8,"unit_id":1,"function_code":7,"function":"read_exception_status","response":true,"values":[1,0,1,1,0,1,1,0]}`,
		},
	},
	{
		"FC8 return query data (6.8.2)",
		[]step{
			req("0009 0000 0006 01 08 0000 A537"),  // sub-function 0, data 0xA537
			resp("0009 0000 0006 01 08 0000 A537"), // echo
		},
		[]string{
			`{"transaction_id":9,"unit_id":1,"function_code":8,"function":"diagnostics","response":false,"sub_function":0,"sub_function_name":"return_query_data","values":[42295]}`,
			`{"transaction_id":9,"unit_id":1,"function_code":8,"function":"diagnostics","response":true,"sub_function":0,"sub_function_name":"return_query_data","values":[42295]}`,
		},
	},
	{
		"FC8 restart communications, clear log (6.8.1)",
		[]step{req("000A 0000 0006 01 08 0001 FF00")},
		[]string{`{"transaction_id":10,"unit_id":1,"function_code":8,"function":"diagnostics","response":false,"sub_function":1,"sub_function_name":"restart_communications_option","values":[65280]}`},
	},
	{
		"FC8 return bus message count and its response (6.8.1)",
		[]step{
			req("000B 0000 0006 01 08 000B 0000"),
			resp("000B 0000 0006 01 08 000B 0121"), // 289 messages
		},
		[]string{
			`{"transaction_id":11,"unit_id":1,"function_code":8,"function":"diagnostics","response":false,"sub_function":11,"sub_function_name":"return_bus_message_count","values":[0]}`,
			`{"transaction_id":11,"unit_id":1,"function_code":8,"function":"diagnostics","response":true,"sub_function":11,"sub_function_name":"return_bus_message_count","values":[289]}`,
		},
	},
	{
		"FC8 change ASCII delimiter to CR (6.8.1: CHAR 00)",
		[]step{req("000C 0000 0006 01 08 0003 0D00")},
		[]string{`{"transaction_id":12,"unit_id":1,"function_code":8,"function":"diagnostics","response":false,"sub_function":3,"sub_function_name":"change_ascii_input_delimiter","values":[3328]}`},
	},
	{
		"FC8 clear overrun counter (sub 20)",
		[]step{req("000D 0000 0006 01 08 0014 0000")},
		[]string{`{"transaction_id":13,"unit_id":1,"function_code":8,"function":"diagnostics","response":false,"sub_function":20,"sub_function_name":"clear_overrun_counter_and_flag","values":[0]}`},
	},
	{
		"FC11 get comm event counter (6.9)",
		[]step{
			req("000E 0000 0002 01 0B"),
			resp("000E 0000 0006 01 0B FFFF 0108"), // busy, 264 events
		},
		[]string{
			`{"transaction_id":14,"unit_id":1,"function_code":11,"function":"get_comm_event_counter","response":false}`,
			`{"transaction_id":14,"unit_id":1,"function_code":11,"function":"get_comm_event_counter","response":true,"status":65535,"event_count":264}`,
		},
	},
	{
		"FC12 get comm event log (6.10)",
		[]step{
			req("000F 0000 0002 01 0C"),
			resp("000F 0000 000B 01 0C 08 0000 0108 0121 20 00"), // status 0, 264 events, 289 messages, events 20 00
		},
		[]string{
			`{"transaction_id":15,"unit_id":1,"function_code":12,"function":"get_comm_event_log","response":false}`,
			`{"transaction_id":15,"unit_id":1,"function_code":12,"function":"get_comm_event_log","response":true,"byte_count":8,"status":0,"event_count":264,"message_count":289,"events":"2000"}`,
		},
	},
	{
		"FC15 write 10 coils from 20 (6.11)",
		[]step{
			req("0010 0000 0009 01 0F 0013 000A 02 CD 01"), // CD = 1100 1101, 01 = 0000 0001
			resp("0010 0000 0006 01 0F 0013 000A"),
		},
		[]string{
			`{"transaction_id":16,"unit_id":1,"function_code":15,"function":"write_multiple_coils","response":false,"address":19,"quantity":10,"byte_count":2,"values":[1,0,1,1,0,0,1,1,1,0]}`,
			`{"transaction_id":16,"unit_id":1,"function_code":15,"function":"write_multiple_coils","response":true,"address":19,"quantity":10}`,
		},
	},
	{
		"FC16 write registers 2-3 (6.12)",
		[]step{
			req("0011 0000 000B 01 10 0001 0002 04 000A 0102"), // 0x000A, 0x0102
			resp("0011 0000 0006 01 10 0001 0002"),
		},
		[]string{
			`{"transaction_id":17,"unit_id":1,"function_code":16,"function":"write_multiple_registers","response":false,"address":1,"quantity":2,"byte_count":4,"values":[10,258]}`,
			`{"transaction_id":17,"unit_id":1,"function_code":16,"function":"write_multiple_registers","response":true,"address":1,"quantity":2}`,
		},
	},
	{
		"FC17 report server id: id byte, run indicator, additional data (6.13)",
		[]step{
			req("0012 0000 0002 0A 11"),
			resp("0012 0000 0015 0A 11 12 00 FF 57696e6770617468204c696d69746564"), // id 00, ON, "Wingpath Limited"
		},
		[]string{
			`{"transaction_id":18,"unit_id":10,"function_code":17,"function":"report_server_id","response":false}`,
			`{"transaction_id":18,"unit_id":10,"function_code":17,"function":"report_server_id","response":true,"byte_count":18,"server_id":"00","run_indicator":true,"additional_data":"57696e6770617468204c696d69746564"}`,
		},
	},
	{
		"FC17 report server id: multi-byte id, run indicator last (ICSNPP layout)",
		[]step{resp("0013 0000 0007 02 11 04 5A 65 65 00")}, // id "Zee", OFF
		[]string{
			`{"transaction_id":19,"unit_id":2,"function_code":17,"function":"report_server_id","response":true,"byte_count":4,"server_id":"5a6565","run_indicator":false}`,
		},
	},
	{
		"FC17 report server id: no run indicator found, all data is the id",
		[]step{resp("0014 0000 0005 01 11 02 01 02")},
		[]string{
			`{"transaction_id":20,"unit_id":1,"function_code":17,"function":"report_server_id","response":true,"byte_count":2,"server_id":"0102"}`,
		},
	},
	{
		"FC20 read two file record groups (6.14)",
		[]step{
			// file 4 record 1 length 2; file 3 record 9 length 2
			req("0014 0000 0011 01 14 0E 06 0004 0001 0002 06 0003 0009 0002"),
			// two sub-responses: length 5, type 6, 0DFE 0020; length 5, type 6, 33CD 0040
			resp("0014 0000 000F 01 14 0C 05 06 0DFE 0020 05 06 33CD 0040"),
		},
		[]string{
			`{"transaction_id":20,"unit_id":1,"function_code":20,"function":"read_file_record","response":false,"byte_count":14,"file_records":[
			  {"reference_type":6,"file_number":4,"record_number":1,"record_length":2},
			  {"reference_type":6,"file_number":3,"record_number":9,"record_length":2}]}`,
			`{"transaction_id":20,"unit_id":1,"function_code":20,"function":"read_file_record","response":true,"byte_count":12,"file_records":[
			  {"reference_type":6,"record_length":2,"values":[3582,32]},
			  {"reference_type":6,"record_length":2,"values":[13261,64]}]}`,
		},
	},
	{
		"FC21 write three registers of file 4 from record 7 (6.15)",
		[]step{
			req("0015 0000 0010 01 15 0D 06 0004 0007 0003 06AF 04BE 100D"),
			resp("0015 0000 0010 01 15 0D 06 0004 0007 0003 06AF 04BE 100D"), // echo
		},
		[]string{
			`{"transaction_id":21,"unit_id":1,"function_code":21,"function":"write_file_record","response":false,"byte_count":13,"file_records":[
			  {"reference_type":6,"file_number":4,"record_number":7,"record_length":3,"values":[1711,1214,4109]}]}`,
			`{"transaction_id":21,"unit_id":1,"function_code":21,"function":"write_file_record","response":true,"byte_count":13,"file_records":[
			  {"reference_type":6,"file_number":4,"record_number":7,"record_length":3,"values":[1711,1214,4109]}]}`,
		},
	},
	{
		"FC22 mask write register 5 (6.16)",
		[]step{
			req("0016 0000 0008 01 16 0004 00F2 0025"),
			resp("0016 0000 0008 01 16 0004 00F2 0025"),
		},
		[]string{
			`{"transaction_id":22,"unit_id":1,"function_code":22,"function":"mask_write_register","response":false,"address":4,"and_mask":242,"or_mask":37}`,
			`{"transaction_id":22,"unit_id":1,"function_code":22,"function":"mask_write_register","response":true,"address":4,"and_mask":242,"or_mask":37}`,
		},
	},
	{
		"FC23 read 6 registers from 4, write 3 from 15 (6.17)",
		[]step{
			req("0017 0000 0011 01 17 0003 0006 000E 0003 06 00FF 00FF 00FF"),
			resp("0017 0000 000F 01 17 0C 00FE 0ACD 0001 0003 000D 00FF"),
		},
		[]string{
			`{"transaction_id":23,"unit_id":1,"function_code":23,"function":"read_write_multiple_registers","response":false,
			  "read_address":3,"read_quantity":6,"address":14,"quantity":3,"byte_count":6,"values":[255,255,255]}`,
			`{"transaction_id":23,"unit_id":1,"function_code":23,"function":"read_write_multiple_registers","response":true,
			  "read_address":3,"read_quantity":6,"address":14,"quantity":3,"byte_count":12,"values":[254,2765,1,3,13,255]}`,
		},
	},
	{
		"FC24 read FIFO queue at 1246 (6.18)",
		[]step{
			req("0018 0000 0004 01 18 04DE"),
			resp("0018 0000 000A 01 18 0006 0002 01B8 1284"), // byte count 6, FIFO count 2, 440, 4740
		},
		[]string{
			`{"transaction_id":24,"unit_id":1,"function_code":24,"function":"read_fifo_queue","response":false,"address":1246}`,
			`{"transaction_id":24,"unit_id":1,"function_code":24,"function":"read_fifo_queue","response":true,"address":1246,"byte_count":6,"quantity":2,"values":[440,4740]}`,
		},
	},
	{
		"FC43/14 read basic device identification in one response (6.21)",
		[]step{
			req("0019 0000 0005 01 2B 0E 01 00"), // MEI 14, code 1 (basic), object 0
			// code 1, conformity 01, no more, next 0, 3 objects:
			// 00 "Company identification", 01 "Product code", 02 "V2.11"
			resp("0019 0000 0035 01 2B 0E 01 01 00 00 03" +
				"00 16 436f6d70616e79206964656e74696669636174696f6e" +
				"01 0C 50726f6475637420636f6465" +
				"02 05 56322e3131"),
		},
		[]string{
			`{"transaction_id":25,"unit_id":1,"function_code":43,"function":"read_device_identification","response":false,"mei_type":14,"read_device_id_code":1,"object_id":0}`,
			`{"transaction_id":25,"unit_id":1,"function_code":43,"function":"read_device_identification","response":true,"mei_type":14,
			  "read_device_id_code":1,"object_id":0,"conformity_level":1,"more_follows":false,"next_object_id":0,"number_of_objects":3,
			  "device_id":{"vendor_name":"Company identification","product_code":"Product code","revision":"V2.11"}}`,
		},
	},
	{
		"FC43/14 extended objects, more follows",
		[]step{
			// code 3 (extended), conformity 0x83, more follows FF, next 0x81, 2 objects:
			// 07 (reserved) "res7", 80 (private) "Serial 42"
			resp("001A 0000 0019 01 2B 0E 03 83 FF 81 02 07 04 72657337 80 09 53657269616c203432"),
		},
		[]string{
			`{"transaction_id":26,"unit_id":1,"function_code":43,"function":"read_device_identification","response":true,"mei_type":14,
			  "read_device_id_code":3,"object_id":7,"conformity_level":131,"more_follows":true,"next_object_id":129,"number_of_objects":2,
			  "device_id":{"extended":[{"id":7,"value":"res7"},{"id":128,"value":"Serial 42"}]}}`,
		},
	},
	{
		"FC43/13 CANopen general reference (6.20): named, data length",
		[]step{req("001B 0000 0007 01 2B 0D 00 01 02 03")},
		[]string{`{"transaction_id":27,"unit_id":1,"function_code":43,"function":"canopen_general_reference","response":false,"mei_type":13,"data_length":4}`},
	},
	{
		"exception: read coil 1186 illegal data address (section 7 example)",
		[]step{
			req("001C 0000 0006 01 01 04A1 0001"),
			resp("001C 0000 0003 01 81 02"),
		},
		[]string{
			`{"transaction_id":28,"unit_id":1,"function_code":1,"function":"read_coils","response":false,"address":1185,"quantity":1}`,
			`{"transaction_id":28,"unit_id":1,"function_code":1,"function":"read_coils","response":true,"exception_code":2,"exception":"illegal_data_address","address":1185,"quantity":1}`,
		},
	},
	{
		"exception to 43/14 keeps the request's MEI name; gateway target failed",
		[]step{
			req("001D 0000 0005 01 2B 0E 04 80"), // individual access, object 0x80
			resp("001D 0000 0003 01 AB 0B"),
		},
		[]string{
			`{"transaction_id":29,"unit_id":1,"function_code":43,"function":"read_device_identification","response":false,"mei_type":14,"read_device_id_code":4,"object_id":128}`,
			`{"transaction_id":29,"unit_id":1,"function_code":43,"function":"read_device_identification","response":true,"exception_code":11,
			  "exception":"gateway_target_device_failed_to_respond","mei_type":14,"read_device_id_code":4,"object_id":128}`,
		},
	},
	{
		"exception to FC8 keeps the sub-function; legacy NAK (7) is accepted",
		[]step{
			req("001E 0000 0006 01 08 0004 0000"), // force listen only: not tracked, no answer expected
			req("001F 0000 0006 01 08 000A 0000"), // clear counters
			resp("001F 0000 0003 01 88 07"),
		},
		[]string{
			`{"transaction_id":30,"unit_id":1,"function_code":8,"function":"diagnostics","response":false,"sub_function":4,"sub_function_name":"force_listen_only_mode","values":[0]}`,
			`{"transaction_id":31,"unit_id":1,"function_code":8,"function":"diagnostics","response":false,"sub_function":10,"sub_function_name":"clear_counters_and_diagnostic_register","values":[0]}`,
			`{"transaction_id":31,"unit_id":1,"function_code":8,"function":"diagnostics","response":true,"exception_code":7,"exception":"negative_acknowledge",
			  "sub_function":10,"sub_function_name":"clear_counters_and_diagnostic_register"}`,
		},
	},
	{
		"UMAS (FC90) read_id request and OK response (Schneider, session 0)",
		[]step{
			req("0020 0000 0004 00 5A 00 02"),        // session 0, UMAS 0x02 READ_ID
			resp("0020 0000 0006 00 5A 00 FE 10 FF"), // status FE, 2 data bytes
		},
		[]string{
			`{"transaction_id":32,"unit_id":0,"function_code":90,"function":"umas","response":false,"sub_function":2,"sub_function_name":"read_id","umas_session":0,"data_length":0}`,
			`{"transaction_id":32,"unit_id":0,"function_code":90,"function":"umas","response":true,"sub_function":2,"sub_function_name":"read_id","umas_session":0,"umas_status":"ok","data_length":2}`,
		},
	},
	{
		"UMAS stop_plc with session key 0x15",
		[]step{req("0021 0000 0005 00 5A 15 41 00")},
		[]string{`{"transaction_id":33,"unit_id":0,"function_code":90,"function":"umas","response":false,"sub_function":65,"sub_function_name":"stop_plc","umas_session":21,"data_length":1}`},
	},
	{
		"UMAS stop_plc refused: error status, response named after the request",
		[]step{
			req("0022 0000 0004 00 5A 01 41"),
			resp("0022 0000 0005 00 5A 01 FD 05"),
		},
		[]string{
			`{"transaction_id":34,"unit_id":0,"function_code":90,"function":"umas","response":false,"sub_function":65,"sub_function_name":"stop_plc","umas_session":1,"data_length":0}`,
			`{"transaction_id":34,"unit_id":0,"function_code":90,"function":"umas","response":true,"sub_function":65,"sub_function_name":"stop_plc","umas_session":1,"umas_status":"error","data_length":1}`,
		},
	},
	{
		"legacy and user-defined codes are named without anomaly",
		[]step{
			req("0022 0000 0004 01 7E 01 02"),    // 126 remote programming (Modicon)
			req("0023 0000 0002 01 7D"),          // 125 firmware replacement
			req("0024 0000 0003 01 28 00"),       // 40 program (ConCept)
			req("0025 0000 0003 01 09 00"),       // 9 program 484
			req("0026 0000 0003 01 0D 00"),       // 13 program 584/984
			req("0027 0000 0005 01 41 AA BB CC"), // 65 user defined
			req("0028 0000 0002 01 6E"),          // 110 user defined
		},
		[]string{
			`{"transaction_id":34,"unit_id":1,"function_code":126,"function":"remote_programming","response":false,"data_length":2}`,
			`{"transaction_id":35,"unit_id":1,"function_code":125,"function":"firmware_replacement","response":false,"data_length":0}`,
			`{"transaction_id":36,"unit_id":1,"function_code":40,"function":"program_concept","response":false,"data_length":1}`,
			`{"transaction_id":37,"unit_id":1,"function_code":9,"function":"program_484","response":false,"data_length":1}`,
			`{"transaction_id":38,"unit_id":1,"function_code":13,"function":"program_584_984","response":false,"data_length":1}`,
			`{"transaction_id":39,"unit_id":1,"function_code":65,"function":"user_defined","response":false,"data_length":3}`,
			`{"transaction_id":40,"unit_id":1,"function_code":110,"function":"user_defined","response":false,"data_length":0}`,
		},
	},
}

// The name tables against the specification's lists: section 5 (function
// code categories), Annex A (reserved codes), 6.8.1 (diagnostics
// sub-functions), section 7 (exception codes).
func TestNameTables(t *testing.T) {
	public := []int{1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 17, 20, 21, 22, 23, 24, 43}
	reserved := []int{9, 10, 13, 14, 18, 19, 40, 41, 42, 90, 91, 125, 126, 127} // Annex A + Modicon 884 and ConCept codes
	names := map[string]int{}
	for fc := 0; fc < 256; fc++ {
		name, class := functionName(uint8(fc))
		want := classUnknown
		switch {
		case fc >= 128:
		case slices.Contains(public, fc):
			want = classPublic
		case slices.Contains(reserved, fc):
			want = classReserved
		case fc >= 65 && fc <= 72, fc >= 100 && fc <= 110:
			want = classUserDefined
		}
		if fc >= 128 {
			continue // exception bit: the caller strips it
		}
		if class != want {
			t.Errorf("FC%d %q: class %d, want %d", fc, name, class, want)
		}
		if class == classPublic || (class == classReserved && name != "reserved") {
			if prev, dup := names[name]; dup {
				t.Errorf("FC%d and FC%d are both %q", prev, fc, name)
			}
			names[name] = fc
		}
	}
	subs := map[string]bool{}
	for sub := 0; sub <= 0xFFFF; sub++ {
		name, ok := diagnosticName(uint16(sub))
		want := sub <= 4 || (sub >= 10 && sub <= 18) || sub == 20
		if ok != want || (ok && subs[name]) {
			t.Errorf("diagnostics sub-function %d: %q known %v", sub, name, ok)
		}
		subs[name] = ok
	}
	for code := 0; code < 256; code++ {
		_, ok := exceptionName(uint8(code))
		if want := (code >= 1 && code <= 8) || code == 10 || code == 11; ok != want {
			t.Errorf("exception code %d known %v", code, ok)
		}
	}
	for mei := 0; mei < 256; mei++ {
		if _, ok := meiName(uint8(mei)); ok != (mei == 13 || mei == 14) {
			t.Errorf("MEI type %d known %v", mei, ok)
		}
	}
}
