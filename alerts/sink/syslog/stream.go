package syslog

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// How long the liveness checks wait for a sign of a dead connection.
const (
	probeBefore   = time.Millisecond       // before a write: FIN/RST already received
	probeAfterMin = 2 * time.Millisecond   // after a write: the RST a dead peer answers
	probeAfterMax = 250 * time.Millisecond // with, about two round trips
)

var (
	// errClosed reports a collector that closed the connection.
	errClosed = errors.New("connection closed by the collector")
	// errInterrupted reports a Send whose context ended.
	errInterrupted = errors.New("send interrupted")
)

// stream is a TCP or TLS connection to a collector.
type stream struct {
	conn  net.Conn
	after time.Duration // how long to watch for a reset after a write
	tls   bool
	scrap [256]byte
}

// dialStream connects to addr; for TLS it completes the handshake.
func dialStream(ctx context.Context, network, addr, host string, tc sink.TLSConfig) (*stream, error) {
	var d net.Dialer
	start := time.Now()
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	rtt := time.Since(start)
	s := &stream{conn: c, after: min(max(2*rtt+time.Millisecond, probeAfterMin), probeAfterMax)}
	if network != "tls" {
		return s, nil
	}
	cfg, err := tc.Client(host)
	if err != nil {
		c.Close()
		return nil, sink.Permanent(err)
	}
	t := tls.Client(c, cfg)
	if err := t.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, classifyTLS(err)
	}
	s.conn, s.tls = t, true
	return s, nil
}

// write writes b whole, bounded by ctx, then watches the connection for
// a close or reset for s.after.
func (s *stream) write(ctx context.Context, b []byte) error {
	stop := context.AfterFunc(ctx, func() { s.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		s.conn.SetWriteDeadline(dl)
	}
	if _, err := s.conn.Write(b); err != nil {
		return s.classify(err)
	}
	if err := s.probe(s.after); err != nil {
		return err
	}
	if !stop() {
		return errInterrupted
	}
	return nil
}

// alive tells whether the connection can still be written to: it has not
// received a close or a reset.
func (s *stream) alive() error { return s.probe(probeBefore) }

// probe reads for up to wait: a timeout means nothing happened, which is
// the normal case since collectors send nothing; EOF or an error means the
// connection is dead. Bytes a collector sends anyway are dropped.
func (s *stream) probe(wait time.Duration) error {
	defer s.conn.SetReadDeadline(time.Time{})
	s.conn.SetReadDeadline(time.Now().Add(wait))
	for {
		_, err := s.conn.Read(s.scrap[:])
		switch {
		case err == nil:
			continue
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil
		case errors.Is(err, io.EOF):
			return errClosed
		default:
			return s.classify(err)
		}
	}
}

func (s *stream) classify(err error) error {
	if s.tls {
		return classifyTLS(err)
	}
	return err
}

func (s *stream) close() { s.conn.Close() }

// classifyTLS marks certificate errors, ours or the collector's about
// ours, and handshakes the settings do not allow, as permanent.
func classifyTLS(err error) error {
	var (
		verr  *tls.CertificateVerificationError
		uaerr x509.UnknownAuthorityError
		herr  x509.HostnameError
		cerr  x509.CertificateInvalidError
		alert tls.AlertError
		op    *net.OpError
	)
	switch {
	case errors.As(err, &verr), errors.As(err, &uaerr), errors.As(err, &herr), errors.As(err, &cerr):
		return sink.Permanent(err)
	case errors.As(err, &alert) && certAlert(alert):
		return sink.Permanent(err)
	case errors.As(err, &op) && op.Op == "remote error" && op.Err != nil && remoteCertAlert(op.Err.Error()):
		// crypto/tls reports a received alert as an OpError "remote
		// error" wrapping an unexported type, with AlertError's text.
		return sink.Permanent(err)
	}
	return err
}

// certAlert tells whether a is a TLS alert (RFC 8446 section 6.2) that
// retrying will not fix: about a certificate (bad_certificate,
// unsupported_certificate, certificate_revoked, certificate_expired,
// certificate_unknown, unknown_ca, certificate_required), refusing access
// (access_denied), or a handshake the two sides' settings do not allow
// (handshake_failure, which a TLS 1.2 server also sends for a missing
// client certificate, protocol_version, insufficient_security).
func certAlert(a tls.AlertError) bool {
	switch a {
	case 40, 42, 43, 44, 45, 46, 48, 49, 70, 71, 116:
		return true
	}
	return false
}

// remoteCertAlert tells whether text is a certificate alert's text.
func remoteCertAlert(text string) bool {
	for a := tls.AlertError(0); a < 255; a++ {
		if certAlert(a) && text == a.Error() {
			return true
		}
	}
	return false
}
