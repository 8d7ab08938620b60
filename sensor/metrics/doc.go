// Package metrics exposes the sensor's counters to Prometheus.
//
// It has three parts, all registered on a registry the daemon creates
// (prometheus.NewRegistry(); never the global one):
//
//   - Observer, a flow.Observer the daemon adds to the pipeline's flow.Tee.
//     It counts events per application protocol, anomalies per name, flows
//     started and ended per transport and neighbour frames, with atomic
//     adds only (no lock, no allocation), and is itself the
//     prometheus.Collector that reports them.
//   - Collector, which at scrape time reads snapshots through functions the
//     daemon supplies (capture statistics, drops by reason, alerts, the
//     outbox, devices, baseline mode). Nothing it reports is counted twice
//     and the pipeline is not touched.
//   - Serve, the HTTP endpoint (/metrics) on an address the daemon is
//     configured with; nothing listens unless it is called.
//
// Every metric is named otsensor_*, with its unit in the name (_total,
// _bytes, _seconds). Labels take a bounded set of values (protocol,
// transport, anomaly name, interface, sink, reason, severity, engine,
// state, mode), never addresses.
package metrics
