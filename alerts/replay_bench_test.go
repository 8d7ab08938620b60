package alerts_test

import (
	"context"
	"testing"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/sensor"
	"github.com/otsensor/otsensor/sensor/flow"
)

type nopObserver struct{}

func (nopObserver) Event(*dissectors.Event) {}
func (nopObserver) Flow(*flow.Update)       {}
func (nopObserver) Neighbor(*flow.Neighbor) {}

// BenchmarkReplay is the replay pipeline on the Modbus plant capture
// without and with the engine (one engine for all the replays, so that
// its construction is not counted): the difference is the engine's share.
func BenchmarkReplay(b *testing.B) {
	for _, c := range []struct {
		name string
		obs  func() flow.Observer
	}{
		{"no_engine", func() flow.Observer { return nopObserver{} }},
		{"engine", func() flow.Observer { return alerts.NewEngine(alerts.Config{}) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			var pkts uint64
			obs := c.obs() // one engine for every replay: its steady state
			b.ReportAllocs()
			for b.Loop() {
				sum, err := sensor.Replay(context.Background(), []string{pcap("modbus_plant.pcap.gz")}, sensor.ReplayConfig{
					Flow:       flow.DefaultConfig(),
					Dissectors: all.Dissectors(all.Options{}),
					Observer:   obs,
				})
				if err != nil || len(sum.FileErrors) > 0 {
					b.Fatal(err, sum.FileErrors)
				}
				pkts = sum.Packets
			}
			b.ReportMetric(float64(pkts)*float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
		})
	}
}
