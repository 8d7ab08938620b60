package alerts

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// ErrNotPolicy is returned by LearnAlert for an alert that is not a
// built-in policy detection: it describes no deviation from the baseline
// that could be learnt.
var ErrNotPolicy = errors.New("only policy alerts describe a deviation from the baseline: ack or mute it instead")

// learnEvidence is what LearnAlert reads from the evidence of a policy
// alert: the fields of the event records (as the dissectors write them)
// and of the detections' own evidence that name the cause.
type learnEvidence struct {
	LearningUntil time.Time `json:"learning_until"`
	Flow          *struct {
		Transport string `json:"transport"`
	} `json:"flow"`
	Modbus *struct {
		UnitID       uint8   `json:"unit_id"`
		FunctionCode uint8   `json:"function_code"`
		Address      *uint16 `json:"address"`
		Quantity     *uint16 `json:"quantity"`
		ReadAddress  *uint16 `json:"read_address"`
		ReadQuantity *uint16 `json:"read_quantity"`
	} `json:"modbus"`
	Range *AddressRange `json:"range"`
	DNP3  *struct {
		Dst          uint16 `json:"dst"`
		FunctionCode *uint8 `json:"function_code"`
	} `json:"dnp3"`
	Learnt   *BaselineIdentity `json:"learnt"`
	Reported *BaselineIdentity `json:"reported"`
	MQTT     *struct {
		ClientID string `json:"client_id"`
	} `json:"mqtt"`
	Filter *string `json:"filter"`
	JA3    *struct {
		Hash string `json:"hash"`
	} `json:"ja3"`
	JA4         string `json:"ja4"`
	Fingerprint string `json:"fingerprint_sha256"`
}

// LearnAlert adds the cause of the policy alert a to the baseline, as if
// it had been seen while learning: the new device (policy.new_device);
// the link with its transport, port and application protocol, and its two
// ends (policy.new_link); the function code and the request's address
// ranges (policy.modbus_function) or the address range
// (policy.modbus_address) for that client, server and unit; the DNP3
// function code for that master, outstation and link address; the
// reported identity (policy.identity_change); the MQTT client id at that
// broker, or the wildcard filter for that client id; the client's TLS
// fingerprints; the server's certificate. It reads the alert's Source,
// Destination, AppProto and Evidence, and the packet times of what it
// learns are the alert's First and Last. A host learnt here has no
// learning window of its own, but a new device takes the one its alert
// gave it (until the evidence's learning_until), as the engine does; one
// the baseline holds keeps its own.
//
// It returns an error wrapping ErrNotPolicy for alerts of other rules
// (custom rules included), and an error when the evidence lacks what the
// rule needs or the baseline is full. Save the baseline afterwards
// (Store.SaveBaseline).
func (b *Baseline) LearnAlert(a *Alert) error {
	if a == nil {
		return errors.New("learn alert: no alert")
	}
	if err := b.learnAlert(a); err != nil {
		return fmt.Errorf("learn alert %s (%s): %w", a.ID, a.Rule, err)
	}
	return nil
}

func (b *Baseline) learnAlert(a *Alert) error {
	learner := policyLearner(a.Rule)
	if learner == nil {
		return ErrNotPolicy
	}
	var ev learnEvidence
	if len(a.Evidence) > 0 {
		if err := json.Unmarshal(a.Evidence, &ev); err != nil {
			return fmt.Errorf("evidence: %w", err)
		}
	}
	t := a.First
	if t.IsZero() {
		t = a.Last
	}
	return learner(b, a, &ev, t)
}

// policyLearner returns the function that learns the cause of the
// built-in policy detection named rule, nil for other rules.
func policyLearner(rule string) func(b *Baseline, a *Alert, ev *learnEvidence, t time.Time) error {
	switch rule {
	case "policy.new_device":
		return learnNewDevice
	case "policy.new_link":
		return learnNewLink
	case "policy.modbus_function":
		return learnModbusFunction
	case "policy.modbus_address":
		return learnModbusAddress
	case "policy.dnp3_function":
		return learnDNP3Function
	case "policy.identity_change":
		return learnIdentityChange
	case "policy.mqtt_client_id":
		return learnMQTTClientID
	case "policy.mqtt_wildcard":
		return learnMQTTWildcard
	case "policy.tls_fingerprint":
		return learnTLSFingerprint
	case "policy.tls_certificate":
		return learnTLSCertificate
	}
	return nil
}

