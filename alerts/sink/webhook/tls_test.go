package webhook

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

func TestUnknownServerCertificateIsPermanent(t *testing.T) {
	srv := newServer(t, true, nil)
	// No CA file: the httptest certificate is not in the system roots.
	s := newSink(t, sink.Config{URL: srv.URL() + "/hook"})
	err := s.Send(context.Background(), sinktest.Messages(1, 1))
	if !sink.IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent certificate error", err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached a server whose certificate was refused", n)
	}
	// The wrong server name (the certificate holds 127.0.0.1, ::1 and
	// localhost) is refused too.
	s2 := newSink(t, sink.Config{URL: srv.URL() + "/hook", TLS: sink.TLSConfig{CAFile: srv.CAFile(), ServerName: "otsensor.invalid"}})
	if err := s2.Send(context.Background(), sinktest.Messages(1, 1)); !sink.IsPermanent(err) {
		t.Fatalf("wrong server name: err = %v, want permanent", err)
	}
}

func TestClientCertificate(t *testing.T) {
	ca := sinktest.NewCA(t, "webhook")
	certFile, keyFile := ca.Client("otsensor-test-sensor")
	var gotCN string
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) > 0 {
			gotCN = r.TLS.PeerCertificates[0].Subject.CommonName
		}
	}))
	hs.TLS = ca.ServerConfig(true)
	hs.StartTLS()
	t.Cleanup(hs.Close)

	with := newSink(t, sink.Config{URL: hs.URL + "/hook", TLS: sink.TLSConfig{CAFile: ca.File, CertFile: certFile, KeyFile: keyFile}})
	if err := with.Send(context.Background(), sinktest.Messages(1, 1)); err != nil {
		t.Fatalf("with a client certificate: %v", err)
	}
	if gotCN != "otsensor-test-sensor" {
		t.Errorf("server saw client CN %q", gotCN)
	}
	without := newSink(t, sink.Config{URL: hs.URL + "/hook", TLS: sink.TLSConfig{CAFile: ca.File}})
	err := without.Send(context.Background(), sinktest.Messages(1, 1))
	if !sink.IsPermanent(err) {
		t.Fatalf("without a client certificate: err = %v, want permanent", err)
	}
}
