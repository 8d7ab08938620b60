package modbus

// Function codes decoded field by field (Modbus Application Protocol
// Specification V1.1b3, section 6) and the vendor codes given a name.
const (
	fcReadCoils                  = 1
	fcReadDiscreteInputs         = 2
	fcReadHoldingRegisters       = 3
	fcReadInputRegisters         = 4
	fcWriteSingleCoil            = 5
	fcWriteSingleRegister        = 6
	fcReadExceptionStatus        = 7
	fcDiagnostics                = 8
	fcGetCommEventCounter        = 11
	fcGetCommEventLog            = 12
	fcWriteMultipleCoils         = 15
	fcWriteMultipleRegisters     = 16
	fcReportServerID             = 17
	fcReadFileRecord             = 20
	fcWriteFileRecord            = 21
	fcMaskWriteRegister          = 22
	fcReadWriteMultipleRegisters = 23
	fcReadFIFOQueue              = 24
	fcEncapsulatedInterface      = 43
	fcUMAS                       = 90

	meiCANopen      = 13
	meiReadDeviceID = 14
)

// functionClass says how a function code is known.
type functionClass uint8

const (
	classUnknown     functionClass = iota
	classPublic                    // decoded field by field
	classUserDefined               // 65-72, 100-110
	classReserved                  // legacy/vendor codes (Annex A and the Modicon/Schneider codes)
)

// functionName returns the snake_case name of fc (without the exception
// bit) and how it is known. MEI-specific names for FC43 come from meiName.
func functionName(fc uint8) (string, functionClass) {
	switch fc {
	case fcReadCoils:
		return "read_coils", classPublic
	case fcReadDiscreteInputs:
		return "read_discrete_inputs", classPublic
	case fcReadHoldingRegisters:
		return "read_holding_registers", classPublic
	case fcReadInputRegisters:
		return "read_input_registers", classPublic
	case fcWriteSingleCoil:
		return "write_single_coil", classPublic
	case fcWriteSingleRegister:
		return "write_single_register", classPublic
	case fcReadExceptionStatus:
		return "read_exception_status", classPublic
	case fcDiagnostics:
		return "diagnostics", classPublic
	case fcGetCommEventCounter:
		return "get_comm_event_counter", classPublic
	case fcGetCommEventLog:
		return "get_comm_event_log", classPublic
	case fcWriteMultipleCoils:
		return "write_multiple_coils", classPublic
	case fcWriteMultipleRegisters:
		return "write_multiple_registers", classPublic
	case fcReportServerID:
		return "report_server_id", classPublic
	case fcReadFileRecord:
		return "read_file_record", classPublic
	case fcWriteFileRecord:
		return "write_file_record", classPublic
	case fcMaskWriteRegister:
		return "mask_write_register", classPublic
	case fcReadWriteMultipleRegisters:
		return "read_write_multiple_registers", classPublic
	case fcReadFIFOQueue:
		return "read_fifo_queue", classPublic
	case fcEncapsulatedInterface:
		return "encapsulated_interface_transport", classPublic

	// Legacy Modicon codes, named as Zeek and Wireshark name them.
	case 9:
		return "program_484", classReserved
	case 10:
		return "poll_484", classReserved
	case 13:
		return "program_584_984", classReserved
	case 14:
		return "poll_584_984", classReserved
	case 18:
		return "program_884_u84", classReserved
	case 19:
		return "reset_comm_link_884_u84", classReserved
	case 40:
		return "program_concept", classReserved
	case 41, 42: // reserved by Annex A; Zeek calls 41 MULTIPLE_FUNCTION_CODES
		return "reserved", classReserved
	case fcUMAS: // Schneider Unity (UMAS)
		return "umas", classReserved
	case 91: // Modbus object messaging extension
		return "object_messaging", classReserved
	case 125:
		return "firmware_replacement", classReserved
	case 126: // PROGRAM_584_984_2 in Zeek and Wireshark
		return "remote_programming", classReserved
	case 127:
		return "report_local_address", classReserved
	}
	if (fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110) {
		return "user_defined", classUserDefined
	}
	return "unknown", classUnknown
}

