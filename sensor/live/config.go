package live

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/flow"
)

// Config is what a Sensor captures and where it sends what it learns.
type Config struct {
	Interfaces []string // e.g. ["eth1", "eth2"]
	// Workers is the number of sockets (and flow.Workers) per interface,
	// or with Merge in all, default 1.
	Workers int
	// Merge: the interfaces' traffic belongs together, such as the two
	// ports of a TAP (one direction of the link on each). Instead of a
	// fanout group per interface, Workers sockets bound to no interface
	// form one group, so that both directions of a flow reach one worker
	// whichever interface each came in on. A filter in the kernel passes
	// only the frames of the configured interfaces (then BPF, if set).
	// The interfaces must have the same link type. Stats still has an
	// entry per interface (packets, bytes, quiet), but the sockets'
	// counters are the group's: see IfaceStats.Group.
	Merge bool

	RingBytes    int           // ring per socket, default 32 MiB (rounded down to whole blocks)
	BlockBytes   int           // TPACKET_V3 block, default 1 MiB (a multiple of the page size)
	BlockTimeout time.Duration // a block is handed over at the latest this long after it opened, default 100ms
	// BPF is an optional capture filter as classic BPF, in the format
	// `tcpdump -ddd EXPR` prints (the instruction count, then one
	// "code jt jf k" line per instruction; newlines or commas separate
	// them). Compile it for the interface's link type, e.g. with
	// `tcpdump -i eth1 -ddd 'not port 22'`. Empty: every frame.
	BPF       string
	NoPromisc bool // promiscuous membership unless set
	Flow      flow.Config
	// Dissectors is called once per worker: a worker owns its parsers.
	Dissectors func() []dissectors.Dissector
	// Observer is shared by all workers; it is only called with Lock
	// held.
	Observer flow.Observer
	// Lock is held around every call into Observer (hold it too while
	// reading what the Observer keeps); default: an internal mutex.
	Lock sync.Locker
	// QuietAfter: an interface without packets that long is quiet
	// (default 5m).
	QuietAfter time.Duration
	// OnQuiet is called once when an interface goes quiet, with the time
	// of its last packet (or of the start, if it had none); OnTraffic when
	// a quiet interface has packets again, with how long it was silent.
	// Both are called from one goroutine, one call at a time, without
	// Lock held.
	OnQuiet   func(iface string, last time.Time)
	OnTraffic func(iface string, quiet time.Duration)
	// Now is the wall clock, used only to advance idle workers and to
	// detect quiet interfaces (default time.Now).
	Now func() time.Time
	Log *zap.Logger // default: none
}

// Defaults.
const (
	DefaultRingBytes    = 32 << 20
	DefaultBlockBytes   = 1 << 20
	DefaultBlockTimeout = 100 * time.Millisecond
	DefaultQuietAfter   = 5 * time.Minute
	maxWorkers          = 64
)

// withDefaults fills the unset fields and checks the others.
func (c Config) withDefaults() (Config, error) {
	if len(c.Interfaces) == 0 {
		return c, errors.New("live: no interface to capture")
	}
	seen := map[string]bool{}
	for _, name := range c.Interfaces {
		if name == "" || seen[name] {
			return c, fmt.Errorf("live: interface %q empty or listed twice", name)
		}
		seen[name] = true
	}
	if c.Workers == 0 {
		c.Workers = 1
	}
	if c.RingBytes == 0 {
		c.RingBytes = DefaultRingBytes
	}
	if c.BlockBytes == 0 {
		c.BlockBytes = DefaultBlockBytes
	}
	if c.BlockTimeout == 0 {
		c.BlockTimeout = DefaultBlockTimeout
	}
	if c.QuietAfter == 0 {
		c.QuietAfter = DefaultQuietAfter
	}
	if c.Lock == nil {
		c.Lock = &sync.Mutex{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = zap.NewNop()
	}
	if c.Flow == (flow.Config{}) {
		c.Flow = flow.DefaultConfig()
	}
	page := os.Getpagesize()
	switch {
	case c.Workers < 0 || c.Workers > maxWorkers:
		return c, fmt.Errorf("live: %d workers per interface, want 1 to %d", c.Workers, maxWorkers)
	case c.Merge && len(c.Interfaces) > maxMergedInterfaces:
		return c, fmt.Errorf("live: %d interfaces to merge, at most %d", len(c.Interfaces), maxMergedInterfaces)
	case c.BlockBytes < page || c.BlockBytes%page != 0:
		return c, fmt.Errorf("live: block size %d is not a multiple of the page size %d", c.BlockBytes, page)
	case c.RingBytes < c.BlockBytes:
		return c, fmt.Errorf("live: ring size %d is smaller than a block (%d)", c.RingBytes, c.BlockBytes)
	case c.BlockTimeout < time.Millisecond:
		return c, fmt.Errorf("live: block timeout %v is under 1ms", c.BlockTimeout)
	case c.QuietAfter < 0:
		return c, fmt.Errorf("live: negative QuietAfter %v", c.QuietAfter)
	case c.Observer == nil:
		return c, errors.New("live: no Observer")
	case c.Dissectors == nil:
		return c, errors.New("live: no Dissectors function")
	}
	return c, nil
}
