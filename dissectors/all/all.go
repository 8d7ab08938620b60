// Package all is the static list of the sensor's dissectors.
package all

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/dissectors/mqtt"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// Options are the dissector settings users can change; the zero value is
// the defaults.
type Options struct {
	// MQTTPayloadPreview is how many bytes of each MQTT PUBLISH payload
	// events show (0: none, the default: payloads may be sensitive).
	MQTTPayloadPreview int
}

// Dissectors returns one instance of every dissector, in probe order.
func Dissectors(opts Options) []dissectors.Dissector {
	return []dissectors.Dissector{
		modbus.New(modbus.Options{}),
		dnp3.New(dnp3.Options{}),
		mqtt.New(mqtt.Options{PayloadPreview: opts.MQTTPayloadPreview}),
		tls.New(tls.Options{}),
	}
}
