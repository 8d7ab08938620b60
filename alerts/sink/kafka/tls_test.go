package kafka

import (
	"crypto/x509"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// withTLS makes the consumer trust caFile.
func withTLS(t *testing.T, caFile string) consumeOpts {
	c, err := sink.TLSConfig{CAFile: caFile}.Client("")
	if err != nil {
		t.Fatal(err)
	}
	return consumeOpts{kgo.DialTLSConfig(c)}
}

// TestTLS: kafka+tls:// and kafka:// with a tls setting both use TLS; an
// untrusted certificate is a permanent error, reported at once.
func TestTLS(t *testing.T) {
	ca := sinktest.NewCA(t, "kafka")
	c := startCluster(t, 0, kfake.TLS(ca.ServerConfig(false)))

	for _, u := range []string{
		"kafka+tls://" + addr(c) + "/" + testTopic + "?ca_file=" + ca.File,
		"kafka://" + addr(c) + "/" + testTopic + "?ca_file=" + ca.File,
	} {
		s := newTestSink(t, u, 5*time.Second)
		if s.set.tls == nil {
			t.Fatalf("%s: no TLS", u)
		}
		if err := send(s, messages("tls", sink.TypeAlert, 3)); err != nil {
			t.Fatalf("%s: Send: %v", u, err)
		}
	}
	recs := consume(t, addr(c), testTopic, 6, withTLS(t, ca.File))
	if len(recs) != 6 {
		t.Errorf("%d records, want 6", len(recs))
	}

	// The system roots do not know our CA.
	s := newTestSink(t, "kafka+tls://"+addr(c)+"/"+testTopic, 5*time.Second)
	start := time.Now()
	err := send(s, messages("untrusted", sink.TypeAlert, 1))
	var unknown x509.UnknownAuthorityError
	if !sink.IsPermanent(err) || !errors.As(err, &unknown) {
		t.Errorf("untrusted certificate: got %v, want a permanent x509.UnknownAuthorityError", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("untrusted certificate reported after %v", el)
	}
}

// TestEventHubsMode: a connection string alone switches to TLS and SASL
// PLAIN as "$ConnectionString", with gzip batches, the way the Event Hubs
// Kafka endpoint wants it; kfake plays the endpoint.
func TestEventHubsMode(t *testing.T) {
	const hub = "otsensor-hub"
	cs := "Endpoint=sb://127.0.0.1/;SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0LWtleQ==;EntityPath=" + hub
	t.Setenv("OTS_EH_CS", cs)
	ca := sinktest.NewCA(t, "kafka")
	c := startCluster(t, 0,
		kfake.TLS(ca.ServerConfig(false)),
		kfake.EnableSASL(), kfake.Superuser("PLAIN", "$ConnectionString", cs),
		kfake.SeedTopics(2, hub))

	var produces, gzipped atomic.Int32
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		for _, tp := range req.(*kmsg.ProduceRequest).Topics {
			for _, p := range tp.Partitions {
				var b kmsg.RecordBatch
				if b.ReadFrom(p.Records) == nil {
					produces.Add(1)
					if b.Attributes&0x07 == 1 { // compression codec 1 = gzip
						gzipped.Add(1)
					}
				}
			}
		}
		return nil, nil, false // observe only
	})

	s := newTestSink(t, "kafka://"+addr(c)+"/"+hub+"?connection_string_env=OTS_EH_CS&ca_file="+ca.File, 5*time.Second)
	if !s.set.eventHubs || s.set.tls == nil || s.set.user != "$ConnectionString" {
		t.Fatalf("not in Event Hubs mode: eventHubs=%v tls=%v user=%q", s.set.eventHubs, s.set.tls != nil, s.set.user)
	}
	batch := messages("eh", sink.TypeAlert, 25)
	if err := send(s, batch); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if produces.Load() == 0 || gzipped.Load() != produces.Load() {
		t.Errorf("%d of %d produced batches gzip-compressed, want all", gzipped.Load(), produces.Load())
	}
	assertOnce(t, consume(t, addr(c), hub, len(batch), withTLS(t, ca.File), withSASL("$ConnectionString", cs)), batch)
}
