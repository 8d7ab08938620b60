package mqtt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink/sinktest"
)

// Test users of the broker.
const (
	pubUser = "otsensor" // may publish to otsensor/#
	pubPass = "pub-secret-1"
	subUser = "reader" // may read everything
	subPass = "sub-secret-2"
)

// broker is a Debian mosquitto run by a test: a plain listener and a TLS
// listener on loopback, a password file, an ACL file and persistence
// (so a subscriber's session and queued messages survive a restart).
type broker struct {
	t        testing.TB
	dir      string
	bin      string
	plain    int // ports, kept across restarts
	tls      int
	mtls     int          // TLS that requires a client certificate
	ca       *sinktest.CA // signs the server certificate
	users    map[string]string
	acl      string
	cmd      *exec.Cmd
	exited   chan struct{}
	stderr   bytes.Buffer
	starts   int
	stopping bool
}

// startBroker starts mosquitto with users (name -> password) and acl (the
// ACL file's text); it stops in t.Cleanup.
func startBroker(t testing.TB, users map[string]string, acl string) *broker {
	t.Helper()
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		bin = "/usr/sbin/mosquitto"
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("mosquitto is not installed (apt-get install mosquitto mosquitto-clients): %v", err)
		}
	}
	if _, err := exec.LookPath("mosquitto_passwd"); err != nil {
		t.Fatalf("mosquitto_passwd is not installed (apt-get install mosquitto): %v", err)
	}
	b := &broker{t: t, dir: t.TempDir(), bin: bin, users: users, acl: acl}
	b.plain, b.tls, b.mtls = freePort(t), freePort(t), freePort(t)
	b.ca = sinktest.NewCA(t, "mqtt")
	certFile, keyFile := b.ca.Server("server")
	b.writeAuth()
	conf := fmt.Sprintf(`per_listener_settings false
allow_anonymous false
password_file %[1]s/passwd
acl_file %[1]s/acl
persistence true
persistence_location %[1]s/
max_queued_messages 100000
user root
log_dest file %[1]s/mosquitto.log
log_type all
connection_messages true
log_timestamp false

listener %[2]d 127.0.0.1

listener %[3]d 127.0.0.1
cafile %[5]s
certfile %[6]s
keyfile %[7]s

listener %[4]d 127.0.0.1
cafile %[5]s
certfile %[6]s
keyfile %[7]s
require_certificate true
`, b.dir, b.plain, b.tls, b.mtls, b.ca.File, certFile, keyFile)
	if err := os.WriteFile(filepath.Join(b.dir, "mosquitto.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	b.start()
	t.Cleanup(b.stop)
	return b
}

// freePort picks a free loopback port below the kernel's ephemeral range
// (ip_local_port_range, usually from 32768), so that no client connection
// (nor a ":0" listener) takes it while a stopped broker is down.
func freePort(t testing.TB) int {
	t.Helper()
	low := 32768
	if data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(data)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 12000 {
				low = n
			}
		}
	}
	for range 100 {
		port := 10000 + rand.IntN(low-10000)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l.Close()
		return port
	}
	t.Fatal("no free loopback port below the ephemeral range")
	return 0
}

// writeAuth writes the password file (with mosquitto_passwd) and the ACL.
func (b *broker) writeAuth() {
	b.t.Helper()
	pw := filepath.Join(b.dir, "passwd")
	os.Remove(pw)
	names := make([]string, 0, len(b.users))
	for n := range b.users {
		names = append(names, n)
	}
	sort.Strings(names)
	for i, n := range names {
		args := []string{"-b", pw, n, b.users[n]}
		if i == 0 {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command("mosquitto_passwd", args...).CombinedOutput(); err != nil {
			b.t.Fatalf("mosquitto_passwd: %v: %s", err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(b.dir, "acl"), []byte(b.acl), 0o600); err != nil {
		b.t.Fatal(err)
	}
}

// start runs mosquitto and waits until it says it is running.
func (b *broker) start() {
	b.t.Helper()
	b.stderr.Reset()
	b.cmd = exec.Command(b.bin, "-c", filepath.Join(b.dir, "mosquitto.conf"))
	b.cmd.Stderr = &b.stderr
	if err := b.cmd.Start(); err != nil {
		b.t.Fatalf("start mosquitto: %v", err)
	}
	b.exited = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(b.cmd, b.exited)
	b.starts++
	b.waitLog(" running", b.starts)
}

// waitLog waits until the log holds s n times.
func (b *broker) waitLog(s string, n int) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(b.log(), s) >= n {
			return
		}
		select {
		case <-b.exited:
			b.t.Fatalf("mosquitto exited: %s\nlog:\n%s", b.stderr.String(), b.tail())
		case <-time.After(10 * time.Millisecond):
		}
	}
	b.t.Fatalf("no %q (x%d) in the mosquitto log after 10s:\n%s", s, n, b.tail())
}

func (b *broker) log() string {
	data, _ := os.ReadFile(filepath.Join(b.dir, "mosquitto.log"))
	return string(data)
}

func (b *broker) tail() string {
	l := b.log()
	if len(l) > 3000 {
		l = l[len(l)-3000:]
	}
	return l
}

// stop ends mosquitto with SIGINT (it saves its persistence file) and
// waits for it; the ports stay this broker's for the next start.
func (b *broker) stop() {
	if b.cmd == nil || b.cmd.Process == nil {
		return
	}
	select {
	case <-b.exited:
		return
	default:
	}
	b.quiesce()
	b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.exited:
	case <-time.After(5 * time.Second):
		b.cmd.Process.Kill()
		<-b.exited
	}
}

// reload rewrites the password and ACL files and sends SIGHUP.
func (b *broker) reload() {
	b.t.Helper()
	b.writeAuth()
	n := strings.Count(b.log(), "Reloading config")
	if err := b.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		b.t.Fatal(err)
	}
	b.waitLog("Reloading config", n+1)
}

// url returns scheme://[user@]127.0.0.1:port/path for the plain ("mqtt")
// or TLS ("mqtts") listener.
func (b *broker) url(scheme, user, path string) string {
	port := b.plain
	if scheme == "mqtts" {
		port = b.tls
	}
	if user != "" {
		user += "@"
	}
	return fmt.Sprintf("%s://%s127.0.0.1:%d/%s", scheme, user, port, path)
}

// quiesce waits (up to 2s) until every PUBLISH the broker sent to the test
// subscriber was acknowledged, so that a stop does not leave deliveries in
// flight that the broker would send again (as QoS 1 allows) after restart.
func (b *broker) quiesce() {
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		l := b.log()
		if strings.Count(l, "Sending PUBLISH to testsub") <= strings.Count(l, "Received PUBACK from testsub") {
			return
		}
	}
}
