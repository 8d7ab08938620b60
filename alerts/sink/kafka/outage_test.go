package kafka

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/otsensor/otsensor/alerts/outbox/outboxtest"
	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// kafkaPeer is a kfake cluster on a fixed loopback port whose log
// persists in a data directory, so that a cluster restarted on the same
// port (Stop, Start) still holds what the last one received. A consumer
// follows the running cluster's topic from its start and keeps the ids.
type kafkaPeer struct {
	port    int
	dataDir string

	mu       sync.Mutex
	cluster  *kfake.Cluster
	consumer *kgo.Client
	cancel   context.CancelFunc
	done     chan struct{}
	received []string // ids of the running (or last) cluster's log, in log order
}

func newKafkaPeer(t *testing.T) *kafkaPeer {
	p := &kafkaPeer{port: sinktest.FreePort(t), dataDir: t.TempDir()}
	p.start(t)
	t.Cleanup(func() { p.stop(t) })
	return p
}

func (p *kafkaPeer) start(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cluster != nil {
		return
	}
	var err error
	for try := 0; ; try++ { // the port may take a moment to be reusable
		p.cluster, err = kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(p.port),
			kfake.DataDir(p.dataDir), kfake.SeedTopics(3, testTopic))
		if err == nil || try == 20 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("kfake restart on port %d: %v", p.port, err)
	}
	p.consumer, err = kgo.NewClient(
		kgo.SeedBrokers(addr(p.cluster)),
		kgo.ConsumeTopics(testTopic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(50*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	p.received = nil // the consumer reads the persisted log again from its start
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go p.follow(ctx, p.consumer, p.done)
}

// follow appends the ids of consumed records to p.received.
func (p *kafkaPeer) follow(ctx context.Context, cl *kgo.Client, done chan struct{}) {
	defer close(done)
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		var got []string
		fs.EachRecord(func(r *kgo.Record) { got = append(got, header(r, "id")) })
		p.mu.Lock()
		p.received = append(p.received, got...)
		p.mu.Unlock()
	}
}

func (p *kafkaPeer) stop(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	c, cl, cancel, done := p.cluster, p.consumer, p.cancel, p.done
	p.cluster, p.consumer = nil, nil
	p.mu.Unlock()
	if c == nil {
		return
	}
	cancel()
	<-done
	cl.Close()
	c.Close()
}

func (p *kafkaPeer) peer() outboxtest.Peer {
	return outboxtest.Peer{
		NewSink: func(t testing.TB) sink.Sink {
			cfg, err := sink.ParseURL(fmt.Sprintf("kafka://127.0.0.1:%d/%s", p.port, testTopic))
			if err != nil {
				t.Fatal(err)
			}
			cfg.Timeout = sink.Duration(5 * time.Second)
			s, err := New(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Stop:  p.stop,
		Start: p.start,
		Received: func(testing.TB) []string {
			p.mu.Lock()
			defer p.mu.Unlock()
			return slices.Clone(p.received)
		},
	}
}

// TestOutage: stop the broker, produce, restart it on the same port: every
// id arrives exactly once.
func TestOutage(t *testing.T) {
	outboxtest.RunOutage(t, newKafkaPeer(t).peer(), 500)
}

// TestCapDrop: with the broker down and a small byte cap, the oldest are
// dropped and the rest arrive once the broker is back.
func TestCapDrop(t *testing.T) {
	outboxtest.RunCapDrop(t, newKafkaPeer(t).peer(), 200)
}
