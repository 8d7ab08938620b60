package livetest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// VethPair is a veth pair: frames written into Peer come out of Capture.
// Neither end has an address and both have IPv6 off, so the only frames
// on the link are the ones a test writes. The MTU is 9000.
type VethPair struct {
	// Capture is the end to capture on, in the test process's network
	// namespace: a sensor running in the test process opens it by name.
	Capture string
	// Peer is the other end, in the namespace PeerNS.
	Peer string
	// PeerNS is a path to the peer's network namespace
	// (/proc/<pid>/fd/<n>), valid until the test's cleanups run. It
	// works where a path is accepted (ip link ... netns PATH,
	// nsenter --net=PATH); the namespace has no name for ip netns.
	PeerNS string

	ns *os.File
}

// NewVethPair creates a pair; t.Cleanup deletes it.
func NewVethPair(t testing.TB) *VethPair { return NewVethPairs(t, 1)[0] }

// NewVethPairs creates n pairs whose peer ends share one namespace;
// t.Cleanup deletes them, including when the test fails half-way.
func NewVethPairs(t testing.TB, n int) []*VethPair {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("live capture tests need root (CI runs them as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatal("the ip command (iproute2) is missing: install iproute2")
	}
	ns, err := newNS()
	if err != nil {
		t.Fatalf("new network namespace: %v", err)
	}
	t.Cleanup(func() { ns.Close() })
	nsPath := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), ns.Fd())
	out := make([]*VethPair, 0, n)
	for range n {
		v := &VethPair{PeerNS: nsPath, ns: ns}
		if err := v.create(); err != nil {
			t.Fatal(err)
		}
		// Deleting one end deletes both. Registered before configuring,
		// so a failure below leaves nothing behind.
		t.Cleanup(func() { exec.Command("ip", "link", "del", "dev", v.Capture).Run() })
		if err := v.configure(); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// create adds the pair under fresh random names, retrying when another
// test took the name first.
func (v *VethPair) create() error {
	var err error
	for range 8 {
		id := rand.Uint32()
		v.Capture, v.Peer = fmt.Sprintf("otc%08x", id), fmt.Sprintf("oti%08x", id)
		// fd 3 in ip is v.ns (ExtraFiles[0]).
		cmd := exec.Command("ip", "link", "add", v.Capture, "type", "veth", "peer", "name", v.Peer, "netns", "/proc/self/fd/3")
		cmd.ExtraFiles = []*os.File{v.ns}
		out, cerr := cmd.CombinedOutput()
		if cerr == nil {
			return nil
		}
		err = fmt.Errorf("ip link add %s: %v: %s", v.Capture, cerr, strings.TrimSpace(string(out)))
		if !strings.Contains(string(out), "File exists") {
			return err
		}
	}
	return fmt.Errorf("8 random names taken: %w", err)
}

// configure turns IPv6 off on both ends (no link-local address, router
// solicitation or MLD), then sets the MTU and brings them up.
func (v *VethPair) configure() error {
	up := func(ifname string) error {
		p := fmt.Sprintf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", ifname)
		if err := os.WriteFile(p, []byte("1"), 0); err != nil {
			return err
		}
		return ipCmd("link", "set", "dev", ifname, "mtu", "9000", "up")
	}
	if err := up(v.Capture); err != nil {
		return err
	}
	// /proc/sys/net and the ip command both see the namespace of the
	// thread that opens or starts them.
	return inNS(v.ns, func() error { return up(v.Peer) })
}

// ipCmd runs ip, returning its output in the error.
func ipCmd(args ...string) error {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// InPeer runs fn on a thread in the peer's namespace: sockets fn opens
// stay there, commands it starts run there. fn must not call t.Fatal
// (it runs on another goroutine); InPeer fails the test on fn's error.
func (v *VethPair) InPeer(t testing.TB, fn func() error) {
	t.Helper()
	if err := inNS(v.ns, fn); err != nil {
		t.Fatalf("in the namespace of %s: %v", v.Peer, err)
	}
}
