package sensor_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/tls"
	"github.com/otsensor/otsensor/pcaps/live"
)

// TestTLSLiveHandshakes records real TLS (Go crypto/tls servers and
// clients, openssl s_client/s_server; see pcaps/live) on lo, on ports
// picked at random so that the dissector must find TLS by content, and
// checks the pipeline's view against a gopacket-only reading of the same
// file: ClientHellos, ServerHellos and HelloRetryRequests, negotiated
// versions, alerts in clear, SNI; and that the expired and self-signed
// certificates are reported as such. It needs root and openssl (.ci/run).
func TestTLSLiveHandshakes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tls.pcap")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ports, err := live.FreeTLSPorts()
	if err != nil {
		t.Fatal(err)
	}
	opt := live.Options{TLS: ports}
	if _, err := live.RecordTLS(ctx, path, opt); err != nil {
		t.Fatal(err)
	}
	want, err := live.SummarizeTLS(path, opt.TLS.List()...)
	if err != nil {
		t.Fatal(err)
	}

	clientHellos, serverHellos, retries := 0, 0, 0
	versions, alerts, sni := map[uint16]int{}, map[uint16]int{}, map[string]int{}
	expired, selfSigned := false, false
	c := &collector{anomalies: map[string]int{}, events: func(ev *dissectors.Event) {
		r, ok := ev.Record.(*tls.Record)
		if !ok {
			t.Errorf("a %s event on a TLS port", ev.Record.AppProto())
			return
		}
		if a := r.Alert; a != nil {
			alerts[uint16(a.Level)<<8|uint16(a.Description)]++
			return
		}
		if r.HasClientHello {
			clientHellos++
			if r.SNI != "" {
				sni[r.SNI]++
			}
		}
		if r.HelloRetryRequest {
			retries++
			clientHellos++ // the second ClientHello, with the same SNI
			if r.SNI != "" {
				sni[r.SNI]++
			}
		}
		if r.HasServerHello {
			serverHellos++
			versions[r.Version]++
		}
		if len(r.Certificates) > 0 {
			k := r.Certificates[0]
			expired = expired || ev.Time.After(k.NotAfter)
			selfSigned = selfSigned || k.SelfSigned
		}
	}}
	_, inv := replay(t, c, path)

	if clientHellos != want.ClientHellos || serverHellos != want.ServerHellos || retries != want.HelloRetryRequests {
		t.Errorf("ClientHellos %d, ServerHellos %d, HelloRetryRequests %d; the file has %d, %d, %d",
			clientHellos, serverHellos, retries, want.ClientHellos, want.ServerHellos, want.HelloRetryRequests)
	}
	for _, m := range []struct {
		what      string
		got, want map[uint16]int
	}{{"negotiated versions", versions, want.Versions}, {"alerts", alerts, want.Alerts}} {
		for k, n := range m.want {
			if m.got[k] != n {
				t.Errorf("%s: %#04x seen %d times, %d in the file", m.what, k, m.got[k], n)
			}
		}
	}
	for name, n := range want.SNI {
		if sni[name] != n {
			t.Errorf("SNI %s: %d, %d in the file", name, sni[name], n)
		}
	}
	if !expired || !selfSigned {
		t.Errorf("expired certificate seen: %v, self-signed: %v", expired, selfSigned)
	}
	if len(c.anomalies) > 0 {
		t.Errorf("anomalies in well-formed traffic: %v", c.anomalies)
	}
	d, ok := inv.Snapshot().Find(live.PLCAddr)
	if !ok || !slices.Contains(d.Roles, "tls_server") || d.TLS == nil || len(d.TLS.Certificates) == 0 {
		t.Errorf("the PLC at %s is not a TLS server with its certificate: %+v", live.PLCAddr, d)
	}
}
