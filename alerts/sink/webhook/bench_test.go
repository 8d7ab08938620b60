package webhook

import (
	"context"
	"testing"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// BenchmarkSend posts batches of 100 messages to a TLS receiver on
// loopback, one request per batch on a kept-alive connection.
func BenchmarkSend(b *testing.B) {
	srv := newServer(b, true, nil)
	s := newSink(b, sink.Config{URL: srv.URL() + "/hook", TLS: sink.TLSConfig{CAFile: srv.CAFile()}})
	batch := sinktest.Messages(1, 100)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Send(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "msgs/s")
}
