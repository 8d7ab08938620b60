// Package mqtt dissects MQTT over TCP port 1883 into typed records, one per
// control packet: MQTT 3.1 (IBM, protocol name "MQIsdp", level 3), OASIS
// MQTT 3.1.1 (level 4) and MQTT 5.0 (level 5), every packet type, and all
// MQTT 5.0 properties and reason codes.
//
// # Framing and session
//
// Each direction is framed on its own: fixed header octet, remaining
// length (1-4 octets of 7 bits; non-minimal encodings accepted), several
// packets per call, a packet split across calls left unconsumed until it
// is complete. A packet whose remaining length exceeds Options.MaxMessage
// (default 32 KiB, at most 64 KiB - 5 so that a whole packet fits the flow
// layer's parser buffer) is never buffered: its first MaxMessage octets
// are decoded with the announced length (a PUBLISH keeps its topic, packet
// id and payload length), mqtt.message_too_large is raised, and the rest
// is discarded as it arrives. A remaining length whose 4th octet has the
// continuation bit raises mqtt.malformed_remaining_length; the direction
// is then dropped until a gap. MQTT has no sync marker, so after a gap a
// chunk is taken only when it tiles exactly into complete packets with
// plausible headers (type 1-15 with the flags its type requires); other
// chunks are dropped, and garbage is never read as a flood of packets.
//
// A session must open with a CONNECT. On a connection whose TCP handshake
// was captured (dissectors.Flow.Handshake) any other packet before it
// raises mqtt.missing_connect; on one first seen mid-session only a CONNACK
// without a CONNECT does, since other packets may belong to a session
// opened before the capture. Either way it is raised once per flow. A
// second CONNECT raises mqtt.double_connect. The protocol level and client
// id of the CONNECT are carried on every record of the flow; a 5.0
// broker's Assigned Client Identifier is adopted when the client sent an
// empty one. Without a CONNECT the decoder guesses the version (below).
//
// Requests are kept per direction by packet id: PUBLISH with QoS 1 or 2,
// PUBREL, SUBSCRIBE and UNSUBSCRIBE, at most Options.MaxOutstanding (64)
// of them; the oldest is forgotten with mqtt.too_many_outstanding. Acks in
// the other direction are matched: PUBACK or PUBREC to a PUBLISH, PUBREL
// carries on from the PUBREC, PUBCOMP to the PUBREL, SUBACK to SUBSCRIBE,
// UNSUBACK to UNSUBSCRIBE. A publish ack carries its request's topic; a
// SUBACK or UNSUBACK its request's filters in topics (at most 64), with
// its own codes in reason_codes. An ack that matches nothing raises
// mqtt.unmatched_ack only once a request was seen in that direction, and
// after a gap not until the next request.
//
// # Packets
//
// Each complete packet (or the start of a packet too large to keep) is
// decoded from its control octet and body:
//
//   - Fixed header flags: PUBLISH carries DUP, QoS and RETAIN (QoS 3 raises
//     mqtt.invalid_qos; the packet id is still read, as Suricata does);
//     PUBREL, SUBSCRIBE and UNSUBSCRIBE must have 0010 and every other type
//     0000, else mqtt.reserved_flags. Type 0, and type 15 (AUTH) on a
//     connection that is not MQTT 5.0, raise mqtt.reserved_type and are not
//     decoded further.
//   - CONNECT: protocol name and level, connect flags (username, password,
//     will retain, will QoS, will, clean session / clean start; reserved
//     bit 0 set raises mqtt.reserved_flags; will QoS or retain without the
//     will flag is malformed), keep alive, 5.0 properties, client id, will
//     (5.0 will properties, topic, payload length only), username. The
//     password is skipped without being read: nothing derived from it (not
//     even its length) is kept. A name and level other than MQIsdp 3, MQTT
//     4 and MQTT 5 raise mqtt.unknown_version; the packet is then decoded
//     with the 3.x layout unless the level is 5 (what Suricata does), and
//     the level is still the flow's version. A CONNECT sets the Record's
//     ProtocolVersion and ClientID.
//   - CONNACK: session present, return code (3.x) or reason code and
//     properties (5.0). Reserved acknowledge flag bits raise
//     mqtt.reserved_flags (3.1.1 and 5.0; in 3.1 that octet is unused).
//   - PUBLISH: topic name (not empty before 5.0, no wildcards), packet id
//     when QoS > 0, 5.0 properties, payload length. With
//     Options.PayloadPreview > 0 the first bytes of the payload are kept as
//     a preview (see below).
//   - PUBACK, PUBREC, PUBREL, PUBCOMP: packet id; in 5.0 a reason code and
//     properties when the remaining length has them (2 octets: success).
//   - SUBSCRIBE: packet id, 5.0 properties, one or more topic filters with
//     the requested QoS (5.0: no local, retain as published, retain
//     handling; reserved option bits and retain handling 3 are malformed).
//     SUBACK: packet id, 5.0 properties, one or more granted QoS / reason
//     codes (3.x codes other than 0, 1, 2 and 0x80 are malformed).
//     UNSUBSCRIBE: packet id, 5.0 properties, one or more topic filters.
//     UNSUBACK: packet id; in 5.0 properties and one or more reason codes.
//     A filter is a wildcard filter when it holds '#' or '+'; a '#' that is
//     not the whole last level, or a '+' that is not a whole level, is
//     malformed.
//   - PINGREQ, PINGRESP: empty. DISCONNECT and AUTH: in 5.0 an optional
//     reason code (absent: 0) and optional properties; empty before 5.0.
//
// Packet identifiers must not be 0. Strings must be valid UTF-8 without
// U+0000; an invalid string raises mqtt.malformed_packet and is kept as it
// is (JSON output replaces invalid bytes with U+FFFD). Bytes left over
// after a packet's last field, a field running past the packet, a
// variable byte integer over 4 octets and a missing topic filter or
// reason code are malformed as well; the fields decoded before the error
// are kept.
//
// A packet too large to keep is given by its first bytes and its
// remaining length: the fields that are there are decoded, decoding stops
// quietly at the first one that is not, and PUBLISH's payload length comes
// from the remaining length (when the header itself is cut, it counts from
// the last field whose length was read).
//
// MQTT 5.0 properties: each is checked against the packets that may carry
// it (5.0 2.2.2.2); an unknown identifier (the rest of the property block
// is then skipped), a property in a packet that does not allow it, a
// second copy of one that is not repeatable (only user_property, and
// subscription_identifier in PUBLISH, repeat), a 0 where 0 is a protocol
// error (receive_maximum, topic_alias, maximum_packet_size,
// subscription_identifier) and a byte property above 1 are malformed.
// Binary data (correlation_data, authentication_data) keeps its length
// only. At most 256 properties, topic filters and reason codes are kept
// per packet (the rest are still checked).
//
// Without a CONNECT (version 0: the capture started mid-session) a packet
// whose layout differs between versions is decoded as the decoder's guess,
// 3.1.1 at first, and when that fails (malformed, or AUTH) as 5.0; the
// other version is kept only when it decodes cleanly, and then becomes the
// guess for the flow's next packets. Record.DecodedVersion and the JSON
// field protocol_version_guess tell which was used. A PUBLISH decodes
// under both (its payload is opaque), so until another packet has shown
// 5.0 a 5.0 PUBLISH counts its properties as payload. Suricata does not
// guess (it decodes as 3.x); tshark does the same and flags "Unknown
// version".
//
// Strings that repeat (topics, client ids, usernames, filters, property
// strings, previews) are interned per parser (at most 512 of up to 256
// bytes, emptied when full), so steady traffic decodes without allocating.
//
// # JSON
//
// A Record marshals to one object; fields that do not apply are left out.
//
//	type                     string   CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC,
//	                                  PUBREL, PUBCOMP, SUBSCRIBE, SUBACK,
//	                                  UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP,
//	                                  DISCONNECT, AUTH, RESERVED (type 0, and 15
//	                                  before 5.0)
//	protocol_version         number   3 (3.1), 4 (3.1.1), 5 (5.0) or another
//	                                  level: the flow's CONNECT; absent before one
//	protocol_version_guess   number   4 or 5: the version a packet was decoded as
//	                                  without a CONNECT
//	client_id                string   the flow's client id, when known and not empty
//	dup, qos, retain         bool, number, bool   PUBLISH fixed header
//	packet_id                number   packets that carry one
//	protocol_name            string   CONNECT: "MQTT", "MQIsdp", ...
//	clean_session            bool     CONNECT (clean start in 5.0)
//	keep_alive               number   CONNECT, seconds
//	will                     object   CONNECT with a will: {topic, qos, retain,
//	                                  payload_length, properties (5.0)}
//	username                 string   CONNECT with a username
//	username_present         bool     CONNECT
//	password_present         bool     CONNECT (the password is never emitted)
//	plaintext_credentials    bool     CONNECT: a username or password was sent
//	                                  unencrypted
//	anonymous                bool     CONNECT with neither username nor password
//	session_present          bool     CONNACK
//	return_code              number   CONNACK before 5.0
//	reason_code              number   5.0 CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP,
//	                                  DISCONNECT, AUTH
//	reason                   string   the return or reason code's name (below)
//	topic                    string   PUBLISH (always, may be ""); acks that carry
//	                                  their PUBLISH's topic
//	payload_length           number   PUBLISH
//	payload_preview          string   PUBLISH with a preview
//	payload_preview_encoding string   "utf-8" (valid, printable UTF-8 text; tab,
//	                                  CR, LF allowed) or "hex" (lower-case hex of
//	                                  the bytes); at most Options.PayloadPreview
//	                                  bytes (a rune cut by the cap is dropped)
//	topics                   [object] SUBSCRIBE, UNSUBSCRIBE, and acks that carry
//	                                  their request's filters: {filter, wildcard,
//	                                  qos (SUBSCRIBE, SUBACK), no_local,
//	                                  retain_as_published, retain_handling (5.0
//	                                  SUBSCRIBE, SUBACK)}
//	reason_codes             [number] SUBACK (granted QoS or reason codes), 5.0
//	                                  UNSUBACK
//	reasons                  [string] names of reason_codes, in order
//	properties               object   5.0 properties, keyed by name in order of
//	                                  first appearance: numbers for integer
//	                                  properties, strings for strings;
//	                                  correlation_data and authentication_data as
//	                                  <name>_length (number of bytes);
//	                                  subscription_identifier as an array of
//	                                  numbers (it repeats in PUBLISH);
//	                                  user_property as "user_properties":
//	                                  [{key, value}]. A repeated non-repeatable
//	                                  property shows its first value.
//
// # Names
//
// CONNACK return codes (3.1, 3.1.1): connection_accepted (0),
// unacceptable_protocol_version, identifier_rejected, server_unavailable,
// bad_username_or_password, not_authorized (5); unknown above. SUBACK
// return codes (3.x): granted_qos_0, granted_qos_1, granted_qos_2,
// failure (0x80).
//
// MQTT 5.0 reason codes: 0x00 success (normal_disconnection in
// DISCONNECT, granted_qos_0 in SUBACK), 0x01 granted_qos_1, 0x02
// granted_qos_2, 0x04 disconnect_with_will_message, 0x10
// no_matching_subscribers, 0x11 no_subscription_existed, 0x18
// continue_authentication, 0x19 re_authenticate, 0x80 unspecified_error,
// 0x81 malformed_packet, 0x82 protocol_error, 0x83
// implementation_specific_error, 0x84 unsupported_protocol_version, 0x85
// client_identifier_not_valid, 0x86 bad_user_name_or_password, 0x87
// not_authorized, 0x88 server_unavailable, 0x89 server_busy, 0x8A banned,
// 0x8B server_shutting_down, 0x8C bad_authentication_method, 0x8D
// keep_alive_timeout, 0x8E session_taken_over, 0x8F topic_filter_invalid,
// 0x90 topic_name_invalid, 0x91 packet_identifier_in_use, 0x92
// packet_identifier_not_found, 0x93 receive_maximum_exceeded, 0x94
// topic_alias_invalid, 0x95 packet_too_large, 0x96 message_rate_too_high,
// 0x97 quota_exceeded, 0x98 administrative_action, 0x99
// payload_format_invalid, 0x9A retain_not_supported, 0x9B
// qos_not_supported, 0x9C use_another_server, 0x9D server_moved, 0x9E
// shared_subscriptions_not_supported, 0x9F connection_rate_exceeded, 0xA0
// maximum_connect_time, 0xA1 subscription_identifiers_not_supported, 0xA2
// wildcard_subscriptions_not_supported. A code the standard does not
// define for the packet is named unknown (no anomaly).
//
// MQTT 5.0 properties (identifier, name, type): 0x01
// payload_format_indicator (byte), 0x02 message_expiry_interval (four
// byte), 0x03 content_type (string), 0x08 response_topic (string), 0x09
// correlation_data (binary), 0x0B subscription_identifier (variable byte
// integer), 0x11 session_expiry_interval (four byte), 0x12
// assigned_client_identifier (string), 0x13 server_keep_alive (two byte),
// 0x15 authentication_method (string), 0x16 authentication_data
// (binary), 0x17 request_problem_information (byte), 0x18
// will_delay_interval (four byte), 0x19 request_response_information
// (byte), 0x1A response_information (string), 0x1C server_reference
// (string), 0x1F reason_string (string), 0x21 receive_maximum (two
// byte), 0x22 topic_alias_maximum (two byte), 0x23 topic_alias (two
// byte), 0x24 maximum_qos (byte), 0x25 retain_available (byte), 0x26
// user_property (string pair), 0x27 maximum_packet_size (four byte), 0x28
// wildcard_subscription_available (byte), 0x29
// subscription_identifier_available (byte), 0x2A
// shared_subscription_available (byte).
//
// # Anomalies
//
// Anomaly events follow the packet's Record, one per kind; the names and
// their meaning are listed in Anomalies: mqtt.malformed_remaining_length,
// mqtt.message_too_large, mqtt.missing_connect, mqtt.double_connect,
// mqtt.invalid_qos, mqtt.reserved_type, mqtt.reserved_flags,
// mqtt.unknown_version, mqtt.too_many_outstanding, mqtt.unmatched_ack,
// mqtt.malformed_packet.
package mqtt
