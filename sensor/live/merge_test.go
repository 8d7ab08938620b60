package live

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/otsensor/otsensor/sensor/live/livetest"
)

// TestMergeFilter runs the merge filter in x/net/bpf's VM, which does
// not know SKF_AD_IFINDEX: the test replaces that load with a constant,
// the receiving interface's index, and checks that the program passes
// a configured interface's frames exactly as the user's program alone
// would (same verdict, same snap length) and drops every other
// interface's.
func TestMergeFilter(t *testing.T) {
	arp, err := ParseBPF(arpProgram)
	if err != nil {
		t.Fatal(err)
	}
	// dst ff:ff:ff:ff:ff:ff, src 02:00:00:00:00:01, EtherType 0x0806
	// (ARP), then 28 bytes of zero standing for the ARP body.
	arpFrame := append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06}, make([]byte, 28)...)
	// The same with EtherType 0x0800 (IPv4).
	ipFrame := append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x00}, make([]byte, 28)...)
	// `ret a`: returns A as the program found it, 0 when run alone. The
	// merge filter must hand it A = 0, not the interface index.
	retA := []bpf.RawInstruction{{Op: 0x16}}
	// `ldx #7; txa; ret a` keeps 7 bytes: X is the user's to set.
	keep7 := []bpf.RawInstruction{{Op: 0x01, K: 7}, {Op: 0x87}, {Op: 0x16}}

	ifindexes := []int{7, 3, 250}
	for _, c := range []struct {
		name string
		user []bpf.RawInstruction
	}{{"no user program", nil}, {"arp", arp}, {"ret a", retA}, {"ldx txa ret a", keep7}} {
		t.Run(c.name, func(t *testing.T) {
			prog, err := mergeFilter(ifindexes, c.user)
			if err != nil {
				t.Fatal(err)
			}
			if want := 1 + len(ifindexes) + 2 + max(len(c.user), 1); len(prog) != want {
				t.Errorf("%d instructions, want %d", len(prog), want)
			}
			if prog[0] != (bpf.RawInstruction{Op: 0x20, K: 0xfffff008}) { // ld [SKF_AD_OFF+SKF_AD_IFINDEX]
				t.Fatalf("first instruction %+v is not ld ifidx", prog[0])
			}
			for _, ifindex := range []int{7, 3, 250, 0, 1, 4, 251} {
				vm := vmWithIfindex(t, prog, ifindex)
				for _, frame := range [][]byte{arpFrame, ipFrame} {
					got, err := vm.Run(frame)
					if err != nil {
						t.Fatal(err)
					}
					want := 0
					if ifindex == 7 || ifindex == 3 || ifindex == 250 {
						want = acceptFrame // the whole frame, however long (the VM does not clamp)
						if c.user != nil {
							want = runAlone(t, c.user, frame)
						}
					}
					if got != want {
						t.Errorf("ifindex %d, frame type %x: kept %d bytes, want %d", ifindex, frame[12:14], got, want)
					}
				}
			}
		})
	}
	if _, err := mergeFilter(make([]int, maxMergedInterfaces+1), nil); err == nil {
		t.Error("no error for too many interfaces")
	}
	if _, err := mergeFilter([]int{1, 2}, make([]bpf.RawInstruction, maxBPFInstructions-4)); err == nil {
		t.Error("no error for a program over the kernel's limit")
	}
}

