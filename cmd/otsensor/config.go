package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/otsensor/otsensor/alerts/sink"
)

// fileConfig is the configuration file (deploy/otsensor.example.yaml
// documents every key). Unknown keys are errors naming the key and line.
type fileConfig struct {
	// SensorID names the sensor in everything it forwards (default: the
	// host name).
	SensorID string        `yaml:"sensor_id"`
	DataDir  string        `yaml:"data_dir"`
	Capture  captureConfig `yaml:"capture"`
	Rules    []string      `yaml:"rules"`
	API      apiConfig     `yaml:"api"`
	Metrics  metricsConfig `yaml:"metrics"`
	Daemon   daemonConfig  `yaml:"daemon"`
	Outbox   outboxConfig  `yaml:"outbox"`
	Sinks    []sink.Config `yaml:"sinks"`
}

// captureConfig is live capture (otsensor run).
type captureConfig struct {
	Interfaces   []string      `yaml:"interfaces"`
	Workers      int           `yaml:"workers"`
	RingBytes    byteSize      `yaml:"ring_bytes"`
	BlockBytes   byteSize      `yaml:"block_bytes"`
	BlockTimeout sink.Duration `yaml:"block_timeout"`
	BPF          string        `yaml:"bpf"`
	// Filter is a capture filter in tcpdump's syntax, compiled at start by
	// tcpdump -ddd (it needs tcpdump installed); BPF, the compiled form,
	// needs nothing.
	Filter      string        `yaml:"filter"`
	Promiscuous *bool         `yaml:"promiscuous"`
	QuietAfter  sink.Duration `yaml:"quiet_after"`
	// MergeInterfaces captures the interfaces as one: the two ports of a
	// TAP, each carrying one direction.
	MergeInterfaces bool `yaml:"merge_interfaces"`
}

// apiConfig is the local API's unix socket.
type apiConfig struct {
	Socket string `yaml:"socket"`
	Mode   string `yaml:"mode"` // octal, default 0660
	Group  string `yaml:"group"`
}

// metricsConfig is the optional Prometheus endpoint.
type metricsConfig struct {
	Listen string `yaml:"listen"`
}

// daemonConfig tunes the daemon's periodic work.
type daemonConfig struct {
	SaveInterval      sink.Duration `yaml:"save_interval"`
	HeartbeatInterval sink.Duration `yaml:"heartbeat_interval"`
	ShutdownFlush     sink.Duration `yaml:"shutdown_flush"`
}

// outboxConfig sizes the durable outbox in front of the sinks.
type outboxConfig struct {
	MaxBytes     byteSize      `yaml:"max_bytes"`
	SyncInterval sink.Duration `yaml:"sync_interval"`
	Synchronous  bool          `yaml:"synchronous"`
}

// loadConfig reads the configuration file at path.
func loadConfig(path string) (*fileConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("config: %w", err)}
	}
	var c fileConfig
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, &exitError{code: exitUsage, err: fmt.Errorf("config %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))}
	}
	return &c, nil
}

// fileConfig returns the --config file's configuration, empty without
// one.
func (a *app) fileConfig() (fileConfig, error) {
	if a.configPath == "" {
		return fileConfig{}, nil
	}
	c, err := loadConfig(a.configPath)
	if err != nil {
		return fileConfig{}, err
	}
	return *c, nil
}

// byteSize is a size in bytes, written as a number or with a unit: 64MiB,
// 512KiB, 1GiB (also KB, MB, GB as powers of 1000).
type byteSize int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}

// UnmarshalText reads a size.
func (s *byteSize) UnmarshalText(b []byte) error {
	text := strings.TrimSpace(string(b))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(text, u.suffix) {
			text, mult = strings.TrimSpace(strings.TrimSuffix(text, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return fmt.Errorf("size %q: want a number of bytes, optionally with KiB, MiB or GiB", b)
	}
	*s = byteSize(n * mult)
	return nil
}
