package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/otsensor/otsensor/sensor/api"
	"github.com/otsensor/otsensor/sensor/live/livetest"
)

// TestDaemonMQTT: a real mosquitto broker on the capture end of a veth
// pair and real mosquitto clients in the namespace at its other end; the
// running sensor lists the clients' ids.
func TestDaemonMQTT(t *testing.T) {
	for _, prog := range []string{"mosquitto", "mosquitto_pub", "nsenter", "ip"} {
		if _, err := exec.LookPath(prog); err != nil && !(prog == "mosquitto" && fileExists("/usr/sbin/mosquitto")) {
			t.Fatalf("%s is needed (Debian: mosquitto, mosquitto-clients, util-linux, iproute2): %v", prog, err)
		}
	}
	v := livetest.NewVethPair(t)
	const brokerIP, clientIP = "10.77.0.1", "10.77.0.2"
	sh(t, "ip", "addr", "add", brokerIP+"/24", "dev", v.Capture)
	sh(t, "nsenter", "--net="+v.PeerNS, "ip", "addr", "add", clientIP+"/24", "dev", v.Peer)

	root := t.TempDir()
	conf := filepath.Join(root, "mosquitto.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("listener 1883 %s\nallow_anonymous true\n", brokerIP)), 0o600)
	broker := exec.Command(mosquittoPath(), "-c", conf)
	var brokerLog bytes.Buffer
	broker.Stdout, broker.Stderr = &brokerLog, &brokerLog
	if err := broker.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { broker.Process.Kill(); broker.Wait() })
	waitFor(t, "mosquitto to listen", func() bool {
		c, err := net.DialTimeout("tcp", brokerIP+":1883", 200*time.Millisecond)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	socket := filepath.Join(root, "otsensor.sock")
	startDaemon(t, filepath.Join(root, "data"), socket, "--iface", v.Capture)
	ids := []string{"line1-gateway", "line2-plc-7"}
	for i, id := range ids {
		sh(t, "nsenter", "--net="+v.PeerNS, "mosquitto_pub", "-h", brokerIP, "-i", id, "-q", "1",
			"-t", fmt.Sprintf("plant/line%d/temp", i+1), "-m", "21.5")
	}
	client := api.NewClient(socket)
	defer client.Close()
	var got []string
	waitFor(t, "the client ids in the inventory", func() bool {
		snap, err := client.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for _, d := range snap.Devices {
			if d.MQTT != nil {
				got = append(got, d.MQTT.ClientIDs...)
			}
		}
		slices.Sort(got)
		return slices.Equal(got, ids)
	})
}

// sh runs a command and fails the test on an error.
func sh(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func mosquittoPath() string {
	if p, err := exec.LookPath("mosquitto"); err == nil {
		return p
	}
	return "/usr/sbin/mosquitto"
}

// TestDaemonFilter: capture.filter (tcpdump syntax) reaches the capture:
// with "arp", the daemon counts exactly the capture's ARP frames.
func TestDaemonFilter(t *testing.T) {
	root := t.TempDir()
	cfg := filepath.Join(root, "otsensor.yaml")
	os.WriteFile(cfg, []byte("capture:\n  filter: arp\n  block_timeout: 50ms\n"), 0o600)
	v := livetest.NewVethPair(t)
	frames := livetest.ReadFrames(t, plantPcap)
	arp := 0
	for _, f := range frames {
		if len(f) > 13 && f[12] == 0x08 && f[13] == 0x06 {
			arp++
		}
	}
	if arp == 0 || arp == len(frames) {
		t.Fatalf("%d ARP frames of %d: the capture does not test the filter", arp, len(frames))
	}
	in := livetest.NewInjector(t, v)
	socket := filepath.Join(root, "otsensor.sock")
	startDaemon(t, filepath.Join(root, "data"), socket, "--config", cfg, "--iface", v.Capture)
	in.Send(t, frames)
	client := api.NewClient(socket)
	defer client.Close()
	var got uint64
	waitFor(t, "the ARP frames", func() bool {
		st, err := client.Status()
		if err != nil {
			t.Fatal(err)
		}
		got = st.Interfaces[0].Packets
		return got >= uint64(arp)
	})
	time.Sleep(300 * time.Millisecond) // anything more would show by now
	if st, _ := client.Status(); st.Interfaces[0].Packets != uint64(arp) {
		t.Errorf("captured %d frames, want the %d ARP frames of %d", st.Interfaces[0].Packets, arp, len(frames))
	}
}

// TestDaemonReadsWhileCapturing asks for the inventory through the API
// while frames keep arriving: the answer is a copy made under the
// pipeline's lock (run with -race to see a shared map).
func TestDaemonReadsWhileCapturing(t *testing.T) {
	root := t.TempDir()
	v := livetest.NewVethPair(t)
	frames := livetest.ReadFrames(t, plantPcap)
	in := livetest.NewInjector(t, v)
	socket := filepath.Join(root, "otsensor.sock")
	startDaemon(t, filepath.Join(root, "data"), socket, "--iface", v.Capture)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			in.Send(t, frames)
		}
	}()
	client := api.NewClient(socket)
	defer client.Close()
	for reads := 0; ; reads++ {
		snap, err := client.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(snap.Links); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
			if reads == 0 {
				t.Error("no read overlapped the capture")
			}
			return
		default:
		}
	}
}
