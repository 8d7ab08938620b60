package alerts

import (
	"fmt"
	"strings"
	"time"
)

// DetectionInfo documents one built-in detection: the rule name alerts
// carry and their defaults. A detection may raise some alerts with another
// title, severity or technique than its defaults; Description says when.
type DetectionInfo struct {
	Rule        string
	Title       string
	Severity    Severity
	Engine      string
	Category    string
	MITRE       *Technique
	Description string
}

// MITRE ATT&CK for ICS techniques the detections name.
var (
	techProgramDownload = &Technique{ID: "T0843", Name: "Program Download"}
	techModuleFirmware  = &Technique{ID: "T0839", Name: "Module Firmware"}
	techDeviceRestart   = &Technique{ID: "T0816", Name: "Device Restart/Shutdown"}
	techServiceStop     = &Technique{ID: "T0881", Name: "Service Stop"}
	techBlockReporting  = &Technique{ID: "T0804", Name: "Block Reporting Message"}
	techValidAccounts   = &Technique{ID: "T0859", Name: "Valid Accounts"}
	techRemoteDiscovery = &Technique{ID: "T0846", Name: "Remote System Discovery"}
	techConnEnumeration = &Technique{ID: "T0840", Name: "Network Connection Enumeration"}
	techUnauthorizedCmd = &Technique{ID: "T0855", Name: "Unauthorized Command Message"}
	techAutoCollection  = &Technique{ID: "T0802", Name: "Automated Collection"}
	techAdversaryMiddle = &Technique{ID: "T0830", Name: "Adversary-in-the-Middle"}
)

// rule indexes Detections.
type rule uint8

// The detections, in the order of Detections.
const (
	ruleProtocolViolation rule = iota
	ruleModbusProgramming
	ruleModbusExceptions
	ruleModbusUnitScan
	ruleDNP3Restart
	ruleDNP3StopApplication
	ruleDNP3InitializeData
	ruleDNP3DisableUnsolicited
	ruleDNP3FileOperation
	ruleDNP3ActivateConfig
	ruleDNP3DeviceTrouble
	ruleDNP3DeviceRestarted
	ruleMQTTAnonymous
	ruleMQTTPlaintextCredentials
	ruleTLSWeakVersion
	ruleTLSWeakCipher
	ruleTLSCertificateValidity
	ruleTLSSelfSigned
	rulePortScan
	ruleAddressScan
	rulePolicyNewDevice
	rulePolicyNewLink
	rulePolicyModbusFunction
	rulePolicyModbusAddress
	rulePolicyIdentityChange
	rulePolicyDNP3Function
	rulePolicyMQTTClientID
	rulePolicyMQTTWildcard
	rulePolicyTLSFingerprint
	rulePolicyTLSCertificate
	rulePolicyChannelInactive
	rulePolicyDeviceSilent
	ruleSensorSinkFailing
	ruleSensorOutboxDropped
	ruleSensorNoTraffic
	ruleSensorTrafficResumed
	numRules
)

