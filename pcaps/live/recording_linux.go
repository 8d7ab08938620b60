//go:build linux

package live

import (
	"context"
	"fmt"
	"os"
	"time"
)

// A Recording is a capture of lo in progress, started by StartRecording
// once the servers are up and ended by Stop (write the file) or Abort.
type Recording struct {
	c *loCapture
}

// StartRecording captures lo with AF_PACKET, keeping the received copy of
// the IPv4 TCP frames to or from any of ports, and returns once the
// capture has settled. It needs root or CAP_NET_RAW.
func StartRecording(ports ...uint16) (*Recording, error) {
	c, err := startCapture(ports...)
	if err != nil {
		return nil, fmt.Errorf("capture on lo (needs root or CAP_NET_RAW): %w", err)
	}
	time.Sleep(100 * time.Millisecond) // let the capture settle
	return &Recording{c: c}, nil
}

// Stop waits for the last FINs and ACKs, ends the capture and writes what
// it kept to path as a microsecond Ethernet pcap. It returns the number of
// packets written.
func (r *Recording) Stop(path string) (packets int, err error) {
	time.Sleep(300 * time.Millisecond)
	pkts := r.c.stop()
	if err := writePcap(path, pkts); err != nil {
		return 0, err
	}
	return len(pkts), nil
}

// Abort ends the capture and drops what it kept.
func (r *Recording) Abort() { r.c.stop() }

// begin checks that recorder (RecordMQTT, RecordTLS) can capture lo,
// fills in opt's default timeout and returns the run's context.
func begin(ctx context.Context, recorder string, opt *Options) (context.Context, context.CancelFunc, error) {
	if os.Geteuid() != 0 {
		return nil, nil, fmt.Errorf("live: %s needs root: it captures lo with AF_PACKET (run as root, e.g. sudo)", recorder)
	}
	if opt.Timeout == 0 {
		opt.Timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	return ctx, cancel, nil
}
