// Command gen writes the captures bundled in pcaps/: crafted ones (always,
// deterministic) and, with -live, real sessions recorded on the loopback
// interface (needs root or CAP_NET_RAW): Modbus/TCP into
// modbus_live_loopback.pcap, MQTT between Debian's mosquitto and eclipse
// paho and mosquitto_pub/sub clients into mqtt_live.pcap, and TLS between
// Go crypto/tls and openssl s_client/s_server into tls_live.pcap (see
// pcaps/live). -live-only records one of them.
//
//	go run ./pcaps/gen [-out DIR] [-live [-live-only modbus|mqtt|tls]]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	plive "github.com/otsensor/otsensor/pcaps/live"
)

func main() {
	out := flag.String("out", "", "directory to write captures to (default: the pcaps directory of the repository around the working directory)")
	live := flag.Bool("live", false, "also record "+liveFile+" (Modbus/TCP), "+mqttLiveFile+" (mosquitto and MQTT clients) and "+tlsLiveFile+" (Go crypto/tls and openssl) on the loopback interface (needs root)")
	only := flag.String("live-only", "", "with -live, record only this capture: modbus, mqtt or tls")
	flag.Parse()
	if *only != "" && *only != "modbus" && *only != "mqtt" && *only != "tls" {
		fmt.Fprintln(os.Stderr, "gen: -live-only takes modbus, mqtt or tls")
		os.Exit(2)
	}
	if err := run(*out, *live, *only); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string, live bool, only string) error {
	if out == "" {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		out = filepath.Join(root, "pcaps")
	}
	names, err := writeCrafted(out)
	if err != nil {
		return err
	}
	for _, n := range names {
		fmt.Println(filepath.Join(out, n))
	}
	if live && (only == "" || only == "modbus") {
		n, err := recordLive(filepath.Join(out, liveFile))
		if err != nil {
			return err
		}
		fmt.Printf("%s (%d packets)\n", filepath.Join(out, liveFile), n)
	}
	if live && (only == "" || only == "mqtt") {
		path := filepath.Join(out, mqttLiveFile)
		n, err := plive.RecordMQTT(context.Background(), path, plive.Options{Port: mqttLivePort})
		if err != nil {
			return err
		}
		fmt.Printf("%s (%d packets)\n", path, n)
	}
	if live && (only == "" || only == "tls") {
		path := filepath.Join(out, tlsLiveFile)
		n, err := plive.RecordTLS(context.Background(), path, plive.Options{TLS: plive.DefaultTLSPorts})
		if err != nil {
			return err
		}
		fmt.Printf("%s (%d packets)\n", path, n)
	}
	return nil
}

// repoRoot walks up from the working directory to the otsensor module root.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/otsensor/otsensor\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the otsensor repository: use -out")
		}
		dir = parent
	}
}
