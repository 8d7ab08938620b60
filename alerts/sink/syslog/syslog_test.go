package syslog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"crypto/tls"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otsensor/otsensor/alerts/sink"
	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// batch makes n alert messages, numbered from first.
func batch(t testing.TB, first, n int) []sink.Message {
	t.Helper()
	tm := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	out := make([]sink.Message, n)
	for i := range out {
		seq := first + i
		a := trickyAlert()
		a.ID = fmt.Sprintf("alert-%d", seq)
		id := fmt.Sprintf("msg-%d", seq)
		out[i] = sink.Message{Seq: uint64(seq), ID: id, Type: sink.TypeAlert, Time: tm.Add(time.Duration(seq) * time.Second),
			Body: envelope(t, id, "alert", tm, a)}
	}
	return out
}

func newSink(t testing.TB, cfg sink.Config, log *zap.Logger) *Sink {
	t.Helper()
	s, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.(*Sink)
}

func send(t testing.TB, s sink.Sink, b []sink.Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Send(ctx, b)
}

// ids parses the messages and returns their structured-data ids.
func ids(t testing.TB, msgs []string) []string {
	t.Helper()
	var out []string
	for _, m := range msgs {
		p, err := parse5424(m)
		if err != nil {
			t.Fatalf("%v in %q", err, m)
		}
		out = append(out, p.SD[sdID]["id"])
	}
	return out
}

func wantIDs(t testing.TB, got []string, from, to int) {
	t.Helper()
	var want []string
	for i := from; i <= to; i++ {
		want = append(want, fmt.Sprintf("msg-%d", i))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("ids %v, want %v", got, want)
	}
}

// TestDelivery sends batches over each transport in each format and reads
// them back: framing (the collector is strict), header, structured data
// and MSG.
func TestDelivery(t *testing.T) {
	ca := sinktest.NewCA(t, "syslog")
	for _, network := range []string{"udp", "tcp", "tls"} {
		for _, format := range []string{FormatRFC5424, FormatCEF} {
			t.Run(network+"/"+format, func(t *testing.T) {
				cfg := sink.Config{Format: format}
				c := collectorFor(t, network, ca, &cfg)
				s := newSink(t, cfg, nil)
				if s.Name() != c.url() {
					t.Errorf("name %s", s.Name())
				}
				b := batch(t, 1, 5)
				if err := send(t, s, b[:2]); err != nil {
					t.Fatal(err)
				}
				if err := send(t, s, b[2:]); err != nil {
					t.Fatal(err)
				}
				msgs := c.wait(t, 5)
				wantIDs(t, ids(t, msgs), 1, 5)
				host, _ := os.Hostname()
				for i, raw := range msgs {
					m, _ := parse5424(raw)
					if m.Hostname != headerField(host, 255) || m.AppName != "otsensor" || m.MsgID != "alert" ||
						m.Facility != 20 || m.Severity != 3 || m.ProcID != fmt.Sprint(os.Getpid()) {
						t.Errorf("header %+v", m)
					}
					if m.Timestamp != b[i].Time.Format("2006-01-02T15:04:05.000000Z") {
						t.Errorf("timestamp %s, want %v", m.Timestamp, b[i].Time)
					}
					sd := m.SD[sdID]
					if sd["seq"] != fmt.Sprint(b[i].Seq) || sd["sensor"] != "sensor-1" || sd["rule"] != "modbus.write|coil" {
						t.Errorf("structured data %v", sd)
					}
					if format == FormatRFC5424 {
						if m.Msg != string(b[i].Body) {
							t.Errorf("MSG %q, want the body", m.Msg)
						}
						continue
					}
					e, err := parseCEF(m.Msg)
					if err != nil {
						t.Fatal(err)
					}
					if e.Header[5] != `Write to coil 5 \ "pump"` || e.Ext["externalId"] != fmt.Sprintf("alert-%d", b[i].Seq) {
						t.Errorf("CEF %+v", e)
					}
				}
			})
		}
	}
}

