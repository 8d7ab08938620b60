//go:build linux

package live

import (
	"context"
	"fmt"
	"os"
)

// RecordTLS generates a small PKI (a CA, servers' certificates signed by
// it, a self-signed and an expired one, a client certificate; RSA 2048
// and ECDSA P-256 keys), starts Go crypto/tls servers and an openssl
// s_server on 127.0.0.1-127.0.0.7, captures lo and drives the handshakes
// listed in the package doc one after the other from Go clients and
// openssl s_client; it writes the traffic of opt.TLS's ports to path as an
// Ethernet pcap and returns the number of packets once every client is
// done and the capture is flushed. Zero ports in opt.TLS are replaced by
// free ones (pcaps/gen passes DefaultTLSPorts). It needs root and
// openssl.
func RecordTLS(ctx context.Context, path string, opt Options) (packets int, err error) {
	ctx, cancel, err := begin(ctx, "RecordTLS", &opt)
	if err != nil {
		return 0, err
	}
	defer cancel()
	openssl, err := findOpenSSL()
	if err != nil {
		return 0, fmt.Errorf("live: %w", err)
	}
	ports := opt.TLS
	if ports.HTTPS == 0 || ports.MQTT == 0 || ports.OPCUA == 0 || ports.Other == 0 {
		free, err := FreeTLSPorts()
		if err != nil {
			return 0, fmt.Errorf("live: %w", err)
		}
		for _, f := range []struct {
			dst *int
			v   int
		}{{&ports.HTTPS, free.HTTPS}, {&ports.MQTT, free.MQTT}, {&ports.OPCUA, free.OPCUA}, {&ports.Other, free.Other}} {
			if *f.dst == 0 {
				*f.dst = f.v
			}
		}
	}
	pki, err := newTLSPKI()
	if err != nil {
		return 0, fmt.Errorf("live: certificates: %w", err)
	}
	dir, err := os.MkdirTemp("", "otsensor-tls-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	caFile, err := pki.writeCAPEM(dir)
	if err != nil {
		return 0, err
	}
	r := &tlsRun{pki: pki, ports: ports, dir: dir, openssl: openssl, caFile: caFile}
	var rec *Recording
	runErr := r.run(ctx, func() error {
		// The capture starts after the servers are up.
		var err error
		rec, err = StartRecording(ports.List()...)
		return err
	})
	if rec == nil {
		return 0, fmt.Errorf("live: %w", runErr)
	}
	if runErr != nil {
		rec.Abort()
		return 0, fmt.Errorf("live: %w", runErr)
	}
	n, err := rec.Stop(path)
	if err != nil {
		return 0, fmt.Errorf("live: %w", err)
	}
	return n, nil
}
