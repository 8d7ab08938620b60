// Package syslog is the syslog sink: RFC 5424 messages over UDP (RFC 5426),
// TCP (RFC 6587) or TLS (RFC 5425), whose MSG is the message's JSON body
// (format rfc5424, the default) or an ArcSight CEF line (format cef).
//
// URLs: syslog+udp://host[:514], syslog+tcp://host[:601],
// syslog+tls://host[:6514] (with Config.TLS), ?format=cef|rfc5424.
//
// Every message is one RFC 5424 SYSLOG-MSG with facility local4, a
// severity from the alert's (critical 2, high 3, medium 4, low 5; device
// and heartbeat messages 6), APP-NAME otsensor, MSGID the message type and
// the structured data [otsensor@32473 id=".." seq=".." sensor=".."] (plus
// alert, rule and severity for alerts), so a collector can drop resent
// duplicates on id. MSG carries no UTF-8 BOM: collectors that look for "{"
// or "CEF:" at its start choke on one.
//
// CEF (version 0): CEF:0|otsensor|otsensor|<version>|<rule>|<title>|<0-10>|
// with severity low 3, medium 5, high 8, critical 10, and the extensions
// rt (last_seen, ms since the epoch), start (first_seen), cnt, src, spt,
// smac, dst, dpt, dmac (IPv6 endpoints in c6a2 and c6a3 with their
// labels), app, cat, externalId (the alert id), cs1 (engine), cs2 (MITRE
// ATT&CK technique id), msg (the evidence as compact JSON, at most 1023
// bytes) and deviceExternalId (the sensor id). Device messages are
// signature otsensor.device, severity 1 (src, smac, vendor, roles and
// protocols in cs3 to cs5); heartbeats otsensor.heartbeat, severity 0
// (uptime, packets and drops in cn1 to cn3). Header fields escape '|' and
// '\'; extension values escape '=' and '\' and write newlines as \n, \r.
//
// Delivery. Syslog has no acknowledgment.
//   - TCP and TLS frame messages by octet counting (RFC 6587 section 3.4.1,
//     the only framing RFC 5425 allows), which, unlike LF framing, survives
//     any byte in MSG. The sink keeps one connection and writes a batch in
//     one write; a batch counts as delivered when the write succeeded and
//     the connection shows no sign of a closed or reset peer, checked with
//     a short read just before the write and for about two round trips
//     after it. A collector that dies without closing its connection (host
//     down, cable cut) is noticed only when TCP gives up retransmitting:
//     what was written in between is lost although Send returned nil.
//     Delivery is therefore at-least-once only up to that limit.
//   - UDP cannot confirm anything: delivery is best effort. A Send fails
//     only when the socket reports an error, such as the ICMP port
//     unreachable an earlier datagram met (the batch is then sent again,
//     whole); a collector that is down can lose what was sent before the
//     error, and datagrams lost on the way go unnoticed. A message longer
//     than MaxDatagram bytes has its MSG cut and ends with
//     "...[truncated]"; use TCP or TLS for complete JSON bodies.
//
// Errors: a refused or lost connection or a timeout is retryable; a TLS
// certificate the sink refuses, or the collector refusing the sink's, is
// sink.Permanent.
package syslog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/otsensor/otsensor/alerts/sink"
)

// MaxDatagram is the largest UDP datagram the sink sends: the 2048 octets
// RFC 5426 section 3.2 says every receiver should accept. IP may still
// fragment it on links with a small MTU.
const MaxDatagram = 2048

// Formats of Config.Format.
const (
	FormatRFC5424 = "rfc5424"
	FormatCEF     = "cef"
)

// Default ports.
const (
	portUDP = "514"
	portTCP = "601"
	portTLS = "6514"
)