// TestUDPTruncate: a message larger than MaxDatagram arrives cut, marked,
// and still a valid SYSLOG-MSG.
func TestUDPTruncate(t *testing.T) {
	c := newCollector(t, "udp", nil)
	for _, format := range []string{FormatRFC5424, FormatCEF} {
		s := newSink(t, sink.Config{URL: c.url() + "?format=" + format}, nil)
		if s.Format() != format {
			t.Fatalf("format %s from the URL, want %s", s.Format(), format)
		}
		b := batch(t, 1, 1)
		a := trickyAlert()
		a.Evidence = []byte(`{"blob":"` + strings.Repeat(`=\\`, 3000) + `"}`)
		b[0].Body = envelope(t, "msg-1", "alert", b[0].Time, a)
		if err := send(t, s, b); err != nil {
			t.Fatal(err)
		}
	}
	msgs := c.wait(t, 2)
	for i, raw := range msgs {
		if len(raw) > MaxDatagram || !strings.HasSuffix(raw, truncMarker) {
			t.Errorf("%d: %d bytes, ends %q", i, len(raw), raw[max(0, len(raw)-20):])
		}
		m, err := parse5424(raw)
		if err != nil || m.SD[sdID]["id"] != "msg-1" {
			t.Fatalf("%v %+v", err, m)
		}
		if i == 1 { // CEF: the cut kept every escape whole
			if _, err := parseCEF(strings.TrimSuffix(m.Msg, truncMarker)); err != nil {
				t.Errorf("cut CEF: %v", err)
			}
		}
	}
}

// TestReconnect: the collector goes down; Send fails with a retryable
// error at once (the close is seen before writing), keeps failing while
// it is down, and works again once it is back, on a new connection.
func TestReconnect(t *testing.T) {
	ca := sinktest.NewCA(t, "syslog")
	for _, network := range []string{"tcp", "tls"} {
		t.Run(network, func(t *testing.T) {
			cfg := sink.Config{}
			c := collectorFor(t, network, ca, &cfg)
			s := newSink(t, cfg, nil)
			if err := send(t, s, batch(t, 1, 2)); err != nil {
				t.Fatal(err)
			}
			c.wait(t, 2)
			c.stop(t)
			for i := 0; i < 2; i++ {
				start := time.Now()
				err := send(t, s, batch(t, 3, 2))
				if err == nil {
					t.Fatalf("send %d with the collector down: no error", i)
				}
				if sink.IsPermanent(err) || time.Since(start) > time.Second {
					t.Errorf("send %d: %v after %v, want a quick retryable error", i, err, time.Since(start))
				}
			}
			c.start(t)
			if err := send(t, s, batch(t, 3, 2)); err != nil {
				t.Fatal(err)
			}
			wantIDs(t, ids(t, c.wait(t, 4)), 1, 4)
		})
	}
}

// TestResetAfterWrite: the collector closes the connection without
// reading what arrived, so the kernel answers with a reset; the watch after
// the write reports it on that Send or, at the latest, the next.
func TestResetAfterWrite(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { // read one byte, then close with data unread: RST
				conn.Read(make([]byte, 1))
				time.Sleep(time.Millisecond)
				conn.Close()
			}()
		}
	}()
	s := newSink(t, sink.Config{URL: "syslog+tcp://" + ln.Addr().String()}, nil)
	err1 := send(t, s, batch(t, 1, 50))
	err2 := send(t, s, batch(t, 1, 50))
	t.Logf("err1=%v err2=%v", err1, err2)
	if err1 == nil && err2 == nil {
		t.Fatal("a collector that resets every connection: Send succeeded twice")
	}
	for _, err := range []error{err1, err2} {
		if sink.IsPermanent(err) {
			t.Errorf("reset is permanent: %v", err)
		}
	}
}

