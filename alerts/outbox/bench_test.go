package outbox

import (
	"context"
	"testing"

	"github.com/otsensor/otsensor/alerts/sink"
)

// nopSink accepts everything.
type nopSink struct{}

func (nopSink) Name() string                               { return "nop" }
func (nopSink) Close() error                               { return nil }
func (nopSink) Send(context.Context, []sink.Message) error { return nil }

// BenchmarkOutbox enqueues batches of 100 messages of ~600 bytes and
// forwards them (read, Send, cursor update, delete) to a sink that
// accepts everything.
func BenchmarkOutbox(b *testing.B) {
	ob, _ := openOutbox(b, Config{})
	f := ob.Forwarder(nopSink{}, ForwardConfig{BatchSize: 100})
	batch := msgs("bench", 100, 600)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(100 * len(batch[0].Body)))
	b.ResetTimer()
	for b.Loop() {
		if err := ob.Enqueue(batch...); err != nil {
			b.Fatal(err)
		}
		if err := f.Flush(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "msgs/s")
	if st, _ := ob.Status(); st.Depth != 0 {
		b.Fatalf("depth %d after the benchmark", st.Depth)
	}
}
