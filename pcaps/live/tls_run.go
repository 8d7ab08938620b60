package live

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Application data of the exchanges: an HTTP GET and its answer, an MQTT
// 3.1.1 CONNECT (client id "plc-tls") and CONNACK, an OPC UA Hello and
// Acknowledge.
var (
	httpReq  = []byte("GET /api/status HTTP/1.1\r\nHost: plant\r\nUser-Agent: otsensor-live\r\n\r\n")
	httpResp = []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\nConnection: close\r\n\r\n{\"state\":\"running\"}\n")
	mqttReq  = []byte{0x10, 0x13, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x07, 'p', 'l', 'c', '-', 't', 'l', 's'}
	mqttResp = []byte{0x20, 0x02, 0x00, 0x00}
	opcReq   = opcuaMessage("HEL", []byte("opc.tcp://opcua.plant.local:4843"))
	opcResp  = opcuaMessage("ACK", []byte{0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
)

// opcuaMessage returns an OPC UA TCP message: type, 'F', length, body.
func opcuaMessage(typ string, body []byte) []byte {
	n := 8 + len(body)
	b := append([]byte(typ), 'F', byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	return append(b, body...)
}

// tlsRun is one RecordTLS run: its keys, ports and temporary directory.
type tlsRun struct {
	pki     *tlsPKI
	ports   TLSPorts
	dir     string
	openssl string
	caFile  string
}

func (r *tlsRun) addr(ip string, port int) string { return net.JoinHostPort(ip, strconv.Itoa(port)) }

// serverConfigs returns the Go servers: address, configuration, answer.
func (r *tlsRun) servers() []struct {
	addr string
	cfg  *tls.Config
	resp []byte
} {
	p := r.pki
	all := &tls.Config{Certificates: []tls.Certificate{p.plc}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS13,
		NextProtos: []string{"h2", "http/1.1"}}
	broker := &tls.Config{Certificates: []tls.Certificate{p.broker}, MinVersion: tls.VersionTLS12,
		NextProtos: []string{"mqtt"}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: p.pool}
	// P-256 only: a TLS 1.3 client that sends an X25519 key share gets a
	// HelloRetryRequest.
	opcua := &tls.Config{Certificates: []tls.Certificate{p.opcua}, MinVersion: tls.VersionTLS12,
		CurvePreferences: []tls.CurveID{tls.CurveP256}}
	panel := &tls.Config{Certificates: []tls.Certificate{p.panel}, MinVersion: tls.VersionTLS12}
	rtu := &tls.Config{Certificates: []tls.Certificate{p.rtu}, MinVersion: tls.VersionTLS12}
	gw := &tls.Config{Certificates: []tls.Certificate{p.gateway}, MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	return []struct {
		addr string
		cfg  *tls.Config
		resp []byte
	}{
		{r.addr(PLCAddr, r.ports.HTTPS), all, httpResp},
		{r.addr(BrokerAddr, r.ports.MQTT), broker, mqttResp},
		{r.addr(OPCUAAddr, r.ports.OPCUA), opcua, opcResp},
		{r.addr(PanelAddr, r.ports.HTTPS), panel, httpResp},
		{r.addr(RTUAddr, r.ports.HTTPS), rtu, httpResp},
		{r.addr(GatewayAddr, r.ports.Other), gw, httpResp},
	}
}

// tlsStep is one client connection of the run.
type tlsStep struct {
	what string
	run  func(ctx context.Context) error
}

// goStep connects a Go client and checks the negotiated version, ALPN
// and resumption.
func (r *tlsRun) goStep(what, addr string, cfg *tls.Config, req []byte, version uint16, alpn string, resumed bool) tlsStep {
	return tlsStep{what, func(context.Context) error {
		st, err := tlsExchange(addr, cfg, req)
		if err != nil {
			return err
		}
		if st.Version != version {
			return fmt.Errorf("negotiated %s, want %s", tls.VersionName(st.Version), tls.VersionName(version))
		}
		if st.NegotiatedProtocol != alpn {
			return fmt.Errorf("ALPN %q, want %q", st.NegotiatedProtocol, alpn)
		}
		if st.DidResume != resumed {
			return fmt.Errorf("resumed %v, want %v", st.DidResume, resumed)
		}
		return nil
	}}
}

// refusedStep connects a Go client whose handshake must fail with an
// error containing want.
func (r *tlsRun) refusedStep(what, addr string, cfg *tls.Config, want string) tlsStep {
	return tlsStep{what, func(context.Context) error {
		_, err := tlsExchange(addr, cfg, httpReq)
		if err == nil {
			return errors.New("handshake succeeded, want it refused")
		}
		if !strings.Contains(err.Error(), want) {
			return fmt.Errorf("error %q, want %q", err, want)
		}
		return nil
	}}
}

// opensslStep runs openssl s_client and checks its output for the
// protocol it negotiated.
func (r *tlsRun) opensslStep(what, addr, sni, protocol string, extra ...string) tlsStep {
	return tlsStep{what, func(ctx context.Context) error {
		out, err := sClient(ctx, r.openssl, addr, sni, r.caFile, extra...)
		if err != nil {
			return err
		}
		if !strings.Contains(out, "Protocol  : "+protocol) && !strings.Contains(out, ", "+protocol+",") {
			return fmt.Errorf("s_client did not negotiate %s: %s", protocol, lastLines([]byte(out), 30))
		}
		if !strings.Contains(out, "HTTP/1.") {
			return fmt.Errorf("s_client got no HTTP answer: %s", lastLines([]byte(out), 30))
		}
		return nil
	}}
}

// steps returns the client connections in order (TLSConnections of
// them).
func (r *tlsRun) steps() []tlsStep {
	p := r.pki
	plc := r.addr(PLCAddr, r.ports.HTTPS)
	broker := r.addr(BrokerAddr, r.ports.MQTT)
	opcua := r.addr(OPCUAAddr, r.ports.OPCUA)
	panel := r.addr(PanelAddr, r.ports.HTTPS)
	rtu := r.addr(RTUAddr, r.ports.HTTPS)
	gw := r.addr(GatewayAddr, r.ports.Other)
	hist := r.addr(HistorianAddr, r.ports.HTTPS)
	verified := func(sni string, min, max uint16, alpn ...string) *tls.Config {
		return &tls.Config{ServerName: sni, RootCAs: p.pool, MinVersion: min, MaxVersion: max, NextProtos: alpn}
	}
	insecure := func(sni string) *tls.Config {
		return &tls.Config{ServerName: sni, InsecureSkipVerify: true, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12}
	}
	mtls := verified(BrokerName, tls.VersionTLS12, tls.VersionTLS12, "mqtt")
	mtls.Certificates = []tls.Certificate{p.client}
	hrr := verified(OPCUAName, tls.VersionTLS13, tls.VersionTLS13)
	hrr.CurvePreferences = []tls.CurveID{tls.X25519, tls.CurveP256}
	resume := verified(PLCName, tls.VersionTLS12, tls.VersionTLS12, "http/1.1")
	resume.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	const v10, v11, v12, v13 = tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13
	return []tlsStep{
		r.goStep("plc1 TLS 1.3, ALPN h2", plc, verified(PLCName, v12, v13, "h2", "http/1.1"), httpReq, v13, "h2", false),
		r.goStep("plc1 TLS 1.2, ALPN http/1.1", plc, verified(PLCName, v12, v12, "http/1.1"), httpReq, v12, "http/1.1", false),
		r.goStep("plc1 TLS 1.1", plc, verified(PLCName, v11, v11), httpReq, v11, "", false),
		r.goStep("plc1 TLS 1.0", plc, verified(PLCName, v10, v10), httpReq, v10, "", false),
		r.goStep("plc1 TLS 1.2, session ticket issued", plc, resume, httpReq, v12, "http/1.1", false),
		r.goStep("plc1 TLS 1.2, resumed with the ticket", plc, resume, httpReq, v12, "http/1.1", true),
		r.opensslStep("plc1, openssl s_client TLS 1.3", plc, PLCName, "TLSv1.3"),
		r.goStep("broker TLS 1.3, ALPN mqtt", broker, verified(BrokerName, v12, v13, "mqtt"), mqttReq, v13, "mqtt", false),
		r.goStep("broker TLS 1.2, client certificate", broker, mtls, mqttReq, v12, "mqtt", false),
		r.refusedStep("broker, client at most TLS 1.1", broker, verified(BrokerName, v10, v11, "mqtt"), "protocol version"),
		r.goStep("OPC UA TLS 1.3, HelloRetryRequest", opcua, hrr, opcReq, v13, "", false),
		r.goStep("OPC UA TLS 1.2", opcua, verified(OPCUAName, v12, v12), opcReq, v12, "", false),
		r.goStep("panel, self-signed, TLS 1.2", panel, insecure(PanelName), httpReq, v12, "", false),
		r.goStep("RTU, expired, TLS 1.2", rtu, insecure(RTUName), httpReq, v12, "", false),
		r.refusedStep("RTU, expired, verified by the client", rtu, verified(RTUName, v12, v12), "expired"),
		r.goStep("gateway on a non-standard port, TLS 1.2", gw, verified(GatewayName, v12, v12, "http/1.1"), httpReq, v12, "http/1.1", false),
		r.goStep("gateway on a non-standard port, TLS 1.3", gw, verified(GatewayName, v12, v13, "http/1.1"), httpReq, v13, "http/1.1", false),
		r.opensslStep("historian, openssl TLS 1.2", hist, HistorianName, "TLSv1.2", "-tls1_2", "-alpn", "http/1.1"),
		r.opensslStep("historian, openssl TLS 1.3", hist, HistorianName, "TLSv1.3", "-tls1_3"),
	}
}

// run starts the servers, runs every step one after the other and stops
// the servers. capture is called once the servers are up and before the
// first client connects.
func (r *tlsRun) run(ctx context.Context, capture func() error) (err error) {
	var servers []*tlsServer
	defer func() {
		for _, s := range servers {
			err = errors.Join(err, s.stop())
		}
	}()
	for _, s := range r.servers() {
		srv, err := startTLSServer(s.addr, s.cfg, s.resp)
		if err != nil {
			return err
		}
		servers = append(servers, srv)
	}
	histCert, histKey, err := writePEM(r.dir, "historian", r.pki.historian)
	if err != nil {
		return err
	}
	// The historian's two connections come from openssl s_client.
	hist, err := startSServer(ctx, r.openssl, r.addr(HistorianAddr, r.ports.HTTPS), histCert, histKey, r.caFile, 2)
	if err != nil {
		return err
	}
	if err := capture(); err != nil {
		hist.wait(0)
		return err
	}
	steps := r.steps()
	for i, s := range steps {
		if err := s.run(ctx); err != nil {
			hist.wait(0)
			return fmt.Errorf("TLS connection %d (%s): %w", i+1, s.what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return hist.wait(5 * time.Second)
}
