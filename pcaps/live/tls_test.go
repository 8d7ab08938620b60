package live

import (
	"context"
	"testing"
	"time"
)

// TestRecordTLS records a run on free ports into a temporary file and
// checks it with gopacket only. It fails (it does not skip) without
// Linux, root or openssl: CI installs openssl (.ci/run).
func TestRecordTLS(t *testing.T) {
	ports, err := FreeTLSPorts()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ports %+v", ports)
	path, n := recordForTest(t, "RecordTLS", func() error { _, err := findOpenSSL(); return err },
		func(ctx context.Context, path string) (int, error) {
			return RecordTLS(ctx, path, Options{TLS: ports, Timeout: 20 * time.Second})
		})
	s, err := SummarizeTLS(path, ports.List()...)
	if err != nil {
		t.Fatal(err)
	}
	checkTLSSummary(t, s, n)
}

// checkTLSSummary checks a recording against what RecordTLS's steps do.
func checkTLSSummary(t *testing.T, s TLSSummary, packets int) {
	t.Helper()
	defer logOnFailure(t, s)
	if s.Packets != packets {
		t.Errorf("file has %d packets, RecordTLS said %d", s.Packets, packets)
	}
	if s.Connections != TLSConnections {
		t.Errorf("%d TCP connections, want %d", s.Connections, TLSConnections)
	}
	// One ClientHello per connection, and a second one after the
	// HelloRetryRequest.
	if s.ClientHellos != TLSConnections+1 {
		t.Errorf("%d ClientHellos, want %d", s.ClientHellos, TLSConnections+1)
	}
	if s.HelloRetryRequests != 1 {
		t.Errorf("%d HelloRetryRequests, want 1", s.HelloRetryRequests)
	}
	// Every connection but the one refused for its version gets a
	// ServerHello.
	if s.ServerHellos != TLSConnections-1 {
		t.Errorf("%d ServerHellos, want %d", s.ServerHellos, TLSConnections-1)
	}
	// TLS 1.0 and 1.1 once each; 1.3: plc1 (Go and openssl), the broker,
	// OPC UA after the retry, the gateway, the historian; the other 11
	// TLS 1.2.
	want := map[uint16]int{0x0301: 1, 0x0302: 1, 0x0303: 10, 0x0304: 6}
	for v, c := range want {
		if s.Versions[v] != c {
			t.Errorf("%d ServerHellos for version %#04x, want %d", s.Versions[v], v, c)
		}
	}
	// Certificates in clear (TLS 1.2 and before, full handshakes):
	// plc1 1.2, 1.1, 1.0 and the ticket's first connection; the broker
	// and the client's own; OPC UA 1.2; the panel; the RTU twice; the
	// gateway 1.2; the historian 1.2.
	if s.Certificates != 12 {
		t.Errorf("%d Certificate messages in clear, want 12", s.Certificates)
	}
	// Fatal (2) protocol_version (70) from the broker; the client that
	// rejects the expired certificate sends a fatal alert too.
	if s.Alerts[2<<8|70] != 1 {
		t.Errorf("no fatal protocol_version alert: %v", s.Alerts)
	}
	fatal := 0
	for a, c := range s.Alerts {
		if a>>8 == 2 {
			fatal += c
		}
	}
	if fatal != TLSRefused {
		t.Errorf("%d fatal alerts in clear, want %d: %v", fatal, TLSRefused, s.Alerts)
	}
	for name, c := range map[string]int{PLCName: 7, BrokerName: 3, OPCUAName: 3, PanelName: 1, RTUName: 2, GatewayName: 2, HistorianName: 2} {
		if s.SNI[name] != c {
			t.Errorf("SNI %s in %d ClientHellos, want %d", name, s.SNI[name], c)
		}
	}
	if s.Records[23] == 0 || s.Records[20] == 0 {
		t.Errorf("records by type %v: want application data and change_cipher_spec", s.Records)
	}
}