// Sink sends messages to a syslog collector.
type Sink struct {
	name    string
	network string // "udp", "tcp" or "tls"
	addr    string
	format  string
	version string
	timeout time.Duration
	tls     sink.TLSConfig
	host    string // for the TLS server name
	hdr     header
	log     *zap.Logger

	mu    sync.Mutex
	conn  *stream  // tcp, tls
	udp   net.Conn // udp
	buf   []byte   // what one Send writes
	frame []byte   // one SYSLOG-MSG
	msg   []byte   // its MSG
}

var _ sink.Sink = (*Sink)(nil)

// New returns a syslog sink for cfg; it connects at the first Send. The
// CEF device version is the module version from the build information.
func New(cfg sink.Config, log *zap.Logger) (sink.Sink, error) {
	return NewWithVersion(cfg, log, buildVersion())
}

// NewWithVersion is New with the otsensor version CEF lines carry.
func NewWithVersion(cfg sink.Config, log *zap.Logger, version string) (*Sink, error) {
	if log == nil {
		log = zap.NewNop()
	}
	s := &Sink{name: cfg.SinkName(), timeout: cfg.SendTimeout(), tls: cfg.TLS, log: log, version: version}
	if s.version == "" {
		s.version = "dev"
	}
	if err := s.configure(cfg); err != nil {
		return nil, fmt.Errorf("syslog sink %s: %w", s.name, err)
	}
	if s.network == "tls" {
		// Check the TLS files now rather than at the first Send.
		if _, err := cfg.TLS.Client(s.host); err != nil {
			return nil, fmt.Errorf("syslog sink %s: %w", s.name, err)
		}
	}
	hostname, _ := os.Hostname()
	s.hdr = newHeader(hostname, os.Getpid())
	return s, nil
}

// configure reads and checks cfg.
func (s *Sink) configure(cfg sink.Config) error {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return fmt.Errorf("url: %w", err)
	}
	port := ""
	switch strings.ToLower(u.Scheme) {
	case "syslog+udp":
		s.network, port = "udp", portUDP
	case "syslog+tcp":
		s.network, port = "tcp", portTCP
	case "syslog+tls":
		s.network, port = "tls", portTLS
	default:
		return fmt.Errorf("url: scheme %q: want syslog+udp, syslog+tcp or syslog+tls", u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("url: no host")
	}
	if u.User != nil || cfg.Username != "" {
		return fmt.Errorf("username: syslog has no authentication (use syslog+tls with a client certificate)")
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("url: path %q: a syslog URL has none", u.Path)
	}
	if u.Port() != "" {
		port = u.Port()
	}
	s.host = u.Hostname()
	s.addr = net.JoinHostPort(s.host, port)
	format := cfg.Format
	for key, vals := range u.Query() {
		if key != "format" {
			return fmt.Errorf("url: parameter %q: only format belongs in a syslog URL", key)
		}
		if v := vals[len(vals)-1]; format == "" {
			format = v
		} else if v != format {
			return fmt.Errorf("format: %q in the configuration, %q in the URL", format, v)
		}
	}
	switch strings.ToLower(format) {
	case "", FormatRFC5424:
		s.format = FormatRFC5424
	case FormatCEF:
		s.format = FormatCEF
	default:
		return fmt.Errorf("format %q: want rfc5424 or cef", format)
	}
	if s.format == FormatCEF && cfg.Envelope != "" && cfg.Envelope != "otsensor" {
		return fmt.Errorf("envelope %q: the cef format reads otsensor messages only", cfg.Envelope)
	}
	switch {
	case cfg.Password.IsSet():
		return fmt.Errorf("password: syslog has no authentication")
	case cfg.ConnectionString.IsSet():
		return fmt.Errorf("connection_string: not a syslog setting")
	case cfg.IoTHub != nil:
		return fmt.Errorf("iot_hub: not a syslog setting")
	case len(cfg.Headers) > 0:
		return fmt.Errorf("headers: not a syslog setting")
	case s.network != "tls" && cfg.TLS != (sink.TLSConfig{}):
		return fmt.Errorf("tls: set, but the scheme is syslog+%s (use syslog+tls)", s.network)
	}
	return nil
}