// Detections is the catalogue of built-in detections, in a stable order.
// It is documentation, and the defaults alerts take: changing a field
// here changes the alerts raised from then on.
var Detections = []DetectionInfo{
	{"protocol.violation", "Protocol violation", Medium, EngineProtocol, "protocol_violation", nil,
		"A dissector found malformed or non-conforming traffic (any dissector anomaly but the sensor's own stream.* and app.*). One alert per flow and anomaly name, titled with the name. Severity medium; high for tls.heartbeat (the Heartbleed vector); low for anomalies that a capture starting mid-session or losing packets also causes, or that report a cap (modbus.unmatched_response, modbus.too_many_outstanding, dnp3.missing_first_fragment, dnp3.too_many_points, mqtt.unmatched_ack, mqtt.too_many_outstanding)."},
	{"modbus.programming", "Modbus PLC programming operation", High, EngineOperational, "program_change", techProgramDownload,
		"A Modbus request with a programming function code: 90 (Schneider UMAS), 40 (Modicon program, Concept), 125 (firmware replacement) or 126 (remote programming). One alert per client, server and function code. T0843 Program Download; T0839 Module Firmware for 125 and 126."},
	{"modbus.exceptions", "Excessive Modbus exception responses", Medium, EngineAnomaly, "abnormal_behavior", nil,
		"At least Config.ModbusExceptions (default 20) exception responses within Config.ModbusExceptionWindow (default 1 minute) from one server to one client: a client probing functions or addresses the server does not have, or a failing device. One alert per client and server; each exception while above the rate counts."},
	{"modbus.unit_id_scan", "Modbus unit id scan", Medium, EngineAnomaly, "scan", techRemoteDiscovery,
		"One client sends requests with at least Config.UnitScanIDs (default 20) distinct unit ids to one server within Config.UnitScanWindow (default 2 minutes): discovery of the devices behind a gateway. One alert per client and server; each further new unit id counts."},
	{"dnp3.restart", "DNP3 restart command", High, EngineOperational, "restart_stop", techDeviceRestart,
		"A DNP3 cold restart (13) or warm restart (14) request. One alert per master, outstation (IP, port and link address) and function code, titled with the restart kind."},
	{"dnp3.stop_application", "DNP3 stop application command", High, EngineOperational, "restart_stop", techServiceStop,
		"A DNP3 stop application (18) request. One alert per master and outstation."},
	{"dnp3.initialize_data", "DNP3 initialize data command", Medium, EngineOperational, "restart_stop", nil,
		"A DNP3 initialize data (15) request: the outstation resets its data to initial values. One alert per master and outstation."},
	{"dnp3.disable_unsolicited", "DNP3 disable unsolicited responses", Medium, EngineOperational, "abnormal_behavior", techBlockReporting,
		"A DNP3 disable unsolicited (21) request: the outstation stops reporting events on its own. One alert per master and outstation."},
	{"dnp3.file_operation", "DNP3 file operation", High, EngineOperational, "program_change", techProgramDownload,
		"A DNP3 file transfer request: open (25), close (26), delete (27), get file info (28), authenticate (29) or abort (30) file, the way configurations and programs are moved to an outstation. One alert per master, outstation and function code, titled with the operation."},
	{"dnp3.activate_config", "DNP3 activate configuration", High, EngineOperational, "program_change", techProgramDownload,
		"A DNP3 activate configuration (31) request: the outstation switches to a configuration that was downloaded. One alert per master and outstation."},
	{"dnp3.device_trouble", "DNP3 outstation reports device trouble", Medium, EngineOperational, "device_health", nil,
		"A DNP3 response with IIN1.6 device trouble set: the outstation reports an abnormal condition. One alert per outstation (IP, port, link address) and master."},
	{"dnp3.device_restarted", "DNP3 outstation restarted", Low, EngineOperational, "restart_stop", nil,
		"A DNP3 response with IIN1.7 device restart set: the outstation restarted and its master has not cleared the bit yet. One alert per outstation and master."},
	{"mqtt.anonymous_connect", "MQTT anonymous connection", Medium, EngineAnomaly, "authentication", nil,
		"An MQTT CONNECT with neither user name nor password: the broker is reachable without credentials if it accepts it. One alert per client and broker."},
	{"mqtt.plaintext_credentials", "MQTT credentials sent in plaintext", Medium, EngineAnomaly, "authentication", techValidAccounts,
		"An MQTT CONNECT carrying a user name or password over plain TCP: anyone on the path can read them and reuse them as valid accounts (T0859). One alert per client and broker."},
	{"tls.weak_version", "TLS version below 1.2 negotiated", Medium, EngineAnomaly, "weak_encryption", nil,
		"A TLS handshake that negotiated SSL 2.0, SSL 3.0, TLS 1.0 or TLS 1.1. One alert per client, server and version, titled with the version."},
	{"tls.weak_cipher", "Weak TLS cipher suite negotiated", High, EngineAnomaly, "weak_encryption", nil,
		"A TLS handshake that negotiated a suite without encryption or authentication or with a broken cipher: its IANA name contains _NULL_, EXPORT, _anon_, RC4, 3DES or _DES_. One alert per client, server and suite, titled with the suite."},
	{"tls.certificate_validity", "TLS server certificate expired or not yet valid", Medium, EngineAnomaly, "certificate", nil,
		"The server's leaf certificate is expired (NotAfter before the packet time) or not yet valid (NotBefore after it). One alert per server and certificate fingerprint."},
	{"tls.self_signed_certificate", "Self-signed TLS server certificate", Low, EngineAnomaly, "certificate", nil,
		"The server's leaf certificate is self-signed: clients cannot authenticate the server unless they pin it. One alert per server and certificate fingerprint."},
	{"scan.port", "Port scan", Medium, EngineAnomaly, "scan", techConnEnumeration,
		"One source opens flows to at least Config.PortScanPorts (default 25) distinct ports (TCP and UDP counted apart) of one destination within Config.PortScanWindow (default 2 minutes). One alert per source and destination; each further new port counts."},
	{"scan.address", "Address scan", Medium, EngineAnomaly, "scan", techRemoteDiscovery,
		"One source opens flows (any IP protocol) to at least Config.AddressScanHosts (default 50) distinct unicast destinations within Config.AddressScanWindow (default 2 minutes). One alert per source; each further new destination counts."},
	{"policy.new_device", "New device", Medium, EnginePolicy, "new_asset", nil,
		"Operational baseline only: a station (an IP address that is not unspecified, multicast or the broadcast) the baseline does not hold takes part in a new flow, as client or server. One alert per IP address; Source is the new device, Destination the other end of that flow. The device is then learnt with its own learning window (Config.DeviceLearning, default 7 days of packet time), during which its new links are learnt without alerts. No technique: a new device is a rogue master (T0848) only if it acts as one."},
	{"policy.new_link", "New link", Medium, EnginePolicy, "new_activity", nil,
		"Operational baseline only: a new flow on a link (client, server, transport, server port) the baseline does not hold, between two stations neither of which is inside its own learning window. When both ends use the same port and no TCP SYN tells who opened the flow, the link's client is the lower address, so that the order of packets does not make a link new. Titled \"New port\" when the baseline holds other links from that client to that server. One alert per client, server, transport and port; the link is then learnt."},
	{"policy.modbus_function", "Modbus function code not in the baseline", Medium, EnginePolicy, "unauthorized_operation", techUnauthorizedCmd,
		"Operational baseline only: a Modbus request with a function code the baseline does not hold for that client, server and unit id. High for write codes (5, 6, 15, 16, 22, 23), titled \"Modbus write from a client that never wrote\" when no learnt link of the client wrote; medium otherwise. Titled with the function. Silent while the client or the server is inside its own learning window. One alert per client, server (IP and port), unit id and function code; the code is then learnt."},
	{"policy.modbus_address", "Modbus address range not in the baseline", Medium, EnginePolicy, "unauthorized_operation", nil,
		"Operational baseline only: a Modbus request with a learnt function code whose address range (address and quantity; both parts of FC 23) lies outside every range learnt for that client, server, unit id and function code. The baseline keeps up to 8 ranges per code, merging overlapping and adjacent ones (and, beyond 8, the two closest). One alert per client, server, unit id, function code and range; the range is then learnt."},
	{"policy.identity_change", "Device identity changed", High, EnginePolicy, "firmware_change", techModuleFirmware,
		"Operational baseline only: a Modbus Read Device Identification response (43/14: vendor name, product code, revision) or a DNP3 response with group 0 attributes (vendor, model, software version, hardware version) reports a value that differs from the one learnt for that server and unit id or link address: a firmware update or a replaced device. Fields missing from either side are not compared. Titled with the fields that changed. One alert per server, address and new identity; the new identity is then learnt."},
	{"policy.dnp3_function", "DNP3 function code not in the baseline", Medium, EnginePolicy, "unauthorized_operation", techUnauthorizedCmd,
		"Operational baseline only: a DNP3 request with a function code the baseline does not hold for that master IP, outstation IP and outstation link address. High for control functions (select, operate, direct operate with and without ack: 3-6), freezes (7-12), restarts (13, 14), initialize data and application (15-18), save configuration (19) and file operations and activate configuration (25-31); medium otherwise. Titled \"from a master that never operated this outstation\" for 3-6 when that master has no learnt control function toward it. One alert per master, outstation, link address and function code; the code is then learnt."},
	{"policy.mqtt_client_id", "New MQTT client id", Medium, EnginePolicy, "new_activity", nil,
		"Operational baseline only: a packet from an MQTT client whose client id the baseline does not hold for that broker (IP). Empty client ids are not compared. One alert per client host, broker and client id; the client id is then learnt."},
	{"policy.mqtt_wildcard", "MQTT wildcard subscription from a new subscriber", High, EnginePolicy, "abnormal_behavior", techAutoCollection,
		"Operational baseline only: a SUBSCRIBE with a multi-level wildcard filter (\"#\" or ending in \"/#\") that the client id never subscribed with at that broker: a client collecting everything published. One alert per client host, broker, client id and filter; the filter is then learnt."},
	{"policy.tls_fingerprint", "New TLS client fingerprint on a known device", Medium, EnginePolicy, "new_activity", nil,
		"Operational baseline only: a TLS ClientHello from a client whose learnt fingerprints do not include its JA3 hash or its JA4 (another TLS stack or tool on a known device). Clients without learnt fingerprints raise nothing. One alert per client and JA3/JA4 pair; both are then learnt."},
	{"policy.tls_certificate", "TLS server presents a new certificate", Medium, EnginePolicy, "certificate", techAdversaryMiddle,
		"Operational baseline only: a server (IP and port) with learnt certificates presents a leaf certificate (SHA-256 fingerprint) it never presented: a renewal, or an interception. One alert per server and fingerprint; the certificate is then learnt."},
	{"policy.channel_inactive", "Communication channel inactive", Medium, EngineOperational, "device_health", nil,
		"Operational baseline only: a polling link (client, server, transport, server port) stays silent, no packet either way, for longer than max(3 x its learnt period, Config.ChannelInactiveMin, default 2 minutes) of packet time. The period is learnt in learning mode from the gaps between the link's activity in flow updates (flows, and reports of long flows); a link is polling after 8 gaps deviating by at most half the period on average, and is not watched when it was silent beyond its threshold while learning. Silence counts from the link's last activity seen by the engine, or the start of its input. Engine operational, as Defender for IoT: a stopped poll is a plant problem first. One alert per link, raised once per silence; activity on the link re-arms it and the next silence aggregates into it."},
	{"policy.device_silent", "Device is silent", Medium, EngineOperational, "device_health", nil,
		"Operational baseline only: a host that is an end of a polling link (see policy.channel_inactive) and was never silent longer than Config.DeviceSilence (default 10 minutes) while learning sends no packet for longer than that: a PLC that stopped answering its master, or a master that stopped. Silence counts from the host's last packet seen by the engine, or the start of its input. One alert per host, raised once per silence; a packet from the host re-arms it."},
	{"sensor.sink_failing", "Forwarding to a sink fails", High, EngineOperational, "sensor_health", nil,
		"A sink (Event Hubs, Kafka, MQTT, syslog, webhook, file) refuses what the sensor forwards with an error retrying will not fix: bad credentials, an unknown hub, topic or path, a refused certificate. Raised by the forwarder, with the sensor's clock, once per sink and error; what the sink did not take stays in the outbox until it works again or the outbox's size cap drops it."},
	{"sensor.outbox_dropped", "Outbox full: messages dropped", High, EngineOperational, "sensor_health", nil,
		"The outbox reached its size cap while a sink could not deliver: the oldest messages were dropped for that sink. The evidence counts them. One alert per sink, aggregated while drops go on."},
	{"sensor.no_traffic", "No traffic on a capture interface", High, EngineOperational, "sensor_health", nil,
		"Live capture: an interface saw no packet for the configured quiet time (default 5 minutes of the sensor's clock): a SPAN session removed, a cable pulled, a switch reconfigured. One alert per interface, aggregated each time it goes quiet again."},
	{"sensor.traffic_resumed", "Traffic resumed on a capture interface", Low, EngineOperational, "sensor_health", nil,
		"Live capture: a quiet interface (sensor.no_traffic) sees packets again; the evidence says how long it was quiet."},
}

// SensorAlert makes an alert about the sensor itself (forwarding, capture),
// raised outside the engine with the sensor's clock at t: rule is one of
// the sensor.* detections, key tells its cause apart (e.g. the sink's
// name), evidence is marshalled as the alert's evidence.
func SensorAlert(rule, key, title string, t time.Time, ev map[string]any) (*Alert, error) {
	for i := range Detections {
		info := &Detections[i]
		if info.Rule != rule || !strings.HasPrefix(rule, "sensor.") {
			continue
		}
		if title == "" {
			title = info.Title
		}
		return &Alert{V: SchemaVersion, ID: makeID(rule, key), Rule: rule, Title: title, Severity: info.Severity,
			Engine: info.Engine, Category: info.Category, First: t, Last: t, Count: 1, State: StateNew,
			Evidence: evidence(ev)}, nil
	}
	return nil, fmt.Errorf("no sensor detection %q", rule)
}

func (r rule) info() *DetectionInfo { return &Detections[r] }
