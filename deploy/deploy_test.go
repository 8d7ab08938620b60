// Package deploy holds no Go code: its tests check the systemd unit and the
// install script in this directory (they need root, shellcheck, systemd's
// systemd-analyze and util-linux's unshare and setpriv, as in CI).
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// maxExposure is the highest `systemd-analyze security` exposure the unit
// may have, in its tenths (2.0 shown = 20): the unit's level when it was
// written, so that weakening the sandbox fails the test.
const maxExposure = "20"

// need fails the test when a tool is missing, naming its Debian package.
func need(t *testing.T, tools map[string]string) {
	t.Helper()
	for tool, pkg := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: apt-get install %s", tool, pkg)
		}
	}
}

func TestShellcheck(t *testing.T) {
	need(t, map[string]string{"shellcheck": "shellcheck"})
	out, err := exec.Command("shellcheck", "-s", "sh", "install.sh", "install_test.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("shellcheck: %v\n%s", err, out)
	}
}

// TestUnitSecurity checks the unit's sandbox with systemd's own scoring,
// and that the privileges and limits the daemon is designed around are the
// ones the unit grants.
func TestUnitSecurity(t *testing.T) {
	need(t, map[string]string{"systemd-analyze": "systemd"})
	out, err := exec.Command("systemd-analyze", "security", "--offline=true", "--threshold="+maxExposure, "otsensor.service").CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: exposure above %s/10 (%v):\n%s", maxExposure, err, out)
	}
	unit, err := os.ReadFile("otsensor.service")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"User=otsensor",
		"ExecStart=/usr/local/bin/otsensor run --config /etc/otsensor/otsensor.yaml",
		"CapabilityBoundingSet=CAP_NET_RAW CAP_NET_ADMIN",
		"AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN",
		"RestrictAddressFamilies=AF_UNIX AF_PACKET AF_INET AF_INET6 AF_NETLINK",
		"StateDirectory=otsensor",
		"RuntimeDirectory=otsensor",
		"Environment=OTSENSOR_DATA_DIR=/var/lib/otsensor",
		"MemoryMax=400M",
		"Restart=always",
	} {
		if !hasLine(string(unit), line) {
			t.Errorf("otsensor.service has no line %q", line)
		}
	}
}

func hasLine(text, line string) bool {
	for l := range strings.SplitSeq(text, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}

// TestInstallScript installs, upgrades, uninstalls and purges a freshly
// built otsensor for real, in a private mount namespace that leaves this
// machine as it was (see install_test.sh).
func TestInstallScript(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Fatal("the install script is for Linux")
	}
	if os.Geteuid() != 0 {
		t.Fatal("TestInstallScript needs root (users, overlay mounts): run the tests as root")
	}
	need(t, map[string]string{
		"unshare": "util-linux", "setpriv": "util-linux", "dash": "dash",
		"useradd": "passwd", "systemd-analyze": "systemd",
	})
	bin := filepath.Join(t.TempDir(), "otsensor")
	build := exec.Command("go", "build", "-o", bin, "../cmd/otsensor")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/otsensor: %v\n%s", err, out)
	}
	out, err := exec.Command("sh", "install_test.sh", bin).CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("install_test.sh: %v", err)
	}
}