// TestRefused: nothing listens; Send fails fast, retryably, and says
// where it tried.
func TestRefused(t *testing.T) {
	addr := fmt.Sprintf("127.0.0.1:%d", sinktest.FreePort(t))
	s := newSink(t, sink.Config{URL: "syslog+tcp://" + addr}, nil)
	start := time.Now()
	err := send(t, s, batch(t, 1, 1))
	if err == nil || sink.IsPermanent(err) || !strings.Contains(err.Error(), addr) || time.Since(start) > time.Second {
		t.Errorf("%v after %v", err, time.Since(start))
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("%v: not connection refused", err)
	}
}

// TestContextDeadline: a collector that accepts and never reads; the
// socket buffers fill and Send returns at the context's deadline.
func TestContextDeadline(t *testing.T) {
	addr := sinktest.SilentPeer(t)
	s := newSink(t, sink.Config{URL: "syslog+tcp://" + addr}, nil)
	big := batch(t, 1, 48) // 48 MiB: more than loopback's socket buffers
	for i := range big {
		big[i].Body = []byte(strings.Repeat("x", 1<<20))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Send(ctx, big)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("%v after %v, want the deadline", err, time.Since(start))
	}
	// Config.Timeout bounds a Send whose ctx has no deadline.
	s2 := newSink(t, sink.Config{URL: "syslog+tcp://" + addr, Timeout: sink.Duration(300 * time.Millisecond)}, nil)
	start = time.Now()
	if err := s2.Send(context.Background(), big); err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("with Timeout: %v after %v", err, time.Since(start))
	}
}

// TestTLSCertificates: certificate problems are permanent; with the
// collector requiring a client certificate, the sink's is accepted and
// its absence is permanent (TLS 1.2 fails in the handshake, TLS 1.3
// after it, which the watch after the write catches). Secrets (the client
// key) appear in no error, log or message.
func TestTLSCertificates(t *testing.T) {
	p := sinktest.NewCA(t, "syslog")
	other := sinktest.NewCA(t, "other")
	certFile, keyFile := p.Client("sensor")
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zap.DebugLevel)
	log := zap.New(core)
	var errs []error
	check := func(name string, cfg sink.Config, serverCfg *tls.Config, wantErr bool) {
		t.Run(name, func(t *testing.T) {
			c := newCollector(t, "tls", serverCfg)
			cfg.URL = c.url()
			s := newSink(t, cfg, log)
			err := send(t, s, batch(t, 1, 1))
			if err == nil {
				// TLS 1.3: the refusal may come right after the first write.
				err = send(t, s, batch(t, 2, 1))
			}
			errs = append(errs, err)
			switch {
			case wantErr && (err == nil || !sink.IsPermanent(err)):
				t.Errorf("%v, want a permanent error", err)
			case !wantErr && err != nil:
				t.Errorf("%v", err)
			case !wantErr:
				wantIDs(t, ids(t, c.wait(t, 2)), 1, 2)
			}
		})
	}
	withCA := sink.TLSConfig{CAFile: p.File}
	withCert := sink.TLSConfig{CAFile: p.File, CertFile: certFile, KeyFile: keyFile}
	tls12 := p.ServerConfig(true)
	tls12.MaxVersion = tls.VersionTLS12
	check("unknown CA", sink.Config{TLS: sink.TLSConfig{CAFile: other.File}}, p.ServerConfig(false), true)
	check("wrong name", sink.Config{TLS: sink.TLSConfig{CAFile: p.File, ServerName: "collector.example"}}, p.ServerConfig(false), true)
	check("client cert", sink.Config{TLS: withCert}, p.ServerConfig(true), false)
	check("no client cert 1.3", sink.Config{TLS: withCA}, p.ServerConfig(true), true)
	check("no client cert 1.2", sink.Config{TLS: withCA}, tls12, true)
	check("client cert 1.2", sink.Config{TLS: withCert}, tls12, false)
	check("insecure", sink.Config{TLS: sink.TLSConfig{InsecureSkipVerify: true}}, p.ServerConfig(false), false)

	key := string(keyPEM)
	keyBody := strings.Split(key, "\n")[1]
	for _, err := range errs {
		if err != nil && strings.Contains(err.Error(), keyBody) {
			t.Errorf("error shows the key: %v", err)
		}
	}
	for _, e := range logs.All() {
		if strings.Contains(fmt.Sprint(e.Message, e.ContextMap()), keyBody) {
			t.Errorf("log shows the key: %v", e)
		}
	}
}

