// Package dnp3 dissects DNP3 (IEEE 1815-2012) over TCP and UDP port 20000
// into typed records: link frames, transport segments reassembled into
// application fragments, and the application layer's header, internal
// indications, object headers and the points of the groups listed below.
//
// # Parsing
//
// Link frames (IEEE 1815-2012 clause 9) are read from a TCP stream or from
// UDP datagrams. A TCP call may hold several frames; a frame cut across
// calls is left unconsumed for the next one. A frame is 0x05 0x64, length
// (5..255), control (DIR, PRM, FCB, FCV/DFC, function), destination and
// source (little-endian) and a header CRC, then the user data in 16-octet
// blocks, each followed by its CRC (CRC-16/DNP: polynomial 0x3D65,
// reflected 0xA6BC, complemented, low octet first).
//   - Octets before a start are skipped up to the next 0x05 0x64: one
//     dnp3.skipped_bytes per run.
//   - A bad header CRC (dnp3.bad_link_crc) or a length below 5
//     (dnp3.len_too_small) skips the two start octets and searches again.
//   - A bad data-block CRC (dnp3.bad_link_crc) skips the whole frame: its
//     size is known from the good header.
//   - A UDP datagram that ends inside a frame, or a TCP direction still
//     inside a frame at Close, raises dnp3.truncated_frame.
//
// Only primary confirmed_user_data (3) and unconfirmed_user_data (4)
// frames carry transport segments (FIN 0x80, FIR 0x40, 6-bit sequence).
// Fragments are reassembled per direction and per (source, destination)
// pair, up to 4 pairs per direction (a fifth takes the least recently used
// slot).
//   - A FIR segment starts a fragment, silently dropping an unfinished one
//     of the same pair.
//   - A non-FIR segment whose sequence is not the previous one plus 1
//     (mod 64) raises dnp3.transport_sequence and drops the fragment.
//   - A non-FIR segment with no fragment in progress raises
//     dnp3.missing_first_fragment and is dropped.
//   - A fragment longer than Options.MaxFragment (default 15936 = 64×249,
//     the most one pass through the sequence numbers carries) raises
//     dnp3.too_long_reassembly once; its segments are dropped up to its FIN
//     or the next FIR.
//   - A Gap drops the fragments in progress in that direction; Close drops
//     them all without events.
//
// A FIN segment completes a fragment: one Record, whose link fields are the
// last frame's and whose Frames counts the frames. Every other frame gives
// a Record with LinkOnly set: link services, reserved link functions (even
// when they carry data: an outstation discards them), user-data frames
// without user data. Link function names: primary reset_link_states (0),
// reset_user_process (1, obsolete), test_link_states (2),
// confirmed_user_data (3), unconfirmed_user_data (4), request_link_status
// (9); secondary ack (0), nack (1), link_status (11),
// link_not_functioning (14, obsolete), not_supported (15); any other code
// is reserved_<n>.
//
// Probe: on port 20000, a start with a valid header CRC and length of at
// least 5 within the first 292 octets (a capture may start mid-frame);
// elsewhere, a valid header at offset 0 and, once the first frame is
// complete, valid data CRCs.
//
// Every complete application fragment gives one Record event, followed by
// one anomaly event per kind of problem found in it (see Anomalies). The
// application header is the control octet (FIR, FIN, CON, UNS, 4-bit
// SEQ) and the function code; responses (129, 130, 131) add the two IIN
// octets. Fragments with a function code the standard does not define
// raise dnp3.unknown_function and their objects are not parsed.
//
// Object headers follow: group, variation, qualifier (prefix code in bits
// 6-4, range code in bits 3-0) and the range: range codes 0-2 are 1, 2 and
// 4-octet start and stop indexes, 3-5 start and stop virtual addresses of
// the same widths (tshark 4.0 reads a single address there; IEEE
// 1815-2012 has start and stop), 6 all objects (no range), 7-9 a 1, 2 or
// 4-octet count, 0xB a 1-octet count of free-format objects; 0xA and
// 0xC-0xF are reserved. Prefix codes 1-3 put a 1, 2 or 4-octet index
// before each object, 4-6 a 1, 2 or 4-octet object size; 7 is reserved.
//
// Whether objects carry data depends on the function: read, the freeze
// functions (7-10), enable and disable unsolicited and assign class name
// objects without data (only index prefixes follow), freeze at time
// carries a group 50 time and then names the objects, and every other
// function and all responses carry data. Group 60 (class data) never
// carries data. The size of every object of the groups in Annex A is known
// (packed single bits for g1v1, g10v1, g12v3, g80v1 and double bits for
// g3v1, rounded up to whole octets per header; the variation for groups
// 110-113; the size prefix for free-format objects such as groups 70, 82,
// 83, 85-88, 90, 91 and most of 120; data type, length and value for group
// 0). An object this package does not know raises dnp3.unknown_object; its
// header is kept and parsing continues when its data size can still be
// told (no data expected, or a size prefix), otherwise the rest of the
// fragment is skipped. Variation 0 with data, a free-format object without
// a size prefix, reserved qualifier codes, a stop index below the start,
// and headers or data running past the fragment raise
// dnp3.malformed_objects and the rest of the fragment is skipped (the
// objects decoded so far are kept).
//
// Points are decoded for group 0 (device attributes: each is a data type
// code, a length and a value; VSTR and UNCD strings, UINT and INT of 1, 2,
// 4 or 8 octets, FLT of 4 or 8 octets, TIME of 6 octets, and OSTR, BSTR and
// the attribute lists as hex; a value whose length does not fit its type is
// dropped), group 12 variations 1 and 2 (CROB, pattern control block),
// group 41 (analog output commands), group 50 (time and date) and group 80
// variation 1 (internal indications). At most MaxPoints points are decoded
// per fragment; beyond that dnp3.too_many_points is raised, the objects'
// counts stay complete and parsing continues. Identity strings of group 0
// (vendor 252, product name and model 250, software version 242, hardware
// version 243, serial number 248, device name 247, location 245, id code
// 246) also fill Record.Device.
//
// The decoder allocates nothing per fragment once its buffers have grown;
// group 0 strings are allocated only when an attribute's value changes.
//
// # JSON
//
// A Record marshals to one object; fields that do not apply are left out.
//
//	src, dst             number   link source and destination addresses
//	from_master          bool     link DIR bit
//	primary              bool     link PRM bit
//	fcb, fcv             bool     frame count bit and frame count valid (primary frames)
//	dfc                  bool     data flow control (secondary frames)
//	link_function_code   number   link control function code
//	link_function        string   link function name
//	link_frames          number   link frames that made up the fragment
//	link_only            bool     true for frames without application data;
//	                              the fields below are then absent
//	control              object   {fir, fin, con, uns (bools), seq (number)}
//	function_code        number   application function code
//	function             string   confirm, read, write, select, operate,
//	                              direct_operate, direct_operate_no_ack,
//	                              immediate_freeze, immediate_freeze_no_ack,
//	                              freeze_clear, freeze_clear_no_ack,
//	                              freeze_at_time, freeze_at_time_no_ack,
//	                              cold_restart, warm_restart, initialize_data,
//	                              initialize_application, start_application,
//	                              stop_application, save_configuration,
//	                              enable_unsolicited, disable_unsolicited,
//	                              assign_class, delay_measure,
//	                              record_current_time, open_file, close_file,
//	                              delete_file, get_file_info,
//	                              authenticate_file, abort_file,
//	                              activate_config, authentication_request
//	                              (32), authentication_request_no_ack (33),
//	                              response (129), unsolicited_response (130),
//	                              authentication_response (131), unknown
//	response             bool     function 129, 130 or 131
//	unsolicited          bool     function 130
//	iin                  [string] responses only ([] when no bit is set):
//	                              all_stations, class_1_events,
//	                              class_2_events, class_3_events, need_time,
//	                              local_control, device_trouble,
//	                              device_restart (IIN1.0-7),
//	                              no_func_code_support, object_unknown,
//	                              parameter_error, event_buffer_overflow,
//	                              already_executing, config_corrupt,
//	                              reserved_2_6, reserved_2_7 (IIN2.0-7)
//	iin_value            number   responses only: IIN1 | IIN2<<8
//	objects              [object] object headers in order:
//	  group, variation   number
//	  qualifier          number   the whole qualifier octet
//	  name               string   see Object names
//	  range_start        number   range qualifiers (codes 0-5) only
//	  range_stop         number   range qualifiers only
//	  count              number   objects announced (0 for all objects)
//	  points             [object] decoded points (when any), by group:
//	    g12v1, g12v2     {index, control_code, operation (nul, pulse_on,
//	                     pulse_off, latch_on, latch_off, reserved),
//	                     trip_close (nul, close, trip, reserved), queue,
//	                     clear, count, on_time_ms, off_time_ms, status,
//	                     status_name}
//	    g41v1-v4         {index, value, status, status_name}
//	    g50v1-v4         {index (v4 only), time (RFC 3339 UTC, ms),
//	                     time_ms, interval_ms (v2, v4)}
//	    g0               {attribute (the variation), name, data_type
//	                     (none, vstr, uint, int, flt, ostr, bstr, time,
//	                     uncd, u8bs8list, u8bs8exlist, unknown), value
//	                     (string, number or time string; absent for none
//	                     and unknown types)}
//	    g80v1            {index, name (the IIN bit's name), value (bool)}
//	device_attributes    object   {vendor, model, software_version,
//	                              hardware_version, serial, name, location,
//	                              id_code}, present ones only, when group 0
//	                              strings were found
//
// Status names (control status, bit 7 ignored): success, timeout,
// no_select, format_error, not_supported, already_active, hardware_error,
// local, too_many_objs, not_authorized, automation_inhibit,
// processing_limited, out_of_range, downstream_local, already_complete,
// blocked, canceled, blocked_other_master, downstream_fail (0-18),
// non_participating (126), undefined (127), reserved (others).
//
// Attribute names (group 0 variations 196-255): config_id,
// config_version, config_build_date, config_change_date, config_signature,
// config_signature_algorithm, master_resource_id, device_altitude,
// device_longitude, device_latitude, secondary_operator_name,
// primary_operator_name, system_name, secure_auth_version,
// security_stats_per_association, user_specific_attributes,
// master_data_set_prototypes, outstation_data_set_prototypes,
// master_data_sets, outstation_data_sets, max_binary_outputs_per_request,
// local_timing_accuracy, timing_accuracy_duration,
// analog_output_events_supported, max_analog_output_index,
// analog_output_count, binary_output_events_supported,
// max_binary_output_index, binary_output_count,
// frozen_counter_events_supported, frozen_counters_supported,
// counter_events_supported, max_counter_index, counter_count,
// frozen_analog_inputs_supported, analog_input_events_supported,
// max_analog_input_index, analog_input_count,
// double_bit_input_events_supported, max_double_bit_input_index,
// double_bit_input_count, binary_input_events_supported,
// max_binary_input_index, binary_input_count, max_transmit_fragment_size,
// max_receive_fragment_size, software_version, hardware_version, reserved
// (244), location, id_code, device_name, serial_number,
// subset_and_conformance, product_name_and_model, reserved (251),
// vendor_name, reserved (253), all_attributes_request, attribute_list;
// user_defined below 196.
//
// Float values that JSON cannot hold are written as the strings "NaN",
// "+Inf" and "-Inf".
//
// # Object names
//
// g0 device_attribute (v254 all_attributes_request, v255 attribute_list),
// g1 binary_input, g2 binary_input_event, g3 double_bit_binary_input, g4
// double_bit_binary_input_event, g10 binary_output, g11
// binary_output_event, g12 crob (v2 pattern_control_block, v3
// pattern_mask), g13 binary_output_command_event, g20 counter, g21
// frozen_counter, g22 counter_event, g23 frozen_counter_event, g30
// analog_input, g31 frozen_analog_input, g32 analog_input_event, g33
// frozen_analog_input_event, g34 analog_input_deadband, g40
// analog_output_status, g41 analog_output_command, g42
// analog_output_event, g43 analog_output_command_event, g50 time_and_date
// (v2 time_and_date_with_interval, v3 last_recorded_time, v4
// indexed_time_and_interval), g51 time_and_date_cto (v2
// unsynchronized_time_and_date_cto), g52 time_delay_coarse (v1),
// time_delay_fine (v2), g60 class_0_data, class_1_data, class_2_data,
// class_3_data (v1-v4), g70 file_control (v2 file_authentication, v3
// file_command, v4 file_command_status, v5 file_transport, v6
// file_transport_status, v7 file_descriptor, v8 file_specification_string),
// g80 iin, g81 storage, g82 device_profile, g83 private_data_set, g85
// data_set_prototype, g86 data_set_descriptor, g87 data_set, g88
// data_set_event, g90 application_identifier, g91 activate_config_status,
// g101 bcd, g102 unsigned_integer, g110 octet_string, g111
// octet_string_event, g112 virtual_terminal_output, g113
// virtual_terminal_event, g120 authentication, g121 security_statistic,
// g122 security_statistic_event; unknown for other groups. A known group
// with an unknown variation keeps the group's name.
package dnp3
