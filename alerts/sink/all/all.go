// Package all wires every sink: it builds one from its configuration by
// the scheme of its URL.
package all

import (
	"fmt"

	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/eventhubs"
	"github.com/otsensor/otsensor/alerts/sink/file"
	"github.com/otsensor/otsensor/alerts/sink/kafka"
	"github.com/otsensor/otsensor/alerts/sink/mqtt"
	"github.com/otsensor/otsensor/alerts/sink/syslog"
	"github.com/otsensor/otsensor/alerts/sink/webhook"
)

// Schemes lists the sink URL schemes, for help texts.
const Schemes = "mqtt://, mqtts://, kafka://, eventhubs://, syslog+udp://, syslog+tcp://, syslog+tls://, https://, file://"

// Factory returns the function that builds a sink for a sensor: the
// sensor id is the Event Hubs partition key and the Kafka record key, the
// version goes in CEF headers.
func Factory(sensorID, version string) func(sink.Config, *zap.Logger) (sink.Sink, error) {
	return func(cfg sink.Config, log *zap.Logger) (sink.Sink, error) {
		switch cfg.Scheme() {
		case "mqtt", "mqtts":
			return mqtt.New(cfg, log)
		case "kafka", "kafka+tls":
			s, err := kafka.NewWithOptions(cfg, log, kafka.WithSensorKey(sensorID))
			if err != nil {
				return nil, err
			}
			return s, nil
		case "eventhubs":
			return eventhubs.New(cfg, log, eventhubs.WithPartitionKey(sensorID))
		case "syslog+udp", "syslog+tcp", "syslog+tls":
			s, err := syslog.NewWithVersion(cfg, log, version)
			if err != nil {
				return nil, err
			}
			return s, nil
		case "https", "http":
			return webhook.New(cfg, log)
		case "file":
			return file.New(cfg, log)
		}
		return nil, fmt.Errorf("sink %s: unknown scheme %q: want one of %s", cfg.SinkName(), cfg.Scheme(), Schemes)
	}
}
