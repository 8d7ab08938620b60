package mqtt

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts/sink"
)

// connect opens a new connection within ctx and makes it s.client.
func (s *Sink) connect(ctx context.Context) error {
	password, renewAt, err := s.credentials()
	if err != nil {
		return sink.Permanent(fmt.Errorf("mqtt: %w", err))
	}
	timeout := s.opt.timeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	if timeout <= 0 {
		return fmt.Errorf("mqtt: connect to %s: %w", s.opt.addr, context.DeadlineExceeded)
	}
	// Dial and TLS end with ctx; Paho's CONNECT/CONNACK exchange ends at
	// ConnectTimeout, set a little later so that ctx ends first and Send
	// reports ctx's error; the late handshake is then cleaned up below.
	timeout += 250 * time.Millisecond
	o := paho.NewClientOptions().
		AddBroker("tcp://" + s.opt.addr).
		SetClientID(s.opt.clientID).
		SetProtocolVersion(4). // 3.1.1, no fallback to 3.1
		SetCleanSession(true).
		SetAutoReconnect(false).
		SetConnectRetry(false).
		SetConnectTimeout(timeout).
		SetWriteTimeout(s.opt.timeout).
		SetKeepAlive(30 * time.Second).
		SetCustomOpenConnectionFn(func(*url.URL, paho.ClientOptions) (net.Conn, error) {
			return s.dial(ctx)
		}).
		SetConnectionLostHandler(func(_ paho.Client, err error) {
			s.log.Debug("mqtt connection lost", zap.Error(err))
		})
	if s.opt.username != "" {
		o.SetUsername(s.opt.username)
	}
	if password != "" {
		o.SetPassword(password)
	}
	c := paho.NewClient(o)
	tok := c.Connect()
	select {
	case <-tok.Done():
	case <-ctx.Done():
		// The handshake ends by itself within ConnectTimeout; a client
		// that got through after all is disconnected.
		go func() {
			<-tok.Done()
			c.Disconnect(0)
		}()
		return fmt.Errorf("mqtt: connect to %s: %w", s.opt.addr, ctx.Err())
	}
	if err := tok.Error(); err != nil {
		if ctx.Err() != nil { // the handshake timed out with ctx
			return fmt.Errorf("mqtt: connect to %s: %w: %w", s.opt.addr, ctx.Err(), err)
		}
		err = fmt.Errorf("mqtt: connect to %s: %w", s.opt.addr, err)
		if permanentConnect(tok.(*paho.ConnectToken).ReturnCode(), err) {
			return sink.Permanent(err)
		}
		return err
	}
	s.client, s.renewAt = c, renewAt
	s.connects++
	s.log.Debug("mqtt connected", zap.String("addr", s.opt.addr), zap.String("client_id", s.opt.clientID))
	return nil
}

// credentials returns the password for the next connection and when to
// renew it (zero: never).
func (s *Sink) credentials() (string, time.Time, error) {
	h := s.opt.hub
	if h == nil {
		return s.opt.password, time.Time{}, nil
	}
	now := s.now()
	if h.key != nil {
		return sasToken(h.resource(), h.key, now.Add(h.ttl)), now.Add(h.ttl - h.ttl/5), nil
	}
	t, err := h.token.Read()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("iot_hub.sas_token: %w", err)
	}
	exp, err := tokenExpiry(t)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("iot_hub.sas_token: %w", err)
	}
	if !now.Before(exp) {
		return "", time.Time{}, fmt.Errorf("iot_hub.sas_token: expired at %s: provide a fresh token", exp.UTC().Format(time.RFC3339))
	}
	return t, exp, nil
}

// dial opens the TCP (and TLS) connection within ctx.
func (s *Sink) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.opt.addr)
	if err != nil || s.opt.tls == nil {
		return conn, err
	}
	tc := tls.Client(conn, s.opt.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return tc, nil
}

// drop abandons the current connection, giving a DISCONNECT at most
// quiesce milliseconds (0: Paho closes in the background); the next Send
// connects anew.
func (s *Sink) drop(quiesce uint) {
	if s.client == nil {
		return
	}
	c := s.client
	s.client = nil
	c.Disconnect(quiesce)
}

// permanentConnect tells whether a failed connection will fail again
// however often it is retried: the broker refused the protocol, client id,
// credentials or authorization (CONNACK 1, 2, 4, 5), or TLS refused a
// certificate (the broker's, or ours by the broker) or the TLS parameters,
// or the peer does not speak TLS. "Server unavailable" (3) and network errors are retryable.
func permanentConnect(rc byte, err error) bool {
	switch rc {
	case packets.ErrRefusedBadProtocolVersion, packets.ErrRefusedIDRejected,
		packets.ErrRefusedBadUsernameOrPassword, packets.ErrRefusedNotAuthorised:
		return true
	}
	return certificateError(err)
}

// certificateError tells whether err is a TLS certificate refusal.
func certificateError(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		record   tls.RecordHeaderError
		op       *net.OpError
	)
	switch {
	case errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &hostname),
		errors.As(err, &invalid), errors.As(err, &record):
		return true
	case errors.As(err, &op) && op.Op == "remote error":
		// crypto/tls reports the peer's alert as an unexported uint8
		// type: handshake_failure (TLS 1.2 servers send it for a missing
		// client certificate), bad_certificate, unsupported_certificate,
		// certificate_revoked, certificate_expired, certificate_unknown,
		// unknown_ca, protocol_version, insufficient_security,
		// certificate_required (RFC 8446 section 6.2).
		if v := reflect.ValueOf(op.Err); v.Kind() == reflect.Uint8 {
			switch v.Uint() {
			case 40, 42, 43, 44, 45, 46, 48, 70, 71, 116:
				return true
			}
		}
	}
	return false
}
