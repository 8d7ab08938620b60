package alerts

import "github.com/otsensor/otsensor/dissectors"

// violationSeverity overrides protocol.violation's medium severity for
// some anomalies (see its DetectionInfo).
var violationSeverity = map[string]Severity{
	"tls.heartbeat":               High,
	"modbus.unmatched_response":   Low,
	"modbus.too_many_outstanding": Low,
	"dnp3.missing_first_fragment": Low,
	"dnp3.too_many_points":        Low,
	"mqtt.unmatched_ack":          Low,
	"mqtt.too_many_outstanding":   Low,
}

// violation raises protocol.violation for a dissector anomaly, one alert
// per flow and anomaly name. The flow layer's own anomalies (stream.*,
// app.*) are the sensor's health, not the traffic's, and raise nothing.
func (e *Engine) violation(ev *dissectors.Event) {
	an := ev.Anomaly
	switch an.AppProto {
	case "", "stream", "app":
		return
	}
	f := ev.Flow
	k := alertKey{rule: ruleProtocolViolation, src: serviceOf(f.Client), dst: serviceOf(f.Server), flow: f.ID, s: an.Name}
	e.raise(k, ev.Time, f, func(a *Alert) {
		a.Title = "Protocol violation: " + an.Name
		if s, ok := violationSeverity[an.Name]; ok {
			a.Severity = s
		}
		if a.AppProto == "" {
			a.AppProto = an.AppProto
		}
		a.Source.Port = f.Client.Port()
		a.Evidence = evidence(struct {
			Direction string `json:"direction"`
			Name      string `json:"name"`
			AppProto  string `json:"app_proto"`
			Detail    string `json:"detail,omitempty"`
		}{ev.Dir.String(), an.Name, an.AppProto, an.Detail})
	})
}
