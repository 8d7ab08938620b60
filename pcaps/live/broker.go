package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// broker is a running mosquitto with its temporary files.
type broker struct {
	cmd  *exec.Cmd
	dir  string
	log  string
	port int
	exit chan error
}

// brokerConfig is mosquitto.conf for a run: two listeners on one port,
// authentication on the first only, no persistence, everything logged to
// a file.
func brokerConfig(port int, dir string) string {
	return fmt.Sprintf(`# otsensor pcaps/live: temporary broker
per_listener_settings true
persistence false
user root
log_dest file %[3]s
log_type all
connection_messages true
log_timestamp false

listener %[1]d %[4]s
allow_anonymous false
password_file %[2]s

listener %[1]d %[5]s
allow_anonymous true
`, port, filepath.Join(dir, "passwd"), filepath.Join(dir, "mosquitto.log"), AuthAddr, AnonAddr)
}

// startBroker writes the password file and configuration into dir and
// starts mosquitto; it returns once the broker says it is running.
func startBroker(ctx context.Context, t tools, dir string, port int) (*broker, error) {
	pw := filepath.Join(dir, "passwd")
	if out, err := exec.CommandContext(ctx, t.passwd, "-c", "-b", pw, User, Password).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("mosquitto_passwd: %v: %s", err, bytes.TrimSpace(out))
	}
	conf := filepath.Join(dir, "mosquitto.conf")
	if err := os.WriteFile(conf, []byte(brokerConfig(port, dir)), 0o600); err != nil {
		return nil, err
	}
	b := &broker{dir: dir, log: filepath.Join(dir, "mosquitto.log"), port: port, exit: make(chan error, 1)}
	b.cmd = exec.Command(t.broker, "-c", conf)
	var stderr bytes.Buffer
	b.cmd.Stderr = &stderr
	if err := b.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", t.broker, err)
	}
	go func() { b.exit <- b.cmd.Wait() }()
	// Two "Opening ipv4 listen socket" lines, then "running".
	if err := b.waitLog(ctx, "running", 5*time.Second); err != nil {
		b.stop()
		return nil, fmt.Errorf("mosquitto did not start: %w; stderr: %s; log: %s", err, bytes.TrimSpace(stderr.Bytes()), b.tail())
	}
	return b, nil
}

// waitLog waits until the broker's log contains s.
func (b *broker) waitLog(ctx context.Context, s string, timeout time.Duration) error {
	return b.waitLogCount(ctx, s, 1, timeout)
}

// waitLogCount waits until the broker's log contains s n times.
func (b *broker) waitLogCount(ctx context.Context, s string, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if data, err := os.ReadFile(b.log); err == nil && strings.Count(string(data), s) >= n {
			return nil
		}
		select {
		case err := <-b.exit:
			b.exit <- err
			return fmt.Errorf("mosquitto exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no %q in the mosquitto log after %v", s, timeout)
		}
	}
}

// tail returns the end of the broker's log, for error messages.
func (b *broker) tail() string {
	data, _ := os.ReadFile(b.log)
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(data)
}

// stop terminates the broker and waits for it.
func (b *broker) stop() error {
	if b.cmd.Process == nil {
		return nil
	}
	b.cmd.Process.Signal(os.Interrupt)
	select {
	case <-b.exit:
		return nil
	case <-time.After(3 * time.Second):
		b.cmd.Process.Kill()
		<-b.exit
		return errors.New("mosquitto did not stop on SIGINT")
	}
}
