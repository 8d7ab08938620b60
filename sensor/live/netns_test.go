package live

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// vethPair is a veth pair between two fresh network namespaces: frames
// written into inj come out of capIf, in a namespace where nothing else
// talks (no addresses, IPv6 off).
type vethPair struct {
	capNS, injNS string
	capIf, injIf string
}

// run runs a command, failing the test with its output.
func run(t testing.TB, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// newVethPair creates the namespaces and one pair; t.Cleanup deletes
// them (deleting a namespace deletes its end of the pair).
func newVethPair(t testing.TB) *vethPair { return newVethPairs(t, 1)[0] }

// newVethPairs creates n pairs between the same two namespaces.
func newVethPairs(t testing.TB, n int) []*vethPair {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("live capture tests need root (CI runs them as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatal("the ip command (iproute2) is missing: install iproute2")
	}
	id := fmt.Sprintf("%04x%04x", os.Getpid()&0xffff, rand.IntN(1<<16))
	capNS, injNS := "ots-cap-"+id, "ots-inj-"+id
	run(t, "ip", "netns", "add", capNS)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", capNS).Run() })
	run(t, "ip", "netns", "add", injNS)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", injNS).Run() })
	var out []*vethPair
	for i := range n {
		v := &vethPair{capNS: capNS, injNS: injNS, capIf: fmt.Sprintf("otc%s%d", id, i), injIf: fmt.Sprintf("oti%s%d", id, i)}
		run(t, "ip", "link", "add", v.capIf, "netns", v.capNS, "type", "veth", "peer", "name", v.injIf, "netns", v.injNS)
		for _, e := range [][2]string{{v.capNS, v.capIf}, {v.injNS, v.injIf}} {
			// No IPv6 link-local address, no router solicitation, no
			// MLD: the only frames on the link are the test's.
			run(t, "ip", "netns", "exec", e[0], "sh", "-c", fmt.Sprintf("echo 1 > /proc/sys/net/ipv6/conf/%s/disable_ipv6", e[1]))
			run(t, "ip", "-n", e[0], "link", "set", "dev", e[1], "mtu", "9000", "up")
		}
		out = append(out, v)
	}
	return out
}

// inNetns runs fn on a thread that has entered the named namespace.
// Sockets fn opens stay in that namespace wherever they are used later.
func inNetns(t testing.TB, ns string, fn func()) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			done <- err
			return
		}
		defer orig.Close()
		target, err := os.Open(filepath.Join("/run/netns", ns))
		if err != nil {
			done <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread stays locked and dies with this goroutine.
			done <- fmt.Errorf("setns back: %w", err)
			return
		}
		runtime.UnlockOSThread()
		done <- nil
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// injector writes raw frames into an interface of another namespace.
type injector struct{ fd int }

func newInjector(t testing.TB, ns, iface string) *injector {
	t.Helper()
	var err error
	in := &injector{fd: -1}
	inNetns(t, ns, func() {
		var ifi *net.Interface
		if ifi, err = net.InterfaceByName(iface); err != nil {
			return
		}
		// Protocol 0: the socket sends only, it receives nothing.
		if in.fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0); err != nil {
			return
		}
		err = unix.Bind(in.fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index})
	})
	if in.fd >= 0 {
		t.Cleanup(func() { unix.Close(in.fd) })
	}
	if err != nil {
		t.Fatalf("injector on %s in %s: %v", iface, ns, err)
	}
	return in
}

// send writes every frame, failing the test on the first error.
func (in *injector) send(t testing.TB, frames [][]byte) {
	t.Helper()
	for i, f := range frames {
		if _, err := unix.Write(in.fd, f); err != nil {
			t.Fatalf("frame %d (%d bytes): %v", i, len(f), err)
		}
	}
}