// endpointHost returns ep's unmapped address, or an error naming side
// when it is not a station.
func endpointHost(ep Endpoint, side string) (netip.Addr, error) {
	ip := ep.IP.Unmap()
	if !station(ip) {
		return netip.Addr{}, fmt.Errorf("%s %v is not a station", side, ep.IP)
	}
	return ip, nil
}

// learnHostOf learns the host ip seen at t; an error when the baseline is
// full.
func (b *Baseline) learnHostOf(ip netip.Addr, t time.Time) error {
	b.learnHost(ip, t)
	if b.hosts[ip] == nil {
		return fmt.Errorf("host %v not learnt: the baseline holds its maximum of hosts", ip)
	}
	return nil
}

func learnNewDevice(b *Baseline, a *Alert, ev *learnEvidence, t time.Time) error {
	ip, err := endpointHost(a.Source, "device")
	if err != nil {
		return err
	}
	if h := b.hosts[ip]; h != nil {
		h.see(t)
		return nil
	}
	// The window the alert gave the device: its own behaviour is learnt
	// until then, as when the engine learnt it.
	if b.addHost(ip, t, ev.LearningUntil) == nil {
		return fmt.Errorf("host %v not learnt: the baseline holds its maximum of hosts", ip)
	}
	return nil
}

func learnNewLink(b *Baseline, a *Alert, ev *learnEvidence, t time.Time) error {
	if ev.Flow == nil {
		return errors.New("evidence has no flow transport")
	}
	tr, ok := parseTransport(ev.Flow.Transport)
	if !ok {
		return fmt.Errorf("evidence flow transport %q", ev.Flow.Transport)
	}
	c, err := endpointHost(a.Source, "client")
	if err != nil {
		return err
	}
	s, err := endpointHost(a.Destination, "server")
	if err != nil {
		return err
	}
	if err := b.learnHostOf(c, t); err != nil {
		return err
	}
	if err := b.learnHostOf(s, t); err != nil {
		return err
	}
	k := blLinkKey{client: c, server: s, transport: tr, port: a.Destination.Port}
	b.learnLink(k, t, a.AppProto)
	if b.links[k] == nil {
		return errors.New("link not learnt: the baseline holds its maximum of links")
	}
	return nil
}

// modbusLink returns the Modbus client, server and unit of a and ev.
func modbusLink(a *Alert, ev *learnEvidence) (mbKey, error) {
	if ev.Modbus == nil {
		return mbKey{}, errors.New("evidence has no modbus request")
	}
	c, err := endpointHost(a.Source, "client")
	if err != nil {
		return mbKey{}, err
	}
	s, err := endpointHost(a.Destination, "server")
	if err != nil {
		return mbKey{}, err
	}
	return mbKey{client: c, server: s, unit: ev.Modbus.UnitID}, nil
}

func (b *Baseline) learnModbusOf(k mbKey, fc uint8, rs []AddressRange, t time.Time) error {
	if !b.learnModbus(k, fc, rs, t) {
		return errors.New("modbus link not learnt: the baseline holds its maximum of modbus links")
	}
	return nil
}

func learnModbusFunction(b *Baseline, a *Alert, ev *learnEvidence, t time.Time) error {
	k, err := modbusLink(a, ev)
	if err != nil {
		return err
	}
	// The request's ranges, as modbusRanges reads them from the record.
	m := ev.Modbus
	span := func(addr uint16, qty *uint16) AddressRange {
		q := 0
		if qty != nil {
			q = int(*qty)
		}
		return AddressRange{Lo: addr, Hi: uint16(min(int(addr)+max(q, 1)-1, 0xFFFF))}
	}
	var rs []AddressRange
	if m.Address != nil {
		rs = append(rs, span(*m.Address, m.Quantity))
	}
	if m.ReadAddress != nil {
		rs = append(rs, span(*m.ReadAddress, m.ReadQuantity))
	}
	return b.learnModbusOf(k, m.FunctionCode, rs, t)
}

func learnModbusAddress(b *Baseline, a *Alert, ev *learnEvidence, t time.Time) error {
	k, err := modbusLink(a, ev)
	if err != nil {
		return err
	}
	if ev.Range == nil || ev.Range.Lo > ev.Range.Hi {
		return errors.New("evidence has no address range")
	}
	return b.learnModbusOf(k, ev.Modbus.FunctionCode, []AddressRange{*ev.Range}, t)
}