// buildVersion is the main module's version, or "dev".
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Name returns the configured name or the URL without its query.
func (s *Sink) Name() string { return s.name }

// Format returns "rfc5424" or "cef".
func (s *Sink) Format() string { return s.format }

// Send writes batch to the collector, connecting first if needed. See the
// package documentation for what a nil error promises.
func (s *Sink) Send(ctx context.Context, batch []sink.Message) error {
	if len(batch) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if s.network == "udp" {
		err = s.sendUDP(ctx, batch)
	} else {
		err = s.sendStream(ctx, batch)
	}
	if err != nil {
		switch {
		case sink.IsPermanent(err):
		case ctx.Err() != nil:
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		case errors.Is(err, os.ErrDeadlineExceeded):
			// The write deadline is ctx's: it may fire first.
			err = fmt.Errorf("%w (%w)", err, context.DeadlineExceeded)
		}
		return fmt.Errorf("syslog %s: %w", s.addr, err)
	}
	return nil
}

// appendMessage appends the SYSLOG-MSG of m to dst; s.msg keeps its MSG.
func (s *Sink) appendMessage(dst []byte, m *sink.Message) []byte {
	b, ok := parseBody(m.Body)
	if !ok {
		b = body{}
	}
	s.msg = s.msg[:0]
	if s.format == FormatCEF {
		s.msg = appendCEF(s.msg, s.version, m, &b, ok)
	} else {
		s.msg = append(s.msg, m.Body...)
	}
	return s.hdr.appendSyslog(dst, m, &b, s.msg)
}

func (s *Sink) sendStream(ctx context.Context, batch []sink.Message) error {
	s.buf = s.buf[:0]
	for i := range batch {
		s.frame = s.appendMessage(s.frame[:0], &batch[i])
		s.buf = appendFrame(s.buf, s.frame)
	}
	if s.conn != nil {
		if err := s.conn.alive(); err != nil {
			s.log.Info("syslog connection lost, reconnecting", zap.String("sink", s.name), zap.Error(err))
			s.closeConn()
		}
	}
	if s.conn == nil {
		c, err := dialStream(ctx, s.network, s.addr, s.host, s.tls)
		if err != nil {
			return err
		}
		s.conn = c
	}
	if err := s.conn.write(ctx, s.buf); err != nil {
		s.closeConn()
		return err
	}
	return nil
}

func (s *Sink) sendUDP(ctx context.Context, batch []sink.Message) error {
	if s.udp == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, "udp", s.addr)
		if err != nil {
			return err
		}
		s.udp = c
	}
	stop := context.AfterFunc(ctx, func() { s.udp.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	for i := range batch {
		s.buf = s.appendMessage(s.buf[:0], &batch[i])
		if len(s.buf) > MaxDatagram {
			s.buf = s.truncate(s.buf)
		}
		if _, err := s.udp.Write(s.buf); err != nil {
			s.udp.Close()
			s.udp = nil
			return err
		}
	}
	if !stop() {
		// ctx ended while writing: the deadline may be set; start afresh.
		s.udp.Close()
		s.udp = nil
		return errInterrupted
	}
	return nil
}

// truncate cuts the MSG of the SYSLOG-MSG msg (whose MSG is s.msg, at its
// end) so that the whole fits MaxDatagram.
func (s *Sink) truncate(msg []byte) []byte {
	hdr := len(msg) - len(s.msg)
	cut := truncateMsg(s.msg, MaxDatagram-hdr)
	return append(msg[:hdr], cut...)
}

func (s *Sink) closeConn() {
	if s.conn != nil {
		s.conn.close()
		s.conn = nil
	}
}

// Close closes the connection.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closeConn()
	if s.udp != nil {
		err := s.udp.Close()
		s.udp = nil
		return err
	}
	return nil
}
