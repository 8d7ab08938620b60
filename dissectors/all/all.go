// Package all is the static list of the sensor's dissectors.
package all

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// Dissectors returns one instance of every dissector, with default
// options, in probe order.
func Dissectors() []dissectors.Dissector {
	return []dissectors.Dissector{
		modbus.New(modbus.Options{}),
		dnp3.New(dnp3.Options{}),
	}
}
