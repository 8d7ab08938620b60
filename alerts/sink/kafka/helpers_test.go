package kafka

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"go.uber.org/zap/zaptest"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

const testTopic = "otsensor-alerts"

// startCluster starts a one-broker kfake cluster on port (0: any) with
// testTopic in 3 partitions, closed at the end of the test.
func startCluster(t testing.TB, port int, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	if port == 0 {
		port = sinktest.FreePort(t)
	}
	base := []kfake.Opt{kfake.NumBrokers(1), kfake.Ports(port), kfake.SeedTopics(3, testTopic)}
	var (
		c   *kfake.Cluster
		err error
	)
	// The port was just freed (or the previous cluster on it just
	// closed): retry briefly if it is not yet reusable.
	for try := 0; ; try++ {
		c, err = kfake.NewCluster(append(base, opts...)...)
		if err == nil || try == 20 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// addr is the cluster's one broker address.
func addr(c *kfake.Cluster) string { return c.ListenAddrs()[0] }

// newTestSink builds a sink from a --sink URL with the given send timeout.
func newTestSink(t testing.TB, rawURL string, timeout time.Duration, opts ...Option) *Sink {
	t.Helper()
	cfg, err := sink.ParseURL(rawURL)
	if err != nil {
		t.Fatalf("ParseURL(%s): %v", rawURL, err)
	}
	cfg.Timeout = sink.Duration(timeout)
	s, err := NewWithOptions(cfg, zaptest.NewLogger(t), opts...)
	if err != nil {
		t.Fatalf("New(%s): %v", rawURL, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// messages makes n messages of type typ with ids prefix-0 .. prefix-(n-1).
func messages(prefix, typ string, n int) []sink.Message {
	out := make([]sink.Message, n)
	for i := range out {
		id := prefix + "-" + strconv.Itoa(i)
		out[i] = sink.Message{
			Seq:  uint64(i + 1),
			ID:   id,
			Type: typ,
			Time: time.Date(2024, 5, 1, 12, 0, i, 0, time.UTC),
			Body: fmt.Appendf(nil, `{"schema":"otsensor.message","v":1,"id":%q,"type":%q}`, id, typ),
		}
	}
	return out
}

// consumeOpts are extra consumer options (SASL, TLS).
type consumeOpts []kgo.Opt

// withSASL logs the consumer in with SASL PLAIN.
func withSASL(user, pass string) consumeOpts {
	return consumeOpts{kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism())}
}

// consume reads topic from the start until it has want records, then
// keeps polling briefly so that duplicates would show; it fails the test
// if fewer than want arrive within 10 s.
func consume(t testing.TB, broker, topic string, want int, extra ...consumeOpts) []*kgo.Record {
	t.Helper()
	opts := []kgo.Opt{
		kgo.SeedBrokers(broker),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100 * time.Millisecond),
	}
	for _, e := range extra {
		opts = append(opts, e...)
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	deadline := time.Now().Add(10 * time.Second)
	var settle time.Time
	for {
		now := time.Now()
		if len(recs) >= want && settle.IsZero() {
			settle = now.Add(300 * time.Millisecond)
		}
		if !settle.IsZero() && now.After(settle) {
			return recs
		}
		if now.After(deadline) {
			t.Fatalf("consumed %d records of %d within 10s", len(recs), want)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		for _, fe := range fs.Errors() {
			if fe.Err != context.DeadlineExceeded {
				t.Fatalf("consume: %v", fe.Err)
			}
		}
		recs = append(recs, fs.Records()...)
	}
}

// header returns a record header's value.
func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// ids lists the id headers of recs.
func ids(recs []*kgo.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = header(r, "id")
	}
	return out
}

// assertOnce fails unless every message of want arrived exactly once.
func assertOnce(t testing.TB, recs []*kgo.Record, want []sink.Message) {
	t.Helper()
	seen := map[string]int{}
	for _, id := range ids(recs) {
		seen[id]++
	}
	for _, m := range want {
		if seen[m.ID] != 1 {
			t.Errorf("message %s arrived %d times, want once", m.ID, seen[m.ID])
		}
		delete(seen, m.ID)
	}
	for id, n := range seen {
		t.Errorf("unexpected message %q arrived %d times", id, n)
	}
}

// send runs s.Send under a generous outer context.
func send(s *Sink, batch []sink.Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return s.Send(ctx, batch)
}