// vmWithIfindex is prog in a VM, with its SKF_AD_IFINDEX load replaced
// by the constant ifindex.
func vmWithIfindex(t *testing.T, prog []bpf.RawInstruction, ifindex int) *bpf.VM {
	t.Helper()
	ins, ok := bpf.Disassemble(prog)
	if !ok {
		t.Fatalf("cannot disassemble %+v", prog)
	}
	if ins[0] != (bpf.LoadExtension{Num: bpf.ExtInterfaceIndex}) {
		t.Fatalf("first instruction %v", ins[0])
	}
	ins[0] = bpf.LoadConstant{Dst: bpf.RegA, Val: uint32(ifindex)}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

// runAlone is what the user's program keeps of frame on its own.
func runAlone(t *testing.T, user []bpf.RawInstruction, frame []byte) int {
	t.Helper()
	ins, ok := bpf.Disassemble(user)
	if !ok {
		t.Fatalf("cannot disassemble %+v", user)
	}
	vm, err := bpf.NewVM(ins)
	if err != nil {
		t.Fatal(err)
	}
	n, err := vm.Run(frame)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// tapSplit is a capture cut the way a full-duplex TAP's two ports see
// it: client to server on port 0, server to client on port 1.
type tapSplit struct {
	port   []int // each frame's port
	counts [2]int
}

// splitByDirection sends a TCP or UDP frame to port 1 when its source
// port is the lower of its two (the server answering), else to port 0;
// frames without ports (ARP) go to port 0.
func splitByDirection(t testing.TB, frames [][]byte) tapSplit {
	t.Helper()
	var s tapSplit
	for _, f := range frames {
		p := gopacket.NewPacket(f, layers.LayerTypeEthernet, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
		port := 0
		switch l := p.TransportLayer().(type) {
		case *layers.TCP:
			if l.SrcPort < l.DstPort {
				port = 1
			}
		case *layers.UDP:
			if l.SrcPort < l.DstPort {
				port = 1
			}
		}
		s.port = append(s.port, port)
		s.counts[port]++
	}
	if s.counts[0] == 0 || s.counts[1] == 0 {
		t.Fatalf("split %v: the test needs both directions", s.counts)
	}
	return s
}

// send writes the frames in capture order, each into its port's pair.
func (s tapSplit) send(t testing.TB, in [2]*livetest.Injector, frames [][]byte) {
	t.Helper()
	for i := range frames {
		in[s.port[i]].Send(t, frames[i:i+1:i+1])
	}
}

// checkMergedCounts asserts each interface's captured count and the
// group's counters: on the first entry only, captured + dropped = the
// kernel's count, the workers' packets sum to all interfaces'.
func checkMergedCounts(t testing.TB, st Stats, names []string, sent []int) {
	t.Helper()
	group := strings.Join(names, "+")
	var total uint64
	for i, ifc := range st.Interfaces {
		total += ifc.Packets
		if ifc.Name != names[i] || ifc.Group != group {
			t.Errorf("entry %d: name %q group %q, want %q %q", i, ifc.Name, ifc.Group, names[i], group)
		}
		if ifc.Packets != uint64(sent[i]) {
			t.Errorf("%s: captured %d frames, sent %d", ifc.Name, ifc.Packets, sent[i])
		}
		if ifc.Packets > 0 && (ifc.Bytes < 60*ifc.Packets || ifc.LastPacket.IsZero()) {
			t.Errorf("%s: %d bytes in %d frames, last packet %v", ifc.Name, ifc.Bytes, ifc.Packets, ifc.LastPacket)
		}
		if i > 0 && (ifc.KernelPackets != 0 || ifc.KernelDrops != 0 || ifc.QueueFreezes != 0 || ifc.Workers != nil) {
			t.Errorf("%s: group counters reported again: %+v", ifc.Name, ifc)
		}
	}
	g := st.Interfaces[0]
	if total+g.KernelDrops != g.KernelPackets {
		t.Errorf("group: captured %d + dropped %d != kernel count %d", total, g.KernelDrops, g.KernelPackets)
	}
	if g.KernelDrops != 0 || g.QueueFreezes != 0 {
		t.Errorf("group: kernel dropped %d frames (%d freezes)", g.KernelDrops, g.QueueFreezes)
	}
	var sum uint64
	for _, w := range g.Workers {
		sum += w.Packets
	}
	if sum != total {
		t.Errorf("group workers captured %d, interfaces %d", sum, total)
	}
}

// TestMergeMatchesReplay cuts captures the way a TAP's two ports see
// them, client to server on one veth and server to client on another,
// and captures both with Merge and 2 workers: the sensor learns what a
// replay of the original capture does, each flow on one worker. Without
// Merge the same frames give something else: the test shows the
// feature, not only that nothing broke.
func TestMergeMatchesReplay(t *testing.T) {
	for _, name := range []string{"modbus_plant.pcap.gz", "mqtt_live.pcap"} {
		t.Run(name, func(t *testing.T) {
			path := livetest.RepoPcap(t, name)
			frames := livetest.ReadFrames(t, path)
			split := splitByDirection(t, frames)
			want := replayOutcome(t, path)
			for _, merge := range []bool{true, false} {
				t.Run(fmt.Sprintf("merge=%v", merge), func(t *testing.T) {
					pairs := livetest.NewVethPairs(t, 2)
					in := [2]*livetest.Injector{livetest.NewInjector(t, pairs[0]), livetest.NewInjector(t, pairs[1])}
					names := []string{pairs[0].Capture, pairs[1].Capture}
					cfg := testConfig(names, 2)
					cfg.Merge = merge
					r := startLive(t, cfg)
					split.send(t, in, frames)
					waitPackets(t, r.s, 0, uint64(split.counts[0]))
					waitPackets(t, r.s, 1, uint64(split.counts[1]))
					got := r.stop(t)
					st := r.s.Stats()
					t.Logf("%s: %d frames to the server's side, %d to the client's; %d flows", name, split.counts[0], split.counts[1], len(got.flows))
					diffs := differences(got, want)
					if !merge {
						for i := range 2 {
							checkCounts(t, st.Interfaces[i], split.counts[i])
						}
						if len(diffs) == 0 {
							t.Fatal("without Merge the split capture gave what the replay does: the test proves nothing")
						}
						if slices.Equal(got.events, want.events) {
							t.Error("without Merge the events equal the replay's: the dissectors saw whole conversations")
						}
						t.Logf("without Merge, %d differences, e.g. %s", len(diffs), firstLine(diffs[0]))
						return
					}
					checkMergedCounts(t, st, names, split.counts[:])
					for i, w := range st.Interfaces[0].Workers {
						if w.Packets == 0 && len(got.flows) > 8 {
							t.Errorf("worker %d captured nothing of %d flows", i, len(got.flows))
						}
					}
					for _, d := range diffs {
						t.Error(d)
					}
				})
			}
		})
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// TestMergeOnlyConfiguredInterfaces merges two veths of three and sends
// the same frames into all three: only the two are captured, and with a
// capture filter (arp) only their ARP frames. The kernel's count equals
// what was captured: the third interface's frames were refused by the
// socket filter, before the ring.
func TestMergeOnlyConfiguredInterfaces(t *testing.T) {
	frames := livetest.ReadFrames(t, livetest.RepoPcap(t, "modbus_plant.pcap.gz"))
	arp := 0
	for _, f := range frames {
		if len(f) >= 14 && f[12] == 0x08 && f[13] == 0x06 {
			arp++
		}
	}
	if arp == 0 || arp == len(frames) {
		t.Fatalf("%d ARP frames of %d: the test needs some of each", arp, len(frames))
	}
	for _, c := range []struct {
		bpf  string
		want int
	}{{"", len(frames)}, {arpProgram, arp}} {
		t.Run(fmt.Sprintf("bpf=%v", c.bpf != ""), func(t *testing.T) {
			pairs := livetest.NewVethPairs(t, 3)
			names := []string{pairs[0].Capture, pairs[2].Capture}
			cfg := testConfig(names, 2)
			cfg.Merge = true
			cfg.BPF = c.bpf
			r := startLive(t, cfg)
			// The unconfigured one first: its frames are in the kernel
			// before the others'.
			livetest.NewInjector(t, pairs[1]).Send(t, frames)
			livetest.NewInjector(t, pairs[0]).Send(t, frames)
			livetest.NewInjector(t, pairs[2]).Send(t, frames)
			waitPackets(t, r.s, 0, uint64(c.want))
			waitPackets(t, r.s, 1, uint64(c.want))
			time.Sleep(3 * cfg.BlockTimeout) // anything else would have arrived by now
			r.stop(t)
			checkMergedCounts(t, r.s.Stats(), names, []int{c.want, c.want})
		})
	}
}

// TestMergeQuietPerInterface: in a merged group each interface goes
// quiet and comes back on its own. The interfaces are promiscuous while
// the sensor captures, and only then.
func TestMergeQuietPerInterface(t *testing.T) {
	pairs := livetest.NewVethPairs(t, 2)
	names := []string{pairs[0].Capture, pairs[1].Capture}
	cfg := testConfig(names, 2)
	cfg.Merge = true
	cfg.QuietAfter = 200 * time.Millisecond
	var mu sync.Mutex
	var calls []string
	cfg.OnQuiet = func(iface string, _ time.Time) {
		mu.Lock()
		calls = append(calls, "quiet "+iface)
		mu.Unlock()
	}
	cfg.OnTraffic = func(iface string, _ time.Duration) {
		mu.Lock()
		calls = append(calls, "traffic "+iface)
		mu.Unlock()
	}
	r := startLive(t, cfg)
	time.Sleep(400 * time.Millisecond) // both quiet from the start
	c, srv := net.IP{10, 9, 0, 1}, net.IP{10, 9, 0, 2}
	livetest.NewInjector(t, pairs[1]).Send(t, [][]byte{synthFrame(t, false, false, false, 0, c, srv, 40000, 161, []byte("get"))})
	waitPackets(t, r.s, 1, 1)
	time.Sleep(100 * time.Millisecond) // under QuietAfter: the watcher saw the traffic, not yet the silence
	st := r.s.Stats()
	for _, n := range names {
		if !promiscuous(t, n) {
			t.Errorf("%s is not promiscuous while capturing", n)
		}
	}
	r.stop(t)
	for _, n := range names {
		if promiscuous(t, n) {
			t.Errorf("%s is still promiscuous after the capture", n)
		}
	}
	if !st.Interfaces[0].Quiet || st.Interfaces[1].Quiet {
		t.Errorf("quiet: %s %v, %s %v; want true, false", names[0], st.Interfaces[0].Quiet, names[1], st.Interfaces[1].Quiet)
	}
	if st.Interfaces[0].Packets != 0 || st.Interfaces[1].Packets != 1 {
		t.Errorf("packets %d and %d, want 0 and 1", st.Interfaces[0].Packets, st.Interfaces[1].Packets)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 3 || !slices.Contains(calls[:2], "quiet "+names[0]) || !slices.Contains(calls[:2], "quiet "+names[1]) || calls[2] != "traffic "+names[1] {
		t.Errorf("calls %q, want both quiet, then traffic on %s", calls, names[1])
	}
}

// promiscuous reads the interface's IFF_PROMISC flag.
func promiscuous(t *testing.T, iface string) bool {
	t.Helper()
	b, err := os.ReadFile("/sys/class/net/" + iface + "/flags")
	if err != nil {
		t.Fatal(err)
	}
	flags, err := strconv.ParseUint(strings.TrimSpace(string(b)), 0, 32)
	if err != nil {
		t.Fatal(err)
	}
	return flags&unix.IFF_PROMISC != 0
}

// TestMergeLinkTypes: an Ethernet veth and a tun device (raw IP) cannot
// be merged; a missing interface is named.
func TestMergeLinkTypes(t *testing.T) {
	v := livetest.NewVethPair(t)
	tun := fmt.Sprintf("otm%08x", time.Now().UnixNano()&0xffffffff)
	if out, err := exec.Command("ip", "tuntap", "add", "dev", tun, "mode", "tun").CombinedOutput(); err != nil {
		t.Fatalf("ip tuntap add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "link", "del", "dev", tun).Run() })
	for _, c := range []struct {
		ifaces []string
		want   string
	}{
		{[]string{v.Capture, tun}, "same link type"},
		{[]string{v.Capture, "nosuchif0"}, "nosuchif0"},
	} {
		cfg := testConfig(c.ifaces, 1)
		cfg.Merge = true
		cfg.Observer = &chanObserver{}
		s, err := New(cfg)
		if err == nil {
			s.Close()
			t.Errorf("%v: no error", c.ifaces)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %q does not say %q", c.ifaces, err, c.want)
		}
	}
}