// TestNew checks the configuration errors: each names the field.
func TestNew(t *testing.T) {
	t.Setenv("SYSLOG_TEST_SECRET", "hunter2-secret")
	for _, tc := range []struct {
		cfg  sink.Config
		want string // in the error; "" for none
	}{
		{sink.Config{URL: "syslog+udp://collector"}, ""},
		{sink.Config{URL: "syslog+tcp://collector:1514/"}, ""},
		{sink.Config{URL: "syslog+tls://collector", Format: "CEF"}, ""},
		{sink.Config{URL: "syslog+tcp://collector?format=cef", Format: "cef"}, ""},
		{sink.Config{URL: "syslog://collector"}, "scheme"},
		{sink.Config{URL: "syslog+tcp://"}, "no host"},
		{sink.Config{URL: "syslog+tcp://collector/path"}, "path"},
		{sink.Config{URL: "syslog+tcp://collector", Format: "json"}, "format"},
		{sink.Config{URL: "syslog+tcp://collector?format=cef", Format: "rfc5424"}, "format"},
		{sink.Config{URL: "syslog+tcp://collector?timeout=5s"}, "timeout"},
		{sink.Config{URL: "syslog+tcp://user@collector"}, "username"},
		{sink.Config{URL: "syslog+tcp://collector", Password: sink.Secret{Env: "SYSLOG_TEST_SECRET"}}, "password"},
		{sink.Config{URL: "syslog+tcp://collector", TLS: sink.TLSConfig{CAFile: "/x"}}, "tls"},
		{sink.Config{URL: "syslog+tls://collector", TLS: sink.TLSConfig{CAFile: "/nonexistent/ca.pem"}}, "ca_file"},
		{sink.Config{URL: "syslog+tcp://collector", Envelope: "defender", Format: "cef"}, "envelope"},
		{sink.Config{URL: "syslog+tcp://collector", Headers: map[string]string{"a": "b"}}, "headers"},
	} {
		_, err := New(tc.cfg, nil)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: %v", tc.cfg, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%+v: %v, want an error about %s", tc.cfg, err, tc.want)
		case err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("error shows the secret: %v", err)
		}
	}
	// Default ports.
	for url, addr := range map[string]string{
		"syslog+udp://h": "h:514", "syslog+tcp://h": "h:601", "syslog+tls://h": "h:6514", "syslog+tcp://[::1]": "[::1]:601",
	} {
		s, err := NewWithVersion(sink.Config{URL: url}, nil, "v")
		if err != nil || s.addr != addr {
			t.Errorf("%s: %v %v, want %s", url, s, err, addr)
		}
	}
}

// TestUDPCollectorDown: with nothing listening, the ICMP port unreachable
// a datagram meets fails a Send soon after (retryably); once the
// collector is back, Send delivers again.
func TestUDPCollectorDown(t *testing.T) {
	c := newCollector(t, "udp", nil)
	s := newSink(t, sink.Config{URL: c.url()}, nil)
	if err := send(t, s, batch(t, 1, 1)); err != nil {
		t.Fatal(err)
	}
	c.wait(t, 1)
	c.stop(t)
	var err error
	for i := 0; i < 5 && err == nil; i++ {
		err = send(t, s, batch(t, 2, 2))
	}
	if err == nil || sink.IsPermanent(err) {
		t.Errorf("collector down: %v, want a retryable error", err)
	}
	c.start(t)
	if err := send(t, s, batch(t, 4, 1)); err != nil {
		t.Fatal(err)
	}
	got := ids(t, c.wait(t, 2))
	if got[len(got)-1] != "msg-4" {
		t.Errorf("ids %v", got)
	}
}