// meiName names an FC43 MEI type; ok is false for reserved types.
func meiName(mei uint8) (name string, ok bool) {
	switch mei {
	case meiCANopen:
		return "canopen_general_reference", true
	case meiReadDeviceID:
		return "read_device_identification", true
	}
	return "encapsulated_interface_transport", false
}

// diagnosticName names an FC8 sub-function (section 6.8.1); ok is false
// for reserved sub-functions.
func diagnosticName(sub uint16) (name string, ok bool) {
	switch sub {
	case 0:
		return "return_query_data", true
	case 1:
		return "restart_communications_option", true
	case 2:
		return "return_diagnostic_register", true
	case 3:
		return "change_ascii_input_delimiter", true
	case 4:
		return "force_listen_only_mode", true
	case 10:
		return "clear_counters_and_diagnostic_register", true
	case 11:
		return "return_bus_message_count", true
	case 12:
		return "return_bus_communication_error_count", true
	case 13:
		return "return_bus_exception_error_count", true
	case 14:
		return "return_server_message_count", true
	case 15:
		return "return_server_no_response_count", true
	case 16:
		return "return_server_nak_count", true
	case 17:
		return "return_server_busy_count", true
	case 18:
		return "return_bus_character_overrun_count", true
	case 20:
		return "clear_overrun_counter_and_flag", true
	}
	return "reserved", false
}

// exceptionName names an exception code (section 7); ok is false for codes
// the specification does not define. 7 (Negative Acknowledge) is a legacy
// code the specification still counts in FC12 event bytes.
func exceptionName(code uint8) (name string, ok bool) {
	switch code {
	case 1:
		return "illegal_function", true
	case 2:
		return "illegal_data_address", true
	case 3:
		return "illegal_data_value", true
	case 4:
		return "server_device_failure", true
	case 5:
		return "acknowledge", true
	case 6:
		return "server_device_busy", true
	case 7:
		return "negative_acknowledge", true
	case 8:
		return "memory_parity_error", true
	case 10:
		return "gateway_path_unavailable", true
	case 11:
		return "gateway_target_device_failed_to_respond", true
	}
	return "unknown", false
}

// umasName names a Schneider UMAS function code (the byte after the
// session key in FC90 requests), as the public UMAS research names them.
func umasName(code uint8) string {
	switch code {
	case 0x01:
		return "init_comm"
	case 0x02:
		return "read_id"
	case 0x03:
		return "read_project_info"
	case 0x04:
		return "read_plc_info"
	case 0x06:
		return "read_card_info"
	case 0x0A:
		return "repeat"
	case 0x10:
		return "take_plc_reservation"
	case 0x11:
		return "release_plc_reservation"
	case 0x12:
		return "keep_alive"
	case 0x20:
		return "read_memory_block"
	case 0x22:
		return "read_variables"
	case 0x23:
		return "write_variables"
	case 0x24:
		return "read_coils_registers"
	case 0x25:
		return "write_coils_registers"
	case 0x30:
		return "initialize_upload"
	case 0x31:
		return "upload_block"
	case 0x32:
		return "end_strategy_upload"
	case 0x33:
		return "initialize_download"
	case 0x34:
		return "download_block"
	case 0x35:
		return "end_strategy_download"
	case 0x39:
		return "read_eth_master_data"
	case 0x40:
		return "start_plc"
	case 0x41:
		return "stop_plc"
	case 0x50:
		return "monitor_plc"
	case 0x58:
		return "check_plc"
	case 0x70:
		return "read_io_object"
	case 0x71:
		return "write_io_object"
	case 0x73:
		return "get_status_module"
	}
	return "unknown"
}

// umasStatusName names the status byte of a UMAS response.
func umasStatusName(s uint8) string {
	switch s {
	case 0xFE:
		return "ok"
	case 0xFD:
		return "error"
	}
	return "unknown"
}

// validConformity reports whether c is a conformity level of section 6.21.
func validConformity(c uint8) bool {
	switch c {
	case 0x01, 0x02, 0x03, 0x81, 0x82, 0x83:
		return true
	}
	return false
}