func learnDNP3Function(b *Baseline, a *Alert, ev *learnEvidence, t time.Time) error {
	if ev.DNP3 == nil || ev.DNP3.FunctionCode == nil {
		return errors.New("evidence has no dnp3 request")
	}
	m, err := endpointHost(a.Source, "master")
	if err != nil {
		return err
	}
	o, err := endpointHost(a.Destination, "outstation")
	if err != nil {
		return err
	}
	k := dnKey{master: m, outstation: o, addr: ev.DNP3.Dst}
	b.learnDNP3(k, *ev.DNP3.FunctionCode, t)
	if b.proto.dnp3[k] == nil {
		return errors.New("dnp3 link not learnt: the baseline holds its maximum of dnp3 links")
	}
	return nil
}

func learnIdentityChange(b *Baseline, a *Alert, ev *learnEvidence, t time.Time) error {
	if ev.Learnt == nil || ev.Reported == nil {
		return errors.New("evidence has no learnt and reported identity")
	}
	k := identKey{server: ev.Learnt.Server.Unmap(), addr: ev.Learnt.Address}
	switch ev.Learnt.Protocol {
	case "modbus":
		k.proto = identModbus
	case "dnp3":
		k.proto = identDNP3
	default:
		return fmt.Errorf("evidence identity protocol %q", ev.Learnt.Protocol)
	}
	if !station(k.server) {
		// Older evidence: the server is the alert's source.
		s, err := endpointHost(a.Source, "server")
		if err != nil {
			return err
		}
		k.server = s
	}
	id := *ev.Reported
	b.learnIdentity(k, &id, t)
	if b.proto.idents[k] == nil {
		return errors.New("identity not learnt: the baseline holds its maximum of identities")
	}
	return nil
}

// mqttClientOf returns the learnt client of a's client id at its broker
// (Destination), adding it at t.
func (b *Baseline) mqttClientOf(a *Alert, ev *learnEvidence, t time.Time) (*blMQTT, error) {
	if ev.MQTT == nil || ev.MQTT.ClientID == "" {
		return nil, errors.New("evidence has no mqtt client id")
	}
	broker, err := endpointHost(a.Destination, "broker")
	if err != nil {
		return nil, err
	}
	c := b.mqttClient(mqKey{broker: broker, client: ev.MQTT.ClientID}, t)
	if c == nil {
		return nil, errors.New("mqtt client not learnt: the baseline holds its maximum of mqtt clients")
	}
	c.see(t)
	return c, nil
}

func learnMQTTClientID(b *Baseline, a *Alert, ev *learnEvidence, t time.Time) error {
	_, err := b.mqttClientOf(a, ev, t)
	return err
}

func learnMQTTWildcard(b *Baseline, a *Alert, ev *learnEvidence, t time.Time) error {
	if ev.Filter == nil || *ev.Filter == "" {
		return errors.New("evidence has no subscription filter")
	}
	c, err := b.mqttClientOf(a, ev, t)
	if err != nil {
		return err
	}
	flt := *ev.Filter
	b.proto.addTopic(c, c.subs, flt, maxFiltersPerClient)
	if _, ok := c.subs[flt]; !ok {
		return fmt.Errorf("filter not learnt: the client holds its maximum of %d filters", maxFiltersPerClient)
	}
	return nil
}

func learnTLSFingerprint(b *Baseline, a *Alert, ev *learnEvidence, t time.Time) error {
	c, err := endpointHost(a.Source, "client")
	if err != nil {
		return err
	}
	host := netip.AddrPortFrom(c, 0)
	var keys []tlsKey
	if ev.JA3 != nil && ev.JA3.Hash != "" {
		keys = append(keys, tlsKey{host: host, kind: tlsJA3, value: ev.JA3.Hash})
	}
	if ev.JA4 != "" {
		keys = append(keys, tlsKey{host: host, kind: tlsJA4, value: ev.JA4})
	}
	if len(keys) == 0 {
		return errors.New("evidence has no ja3 or ja4")
	}
	return b.learnTLSKeys(keys, t)
}

func learnTLSCertificate(b *Baseline, a *Alert, ev *learnEvidence, t time.Time) error {
	if ev.Fingerprint == "" {
		return errors.New("evidence has no certificate fingerprint")
	}
	s, err := endpointHost(a.Destination, "server")
	if err != nil {
		return err
	}
	return b.learnTLSKeys([]tlsKey{{host: netip.AddrPortFrom(s, a.Destination.Port), kind: tlsCert, value: ev.Fingerprint}}, t)
}

func (b *Baseline) learnTLSKeys(keys []tlsKey, t time.Time) error {
	for _, k := range keys {
		b.learnTLS(k, t)
		if b.proto.tls[k] == nil {
			return errors.New("tls item not learnt: the baseline holds its maximum of tls items")
		}
	}
	return nil
}
