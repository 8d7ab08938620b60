package file

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// BenchmarkSend appends batches of 100 messages, fsync included.
func BenchmarkSend(b *testing.B) {
	s := newTestSink(b, filepath.Join(b.TempDir(), "otsensor.jsonl"), 0, 0)
	batch := sinktest.Messages(1, 100)
	b.ReportAllocs()
	b.SetBytes(100 * lineLen())
	for b.Loop() {
		if err := s.Send(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "msgs/s")
}
