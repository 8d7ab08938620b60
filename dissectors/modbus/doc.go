// Package modbus dissects Modbus/TCP (MBAP over TCP port 502, and the same
// framing over UDP 502) into typed records, following the Modbus
// Application Protocol Specification V1.1b3 and the Modbus Messaging on
// TCP/IP Implementation Guide.
//
// # Parsing
//
// Direction ToServer carries requests, ToClient responses. Every complete
// ADU gives one Record event, followed by one anomaly event per kind of
// problem found in it (see Anomalies); parsing always continues. Several
// ADUs in one call are all parsed; an incomplete ADU is left unconsumed.
// After a Gap, or after bytes that cannot be framed, the parser waits for
// a plausible MBAP header (protocol id 0, length 2..254, function code not
// 0 or 0x80) and drops chunks that do not start with one. MBAP lengths
// above 254 raise modbus.invalid_length but are still framed: the first
// 260 bytes are decoded and the rest skipped.
//
// A response is matched to the oldest outstanding request with the same
// transaction id, unit id and function code (clients that pipeline
// requests under one transaction id, or always send 0, are common). A
// matched response inherits the request's address, quantity, read
// address/quantity, sub-function and MEI type when it lacks them, and its
// byte count is checked against the requested quantity (coil and input
// values are cut to that quantity). At most Options.MaxOutstanding
// requests wait per flow; requests older than Options.RequestTimeout
// (packet time) are forgotten silently.
//
// A response with the ids of an outstanding request but another function
// code raises modbus.unmatched_response. A response that matches no
// outstanding request raises it only once the parser has seen a request
// on the flow, and after a Gap in the ToServer direction not again until
// the next request: until then the response may answer a request the
// sensor never saw (the capture started mid-session, or the request was
// lost). A Gap in the ToClient direction does not change this.
//
// The parser allocates nothing per PDU once its buffers have grown. The
// exception is the strings of Read Device Identification objects, which
// are allocated when an object's value changes.
//
// # JSON
//
// A Record marshals to one object; fields that do not apply are left out.
//
//	transaction_id       number   MBAP transaction identifier
//	unit_id              number   MBAP unit identifier
//	function_code        number   function code without the exception bit
//	function             string   read_coils, read_discrete_inputs,
//	                              read_holding_registers, read_input_registers,
//	                              write_single_coil, write_single_register,
//	                              read_exception_status, diagnostics,
//	                              get_comm_event_counter, get_comm_event_log,
//	                              write_multiple_coils, write_multiple_registers,
//	                              report_server_id, read_file_record,
//	                              write_file_record, mask_write_register,
//	                              read_write_multiple_registers, read_fifo_queue,
//	                              encapsulated_interface_transport (FC43 with a
//	                              reserved MEI type), canopen_general_reference
//	                              (43/13), read_device_identification (43/14),
//	                              user_defined (65-72, 100-110), umas (90),
//	                              program_484 (9), poll_484 (10),
//	                              program_584_984 (13), poll_584_984 (14),
//	                              program_884_u84 (18), reset_comm_link_884_u84
//	                              (19), program_concept (40), reserved (41, 42),
//	                              object_messaging (91), firmware_replacement
//	                              (125), remote_programming (126),
//	                              report_local_address (127), unknown
//	response             bool     sent by the server
//	exception_code       number   exception responses only
//	exception            string   illegal_function, illegal_data_address,
//	                              illegal_data_value, server_device_failure,
//	                              acknowledge, server_device_busy,
//	                              negative_acknowledge, memory_parity_error,
//	                              gateway_path_unavailable,
//	                              gateway_target_device_failed_to_respond, unknown
//	address              number   starting, output, reference or FIFO pointer
//	                              address (FC23: write starting address)
//	quantity             number   coils, inputs or registers (FC23: quantity to
//	                              write; FC24 response: FIFO count)
//	read_address         number   FC23 read starting address
//	read_quantity        number   FC23 quantity to read
//	byte_count           number   the PDU's byte count field
//	values               [number] written values in requests, read values in
//	                              responses: registers as numbers, coils,
//	                              inputs and FC7 status bits as 0/1 (first
//	                              address first). FC5: 1 for 0xFF00, 0 for
//	                              0x0000, else the raw value. FC8: data words.
//	sub_function         number   FC8 sub-function; FC90 UMAS function code
//	sub_function_name    string   e.g. return_query_data, force_listen_only_mode,
//	                              reserved; UMAS: init_comm, read_id,
//	                              take_plc_reservation, start_plc, stop_plc,
//	                              download_block, ..., unknown
//	mei_type             number   FC43 MEI type
//	read_device_id_code  number   43/14 read device id code (1-4)
//	object_id            number   43/14 requested object (request) or first
//	                              object returned (response)
//	conformity_level     number   43/14 response
//	more_follows         bool     43/14 response
//	next_object_id       number   43/14 response
//	number_of_objects    number   43/14 response
//	device_id            object   43/14 response objects: vendor_name,
//	                              product_code, revision, vendor_url,
//	                              product_name, model_name,
//	                              user_application_name (strings, present
//	                              ones only), extended: [{id, value}] for
//	                              objects 0x07-0xFF
//	and_mask, or_mask    number   FC22
//	status               number   FC11/FC12 status word
//	event_count          number   FC11/FC12
//	message_count        number   FC12
//	events               string   FC12 event bytes, hex
//	server_id            string   FC17 server id, hex
//	run_indicator        bool     FC17, when a run indicator byte was found
//	additional_data      string   FC17 bytes after the run indicator, hex
//	file_records         [object] FC20/FC21: {reference_type, file_number,
//	                              record_number, record_length, values};
//	                              FC20 sub-responses have no file_number or
//	                              record_number
//	data_length          number   data bytes not decoded (UMAS data after its
//	                              header, CANopen, user-defined, reserved and
//	                              unknown codes)
//	umas_session         number   FC90 session (pairing key) byte
//	umas_status          string   FC90 response: ok (0xFE), error (0xFD), unknown
//
// FC17 server ids are device specific: the first data byte is taken as the
// id when the next byte is a run indicator (0x00/0xFF); otherwise, when the
// last byte is one, everything before it is the id; otherwise all data is
// the id and run_indicator is absent.
package modbus
