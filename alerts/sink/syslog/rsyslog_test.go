package syslog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// rsyslogConf has rsyslogd receive on TCP (octet counting or LF framing,
// its imtcp tells them apart) and UDP, parse with its RFC 5424 parser and
// write the parsed fields as one JSON object a line.
const rsyslogConf = `global(workDirectory="%[1]s")
module(load="imtcp")
module(load="imudp")
template(name="fields" type="list" option.jsonf="on") {
  property(outname="facility" name="syslogfacility" format="jsonf")
  property(outname="severity" name="syslogseverity" format="jsonf")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="app" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}
ruleset(name="in") {
  action(type="omfile" file="%[1]s/out.jsonl" template="fields")
}
input(type="imtcp" address="127.0.0.1" port="%[2]d" ruleset="in")
input(type="imudp" address="127.0.0.1" port="%[3]d" ruleset="in")
`

type rsyslogLine struct {
	Facility, Severity, Timestamp, Hostname, App, ProcID, MsgID, SD, Msg string
}

// startRsyslog runs Debian's rsyslogd on free loopback ports; the test
// fails if it is not installed (apt-get install rsyslog).
func startRsyslog(t *testing.T) (tcpAddr, udpAddr, out string) {
	bin, err := exec.LookPath("rsyslogd")
	if err != nil {
		if _, serr := os.Stat("/usr/sbin/rsyslogd"); serr != nil {
			t.Fatalf("rsyslogd not found (apt-get install rsyslog): %v", err)
		}
		bin = "/usr/sbin/rsyslogd"
	}
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tcpPort := ln.Addr().(*net.TCPAddr).Port
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	udpPort := pc.LocalAddr().(*net.UDPAddr).Port
	ln.Close()
	pc.Close()
	conf := filepath.Join(dir, "rsyslog.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, rsyslogConf, dir, tcpPort, udpPort), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-n", "-f", conf, "-i", filepath.Join(dir, "rsyslogd.pid"))
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	tcpAddr = fmt.Sprintf("127.0.0.1:%d", tcpPort)
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", tcpAddr); err == nil {
			c.Close()
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("rsyslogd did not listen: %s", stderr.String())
		}
	}
	return tcpAddr, fmt.Sprintf("127.0.0.1:%d", udpPort), filepath.Join(dir, "out.jsonl")
}

func readRsyslog(t *testing.T, path string, n int) []rsyslogLine {
	t.Helper()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		var lines []rsyslogLine
		if f, err := os.Open(path); err == nil {
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var l rsyslogLine
				if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
					t.Fatalf("rsyslog output %q: %v", sc.Text(), err)
				}
				lines = append(lines, l)
			}
			f.Close()
		}
		if len(lines) >= n {
			return lines
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("rsyslog wrote %d lines, want %d", len(lines), n)
		}
	}
}

// TestRsyslog cross-checks the framing and the RFC 5424 header with an
// independent receiver: rsyslogd must split the TCP stream into the same
// messages and parse the same fields.
func TestRsyslog(t *testing.T) {
	tcpAddr, udpAddr, out := startRsyslog(t)
	tcp := newSink(t, sink.Config{URL: "syslog+tcp://" + tcpAddr, Format: FormatCEF}, nil)
	udp := newSink(t, sink.Config{URL: "syslog+udp://" + udpAddr}, nil)
	b := batch(t, 1, 4)
	if err := send(t, tcp, b[:3]); err != nil {
		t.Fatal(err)
	}
	if err := send(t, udp, b[3:]); err != nil {
		t.Fatal(err)
	}
	lines := readRsyslog(t, out, 4)
	t.Logf("rsyslog parsed %+v", lines[0])
	host, _ := os.Hostname()
	for _, l := range lines {
		if l.Facility != "20" || l.Severity != "3" || l.App != "otsensor" || l.MsgID != "alert" ||
			l.ProcID != fmt.Sprint(os.Getpid()) || l.Hostname != headerField(host, 255) {
			t.Errorf("rsyslog header %+v", l)
		}
		m, err := parse5424("<163>1 - h a p m " + l.SD)
		if err != nil {
			t.Fatalf("rsyslog structured data %q: %v", l.SD, err)
		}
		id := m.SD[sdID]["id"]
		var seq int
		if _, err := fmt.Sscanf(id, "msg-%d", &seq); err != nil || seq < 1 || seq > 4 {
			t.Fatalf("id %q", id)
		}
		want := b[seq-1]
		if ts, err := time.Parse(time.RFC3339Nano, l.Timestamp); err != nil || !ts.Equal(want.Time) {
			t.Errorf("timestamp %s, want %v", l.Timestamp, want.Time)
		}
		if seq == 4 { // UDP, rfc5424: the MSG is the body
			if l.Msg != string(want.Body) {
				t.Errorf("msg %q, want the body", l.Msg)
			}
			continue
		}
		e, err := parseCEF(l.Msg)
		if err != nil {
			t.Fatalf("rsyslog msg %q: %v", l.Msg, err)
		}
		if e.Header[5] != `Write to coil 5 \ "pump"` || e.Ext["externalId"] != fmt.Sprintf("alert-%d", seq) {
			t.Errorf("CEF through rsyslog %+v", e)
		}
	}
}
