package syslog

import (
	"context"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// BenchmarkFormat measures formatting one alert message.
func BenchmarkFormat(b *testing.B) {
	tm := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	m := sink.Message{Seq: 1, ID: "m-1", Type: sink.TypeAlert, Time: tm, Body: envelope(b, "m-1", "alert", tm, trickyAlert())}
	for _, format := range []string{FormatRFC5424, FormatCEF} {
		b.Run(format, func(b *testing.B) {
			s := testSink(format)
			var buf []byte
			b.ReportAllocs()
			b.SetBytes(int64(len(m.Body)))
			for b.Loop() {
				buf = s.appendMessage(buf[:0], &m)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkSendTCP measures batches of 100 to a collector on loopback,
// the watch for a reset before and after each write included.
func BenchmarkSendTCP(b *testing.B) {
	c := newCollector(b, "tcp", nil)
	s, err := New(sink.Config{URL: c.url(), Format: FormatCEF}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	msgs := batch(b, 1, 100)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Send(ctx, msgs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "msgs/s")
}
