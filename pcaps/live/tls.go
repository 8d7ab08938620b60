package live

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// TLSPorts are the TCP ports RecordTLS's servers listen on.
type TLSPorts struct {
	HTTPS int // 443: plc1, the self-signed panel, the expired RTU, the openssl historian
	MQTT  int // 8883: MQTT over TLS
	OPCUA int // 4843: OPC UA over TLS
	Other int // a port no dissector knows: TLS found by content
}

// DefaultTLSPorts are the standard ports (and 9443 as the non-standard
// one), what pcaps/gen records with.
var DefaultTLSPorts = TLSPorts{HTTPS: 443, MQTT: 8883, OPCUA: 4843, Other: 9443}

// List returns the ports in a fixed order: HTTPS, MQTT, OPC UA, other.
func (p TLSPorts) List() []uint16 {
	return []uint16{uint16(p.HTTPS), uint16(p.MQTT), uint16(p.OPCUA), uint16(p.Other)}
}

// The server addresses of RecordTLS (the port comes from TLSPorts) and
// the address the Go clients connect from (openssl s_client cannot
// choose one: it connects from 127.0.0.1).
const (
	PLCAddr       = "127.0.0.1" // HTTPS, Go
	BrokerAddr    = "127.0.0.2" // MQTT, Go
	OPCUAAddr     = "127.0.0.3" // OPC UA, Go, P-256 only
	PanelAddr     = "127.0.0.4" // HTTPS, Go, self-signed
	RTUAddr       = "127.0.0.5" // HTTPS, Go, expired
	GatewayAddr   = "127.0.0.6" // Other port, Go
	HistorianAddr = "127.0.0.7" // HTTPS, openssl s_server
	TLSClientAddr = "127.0.0.10"
)

// TLSConnections is the number of TCP connections RecordTLS opens: 16
// from Go clients and 3 from openssl s_client (one to plc1, two to the
// historian); TLSRefused of them end in a handshake alert.
const (
	TLSConnections = 19
	TLSRefused     = 2
)

// FreeTLSPorts picks ports that are free on every address that uses
// them (what RecordTLS does for zero ports; a caller that must know the
// ports picks them first).
func FreeTLSPorts() (TLSPorts, error) {
	var p TLSPorts
	var err error
	if p.HTTPS, err = freePortOn(PLCAddr, PanelAddr, RTUAddr, HistorianAddr); err != nil {
		return p, err
	}
	if p.MQTT, err = freePortOn(BrokerAddr); err != nil {
		return p, err
	}
	if p.OPCUA, err = freePortOn(OPCUAAddr); err != nil {
		return p, err
	}
	p.Other, err = freePortOn(GatewayAddr)
	return p, err
}

// freePortOn returns a TCP port free on every address in addrs.
func freePortOn(addrs ...string) (int, error) {
try:
	for range 20 {
		l, err := net.Listen("tcp", addrs[0]+":0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		var ls []net.Listener
		for _, a := range addrs[1:] {
			l2, err := net.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(port)))
			if err != nil {
				l.Close()
				for _, x := range ls {
					x.Close()
				}
				continue try
			}
			ls = append(ls, l2)
		}
		l.Close()
		for _, x := range ls {
			x.Close()
		}
		return port, nil
	}
	return 0, fmt.Errorf("no TCP port free on all of %v", addrs)
}

// tlsServer is one Go crypto/tls server: it answers every connection's
// first read with resp, then closes its side (close_notify) and waits for
// the client's.
type tlsServer struct {
	ln   net.Listener
	cfg  *tls.Config
	resp []byte
	errs chan error // errors after a completed handshake
	done chan struct{}
}

func startTLSServer(addr string, cfg *tls.Config, resp []byte) (*tlsServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &tlsServer{ln: ln, cfg: cfg, resp: resp, errs: make(chan error, 32), done: make(chan struct{})}
	go s.serve()
	return s, nil
}

func (s *tlsServer) serve() {
	defer close(s.done)
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		// Clients run one after the other: serve inline, so that the
		// capture's order is the run's.
		if err := s.handle(c); err != nil {
			select {
			case s.errs <- fmt.Errorf("server %s: %w", s.ln.Addr(), err):
			default:
			}
		}
	}
}

func (s *tlsServer) handle(c net.Conn) error {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	tc := tls.Server(c, s.cfg)
	if err := tc.Handshake(); err != nil {
		return nil // refused handshakes are part of the run; the client checks them
	}
	buf := make([]byte, 4096)
	if _, err := tc.Read(buf); err != nil {
		return err
	}
	if _, err := tc.Write(s.resp); err != nil {
		return err
	}
	if err := tc.CloseWrite(); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, tc); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// stop closes the listener, waits for the connection being served and
// returns the first error seen.
func (s *tlsServer) stop() error {
	s.ln.Close()
	<-s.done
	select {
	case err := <-s.errs:
		return err
	default:
		return nil
	}
}

// tlsExchange connects from TLSClientAddr to addr, completes the
// handshake, sends req, reads until the server's close_notify and closes.
func tlsExchange(addr string, cfg *tls.Config, req []byte) (tls.ConnectionState, error) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(TLSClientAddr)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		return tls.ConnectionState{}, err
	}
	st := tc.ConnectionState()
	if _, err := tc.Write(req); err != nil {
		return st, err
	}
	resp, err := io.ReadAll(tc)
	if err != nil {
		return st, err
	}
	if len(resp) == 0 {
		return st, errors.New("empty response")
	}
	return st, tc.Close()
}
