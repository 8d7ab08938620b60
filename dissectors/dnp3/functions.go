package dnp3

// functionNames are the application function codes of IEEE 1815-2012
// (section 4.2.2.5), snake_case. Codes 0-33 are requests (32 and 33 are
// Secure Authentication); 129-131 are responses.
var functionNames = [...]string{
	0:  "confirm",
	1:  "read",
	2:  "write",
	3:  "select",
	4:  "operate",
	5:  "direct_operate",
	6:  "direct_operate_no_ack",
	7:  "immediate_freeze",
	8:  "immediate_freeze_no_ack",
	9:  "freeze_clear",
	10: "freeze_clear_no_ack",
	11: "freeze_at_time",
	12: "freeze_at_time_no_ack",
	13: "cold_restart",
	14: "warm_restart",
	15: "initialize_data",
	16: "initialize_application",
	17: "start_application",
	18: "stop_application",
	19: "save_configuration",
	20: "enable_unsolicited",
	21: "disable_unsolicited",
	22: "assign_class",
	23: "delay_measure",
	24: "record_current_time",
	25: "open_file",
	26: "close_file",
	27: "delete_file",
	28: "get_file_info",
	29: "authenticate_file",
	30: "abort_file",
	31: "activate_config",
	32: "authentication_request",
	33: "authentication_request_no_ack",
}

// functionName names an application function code; ok is false for codes
// the standard does not define (the name is then "unknown").
func functionName(fc uint8) (name string, ok bool) {
	switch {
	case int(fc) < len(functionNames):
		return functionNames[fc], true
	case fc == 129:
		return "response", true
	case fc == 130:
		return "unsolicited_response", true
	case fc == 131:
		return "authentication_response", true
	}
	return "unknown", false
}

// iinBitNames names the bits of Record.IIN: IIN1.0-7 then IIN2.0-7
// (IEEE 1815-2012 section 4.2.2.7). IIN2.6 and IIN2.7 are reserved.
var iinBitNames = [16]string{
	"all_stations",
	"class_1_events",
	"class_2_events",
	"class_3_events",
	"need_time",
	"local_control",
	"device_trouble",
	"device_restart",
	"no_func_code_support",
	"object_unknown",
	"parameter_error",
	"event_buffer_overflow",
	"already_executing",
	"config_corrupt",
	"reserved_2_6",
	"reserved_2_7",
}

// IINNames appends the names of the bits set in iin (Record.IIN: IIN1 in
// the low byte) to dst in bit order, IIN1.0 first, and returns the
// extended slice. It allocates nothing when dst has room for 16 names.
func IINNames(iin uint16, dst []string) []string {
	for i := range iinBitNames {
		if iin&(1<<i) != 0 {
			dst = append(dst, iinBitNames[i])
		}
	}
	return dst
}

// iinBitName names bit i (0-15) of the IIN word, as group 80 indexes it.
func iinBitName(i uint32) string {
	if i < uint32(len(iinBitNames)) {
		return iinBitNames[i]
	}
	return "unknown"
}
