package mqtt

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/finding"
)

// Anomaly names raised by this package (dissectors.Anomaly.Name).
const (
	AnomalyMalformedRemainingLength = "mqtt.malformed_remaining_length"
	AnomalyMessageTooLarge          = "mqtt.message_too_large"
	AnomalyMissingConnect           = "mqtt.missing_connect"
	AnomalyDoubleConnect            = "mqtt.double_connect"
	AnomalyInvalidQoS               = "mqtt.invalid_qos"
	AnomalyReservedType             = "mqtt.reserved_type"
	AnomalyReservedFlags            = "mqtt.reserved_flags"
	AnomalyUnknownVersion           = "mqtt.unknown_version"
	AnomalyTooManyOutstanding       = "mqtt.too_many_outstanding"
	AnomalyUnmatchedAck             = "mqtt.unmatched_ack"
	AnomalyMalformedPacket          = "mqtt.malformed_packet"
)

// Anomalies is the documented list of anomalies this package raises, in a
// stable order. It is documentation: changing it does not change parsing.
var Anomalies = []dissectors.AnomalyInfo{
	{Name: AnomalyMalformedRemainingLength, Description: "The remaining length field runs over 4 octets (or a fifth octet would be needed); the stream cannot be framed and the rest of the flow direction is dropped until a gap."},
	{Name: AnomalyMessageTooLarge, Description: "A packet whose remaining length is above Options.MaxMessage; its header is decoded and the rest is skipped as it arrives, not buffered."},
	{Name: AnomalyMissingConnect, Description: "A packet before the session's CONNECT on a connection whose TCP handshake was captured, or a CONNACK without a CONNECT on any connection (a capture that starts mid-session is otherwise not judged); once per flow."},
	{Name: AnomalyDoubleConnect, Description: "A second CONNECT on the same connection (a protocol violation: the broker must close the connection)."},
	{Name: AnomalyInvalidQoS, Description: "QoS 3 in a PUBLISH, a will or a subscription."},
	{Name: AnomalyReservedType, Description: "Packet type 0, or 15 (AUTH) on a connection that is not MQTT 5.0."},
	{Name: AnomalyReservedFlags, Description: "Fixed header flags other than those the packet type requires (0010 for PUBREL, SUBSCRIBE, UNSUBSCRIBE; 0000 for the others but PUBLISH), or reserved CONNECT flags."},
	{Name: AnomalyUnknownVersion, Description: "A CONNECT whose protocol name and level are not MQIsdp 3, MQTT 4 or MQTT 5."},
	{Name: AnomalyTooManyOutstanding, Description: "More than Options.MaxOutstanding requests (PUBLISH QoS > 0, PUBREL, SUBSCRIBE, UNSUBSCRIBE) awaiting their ack in one direction of a flow; the oldest is forgotten."},
	{Name: AnomalyUnmatchedAck, Description: "An ack whose packet id matches no outstanding request, once a request was seen in the other direction (acks of requests sent before the capture started are not flagged)."},
	{Name: AnomalyMalformedPacket, Description: "A packet whose variable header or payload does not parse: a length past the packet's end, invalid UTF-8 where the protocol wants it, a property ID that does not exist or appears twice where that is not allowed, a missing packet id or topic filter."},
}

// anomaly indexes the kinds above; the order matches Anomalies.
type anomaly = finding.Kind

const (
	anMalformedRemainingLength anomaly = iota
	anMessageTooLarge
	anMissingConnect
	anDoubleConnect
	anInvalidQoS
	anReservedType
	anReservedFlags
	anUnknownVersion
	anTooManyOutstanding
	anUnmatchedAck
	anMalformedPacket
	numAnomalies
)

// findings collects the anomalies of one packet: at most one of each kind,
// with the first constant detail given for it.
type findings = finding.Set
