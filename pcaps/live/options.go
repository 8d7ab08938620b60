package live

import (
	"fmt"
	"net"
	"os/exec"
	"time"
)

// Options shape a RecordMQTT or RecordTLS run. The zero value picks
// free ports.
type Options struct {
	// Port is the broker's TCP port on both listeners (127.0.0.1, which
	// requires a password, and 127.0.0.2, which allows anonymous
	// clients); 0 picks one that is free on both addresses.
	Port int
	// Timeout bounds the whole run; 0 means 30 s.
	Timeout time.Duration
	// TLS are RecordTLS's server ports; zero fields pick free ones.
	TLS TLSPorts
}

// The listeners of the broker: AuthAddr requires a username and password,
// AnonAddr accepts anonymous clients.
const (
	AuthAddr = "127.0.0.1"
	AnonAddr = "127.0.0.2"
)

// The one account of the password file. The credentials are made up for
// the capture; they travel in clear text in it, as MQTT without TLS does.
const (
	User     = "plant-operator"
	Password = "Op3rator!2024"
)

// MQTTConnections is the number of TCP connections RecordMQTT opens to
// the broker: 4 accepted paho 3.1/3.1.1 clients (one of them anonymous),
// 2 accepted paho 5.0 clients (one anonymous), 2 refused 3.1.1 and 3
// refused 5.0 connects, and 2 mosquitto_sub plus 2 mosquitto_pub runs.
const MQTTConnections = 15

// install is what to do when a tool is missing.
const install = "apt-get install -y mosquitto mosquitto-clients"

// tools are the paths of the mosquitto programs.
type tools struct {
	broker, passwd, pub, sub string
}

// findTools locates the broker (in /usr/sbin, often outside PATH) and the
// clients.
func findTools() (tools, error) {
	look := func(name string, extra ...string) (string, error) {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
		for _, p := range extra {
			if _, err := exec.LookPath(p); err == nil {
				return p, nil
			}
		}
		return "", fmt.Errorf("%s not found: %s", name, install)
	}
	var t tools
	var err error
	if t.broker, err = look("mosquitto", "/usr/sbin/mosquitto"); err != nil {
		return t, err
	}
	if t.passwd, err = look("mosquitto_passwd", "/usr/bin/mosquitto_passwd"); err != nil {
		return t, err
	}
	if t.pub, err = look("mosquitto_pub", "/usr/bin/mosquitto_pub"); err != nil {
		return t, err
	}
	t.sub, err = look("mosquitto_sub", "/usr/bin/mosquitto_sub")
	return t, err
}

// freePort returns a TCP port free on both listener addresses.
func freePort() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", AuthAddr+":0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", fmt.Sprintf("%s:%d", AnonAddr, port))
		l.Close()
		if err == nil {
			l2.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("no TCP port free on both %s and %s", AuthAddr, AnonAddr)
}
