package syslog

import (
	"crypto/tls"
	"testing"

	"github.com/otsensor/otsensor/alerts/outbox/outboxtest"
	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// peer is a TCP or TLS collector as an outboxtest.Peer, with the sink in
// the given format.
func peer(t *testing.T, network, format string) outboxtest.Peer {
	var tlsCfg *tls.Config
	cfg := sink.Config{Format: format}
	if network == "tls" {
		ca := sinktest.NewCA(t, "syslog")
		certFile, keyFile := ca.Client("sensor")
		tlsCfg = ca.ServerConfig(true)
		cfg.TLS = sink.TLSConfig{CAFile: ca.File, CertFile: certFile, KeyFile: keyFile}
	}
	c := newCollector(t, network, tlsCfg)
	cfg.URL = c.url()
	return outboxtest.Peer{
		NewSink: func(t testing.TB) sink.Sink {
			s, err := New(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Stop:     c.stop,
		Start:    c.start,
		Received: func(t testing.TB) []string { return ids(t, c.messages()) },
	}
}

func TestOutage(t *testing.T) {
	for _, tc := range []struct{ network, format string }{{"tcp", FormatRFC5424}, {"tls", FormatCEF}} {
		t.Run(tc.network, func(t *testing.T) { outboxtest.RunOutage(t, peer(t, tc.network, tc.format), 200) })
	}
}

func TestCapDrop(t *testing.T) {
	for _, tc := range []struct{ network, format string }{{"tcp", FormatCEF}, {"tls", FormatRFC5424}} {
		t.Run(tc.network, func(t *testing.T) { outboxtest.RunCapDrop(t, peer(t, tc.network, tc.format), 40) })
	}
}
