package metrics

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/dissectors/mqtt"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// DefaultAppProtos returns the protocols of the sensor's dissectors
// (dissectors/all).
func DefaultAppProtos() []string { return []string{"modbus", "dnp3", "mqtt", "tls"} }

// FlowAnomalies returns the anomaly names the flow layer (sensor/flow)
// raises itself.
func FlowAnomalies() []string {
	return []string{"stream.gap", "stream.buffer_overflow", "app.parser_panic"}
}

// DefaultAnomalies returns the anomaly names the dissectors document
// (their Anomalies lists) and FlowAnomalies.
func DefaultAnomalies() []string {
	var out []string
	for _, list := range [][]dissectors.AnomalyInfo{modbus.Anomalies, dnp3.Anomalies, mqtt.Anomalies, tls.Anomalies} {
		for _, a := range list {
			out = append(out, a.Name)
		}
	}
	return append(out, FlowAnomalies()...)
}
