package mqtt

// connectReturnName names a MQTT 3.1 / 3.1.1 CONNACK return code
// (3.1.1 3.2.2.3); codes 6-255 are reserved: "unknown".
func connectReturnName(code uint8) string {
	switch code {
	case 0:
		return "connection_accepted"
	case 1:
		return "unacceptable_protocol_version"
	case 2:
		return "identifier_rejected"
	case 3:
		return "server_unavailable"
	case 4:
		return "bad_username_or_password"
	case 5:
		return "not_authorized"
	}
	return "unknown"
}

// subackReturnName names a MQTT 3.1 / 3.1.1 SUBACK return code.
func subackReturnName(code uint8) string {
	switch code {
	case 0:
		return "granted_qos_0"
	case 1:
		return "granted_qos_1"
	case 2:
		return "granted_qos_2"
	case 0x80:
		return "failure"
	}
	return "unknown"
}

// Packets a MQTT 5.0 reason code is defined for (bit = 1 << PacketType).
const (
	rcConnAck    = 1 << ConnAck
	rcPubAck     = 1 << PubAck
	rcPubRec     = 1 << PubRec
	rcPubRel     = 1 << PubRel
	rcPubComp    = 1 << PubComp
	rcSubAck     = 1 << SubAck
	rcUnsubAck   = 1 << UnsubAck
	rcDisconnect = 1 << Disconnect
	rcAuth       = 1 << Auth
	rcErrAcks    = rcConnAck | rcPubAck | rcPubRec | rcSubAck | rcUnsubAck | rcDisconnect
)

type reasonInfo struct {
	name    string
	packets uint16
}

// reasons5 lists the MQTT 5.0 reason codes (5.0 2.4, table 2-6) other
// than 0x00, whose name depends on the packet.
var reasons5 = [256]reasonInfo{
	0x01: {"granted_qos_1", rcSubAck},
	0x02: {"granted_qos_2", rcSubAck},
	0x04: {"disconnect_with_will_message", rcDisconnect},
	0x10: {"no_matching_subscribers", rcPubAck | rcPubRec},
	0x11: {"no_subscription_existed", rcUnsubAck},
	0x18: {"continue_authentication", rcAuth},
	0x19: {"re_authenticate", rcAuth},
	0x80: {"unspecified_error", rcErrAcks},
	0x81: {"malformed_packet", rcConnAck | rcDisconnect},
	0x82: {"protocol_error", rcConnAck | rcDisconnect},
	0x83: {"implementation_specific_error", rcErrAcks},
	0x84: {"unsupported_protocol_version", rcConnAck},
	0x85: {"client_identifier_not_valid", rcConnAck},
	0x86: {"bad_user_name_or_password", rcConnAck},
	0x87: {"not_authorized", rcErrAcks},
	0x88: {"server_unavailable", rcConnAck},
	0x89: {"server_busy", rcConnAck | rcDisconnect},
	0x8A: {"banned", rcConnAck},
	0x8B: {"server_shutting_down", rcDisconnect},
	0x8C: {"bad_authentication_method", rcConnAck | rcDisconnect},
	0x8D: {"keep_alive_timeout", rcDisconnect},
	0x8E: {"session_taken_over", rcDisconnect},
	0x8F: {"topic_filter_invalid", rcSubAck | rcUnsubAck | rcDisconnect},
	0x90: {"topic_name_invalid", rcConnAck | rcPubAck | rcPubRec | rcDisconnect},
	0x91: {"packet_identifier_in_use", rcPubAck | rcPubRec | rcSubAck | rcUnsubAck},
	0x92: {"packet_identifier_not_found", rcPubRel | rcPubComp},
	0x93: {"receive_maximum_exceeded", rcDisconnect},
	0x94: {"topic_alias_invalid", rcDisconnect},
	0x95: {"packet_too_large", rcConnAck | rcDisconnect},
	0x96: {"message_rate_too_high", rcDisconnect},
	0x97: {"quota_exceeded", rcConnAck | rcPubAck | rcPubRec | rcSubAck | rcDisconnect},
	0x98: {"administrative_action", rcDisconnect},
	0x99: {"payload_format_invalid", rcConnAck | rcPubAck | rcPubRec | rcDisconnect},
	0x9A: {"retain_not_supported", rcConnAck | rcDisconnect},
	0x9B: {"qos_not_supported", rcConnAck | rcDisconnect},
	0x9C: {"use_another_server", rcConnAck | rcDisconnect},
	0x9D: {"server_moved", rcConnAck | rcDisconnect},
	0x9E: {"shared_subscriptions_not_supported", rcSubAck | rcDisconnect},
	0x9F: {"connection_rate_exceeded", rcConnAck | rcDisconnect},
	0xA0: {"maximum_connect_time", rcDisconnect},
	0xA1: {"subscription_identifiers_not_supported", rcSubAck | rcDisconnect},
	0xA2: {"wildcard_subscriptions_not_supported", rcSubAck | rcDisconnect},
}

// reasonName5 names MQTT 5.0 reason code code in a packet of type t:
// "unknown" when the code is not defined for that packet.
func reasonName5(t PacketType, code uint8) string {
	if code == 0 {
		switch t {
		case Disconnect:
			return "normal_disconnection"
		case SubAck:
			return "granted_qos_0"
		case ConnAck, PubAck, PubRec, PubRel, PubComp, UnsubAck, Auth:
			return "success"
		}
		return "unknown"
	}
	ri := reasons5[code]
	if ri.packets&(1<<t) == 0 {
		return "unknown"
	}
	return ri.name
}

// ReasonName names a return or reason code of a packet of type t decoded
// as protocol level version (5: MQTT 5.0 reason codes; otherwise CONNACK
// and SUBACK return codes of 3.1 and 3.1.1). Codes not defined for the
// packet are "unknown".
func ReasonName(t PacketType, version uint8, code uint8) string {
	if version == 5 {
		return reasonName5(t, code)
	}
	switch t {
	case ConnAck:
		return connectReturnName(code)
	case SubAck:
		return subackReturnName(code)
	}
	return "unknown"
}
