package alerts

import (
	"net/netip"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

const day = 24 * time.Hour

// fl is the first update of a TCP flow from client to server (ip:port)
// started at d after t0.
func fl(id uint64, client, server string, d time.Duration) input {
	f := newFlow(id, "", client, server)
	f.Start = at(d)
	return newFlowUpdate(f, at(d), 3)
}

// flT is fl for another transport (the server port is 0 for ICMP).
func flT(id uint64, tr dissectors.Transport, client, server string, d time.Duration) input {
	in := fl(id, client, server, d)
	in.u.Flow.Transport = tr
	in.u.Flow.Handshake = false
	return in
}

// The plant the policy cases learn: an HMI (.10) polls two PLCs (.21, .22)
// over Modbus/TCP.
var policyPlant = []input{
	fl(100, "10.0.0.10:40000", "10.0.0.21:502", 0),
	fl(101, "10.0.0.10:40001", "10.0.0.22:502", time.Second),
	fl(102, "10.0.0.10:40002", "10.0.0.21:502", time.Minute),
}

// policyCases learn policyPlant, lock the baseline at t0+1h, then feed in.
var policyCases = []struct {
	name string
	in   []input
	want []want
}{
	{"known hosts and links raise nothing", []input{
		fl(1, "10.0.0.10:41000", "10.0.0.21:502", 2*time.Hour),
		fl(2, "10.0.0.10:41001", "10.0.0.22:502", 3*time.Hour),
	}, nil},
	{"new device as client: one alert, its links silent in its window", []input{
		fl(1, "10.0.0.99:41000", "10.0.0.21:502", 2*time.Hour),
		fl(2, "10.0.0.99:41001", "10.0.0.21:502", 3*time.Hour),
		fl(3, "10.0.0.99:41002", "10.0.0.21:80", 4*time.Hour), // a new port, inside .99's window
		fl(4, "10.0.0.99:41003", "10.0.0.22:502", 6*day),      // a new link, inside the window
	}, []want{
		{rule: "policy.new_device", title: "New device", count: 1, severity: Medium, mitre: "-", src: "10.0.0.99", dst: "10.0.0.21:502"},
	}},
	{"new device as server: source is the device", []input{
		fl(1, "10.0.0.10:41000", "10.0.0.50:502", 2*time.Hour),
		fl(2, "10.0.0.21:41000", "10.0.0.50:502", 3*time.Hour), // a link from a known host to it: silent
	}, []want{
		{rule: "policy.new_device", count: 1, src: "10.0.0.50", dst: "10.0.0.10"},
	}},
	{"two new devices in one flow", []input{
		fl(1, "10.0.0.98:41000", "10.0.0.99:502", 2*time.Hour),
	}, []want{
		{rule: "policy.new_device", src: "10.0.0.98", dst: "10.0.0.99:502"},
		{rule: "policy.new_device", src: "10.0.0.99", dst: "10.0.0.98"},
	}},
	{"after its window a device's new links alert", []input{
		fl(1, "10.0.0.99:41000", "10.0.0.21:502", 2*time.Hour),     // window until 7 days + 2 h
		fl(2, "10.0.0.99:41001", "10.0.0.21:80", 2*day),            // silent, learnt
		fl(3, "10.0.0.99:41002", "10.0.0.21:80", 8*day),            // learnt before: silent
		fl(4, "10.0.0.99:41003", "10.0.0.21:443", 8*day),           // .99 -> .21 is known: a new port
		fl(5, "10.0.0.99:41004", "10.0.0.22:502", 8*day),           // .99 -> .22 is not: a new link
		fl(6, "10.0.0.10:41005", "10.0.0.99:502", 7*day+time.Hour), // .99 still in its window (ends 7 d + 2 h)
	}, []want{
		{rule: "policy.new_device", count: 1, src: "10.0.0.99"},
		{rule: "policy.new_link", title: "New port TCP/443", count: 1, src: "10.0.0.99", dst: "10.0.0.21:443"},
		{rule: "policy.new_link", title: "New link TCP/502", count: 1, src: "10.0.0.99", dst: "10.0.0.22:502"},
	}},
	{"new port and new link between known devices alert once", []input{
		fl(1, "10.0.0.10:41000", "10.0.0.21:5020", 2*time.Hour), // known pair, new port
		fl(2, "10.0.0.10:41001", "10.0.0.21:5020", 3*time.Hour), // learnt: no second firing
		fl(3, "10.0.0.22:41002", "10.0.0.21:502", 2*time.Hour),  // .22 -> .21 never talked
		fl(4, "10.0.0.21:41003", "10.0.0.10:502", 2*time.Hour),  // the reverse direction is another link
		flT(5, dissectors.UDP, "10.0.0.10:41004", "10.0.0.21:502", 2*time.Hour),
		flT(6, 1, "10.0.0.10:0", "10.0.0.22:0", 2*time.Hour), // ICMP echo
	}, []want{
		{rule: "policy.new_link", title: "New port TCP/5020 between a known client and server", count: 1, severity: Medium, mitre: "-", src: "10.0.0.10", dst: "10.0.0.21:5020"},
		{rule: "policy.new_link", title: "New link TCP/502", count: 1, src: "10.0.0.22", dst: "10.0.0.21:502"},
		{rule: "policy.new_link", title: "New link TCP/502", count: 1, src: "10.0.0.21", dst: "10.0.0.10:502"},
		{rule: "policy.new_link", title: "New port UDP/502", count: 1, src: "10.0.0.10", dst: "10.0.0.21:502"},
		{rule: "policy.new_link", title: "New port ICMP", count: 1, src: "10.0.0.10", dst: "10.0.0.22"},
	}},
	{"ends that are not stations are ignored", []input{
		flT(1, dissectors.UDP, "10.0.0.10:5353", "224.0.0.251:5353", 2*time.Hour),
		flT(2, dissectors.UDP, "0.0.0.0:68", "255.255.255.255:67", 2*time.Hour),
		flT(3, dissectors.UDP, "10.0.0.77:5000", "239.1.1.1:5000", 2*time.Hour), // a new device, no link
		flT(4, dissectors.UDP, "[ff02::1]:547", "[::]:546", 2*time.Hour),
	}, []want{
		{rule: "policy.new_device", src: "10.0.0.77", dst: "239.1.1.1:5000"},
	}},
	{"an IPv4-mapped address is the IPv4 host", []input{
		fl(1, "[::ffff:10.0.0.10]:41000", "[::ffff:10.0.0.21]:502", 2*time.Hour),
	}, nil},
}

// runPolicyCase learns policyPlant into a new baseline, locks it at t0+1h
// and feeds in; it returns the engine and the baseline.
func runPolicyCase(in []input, cfg Config) (*Engine, *Baseline) {
	b := NewBaseline(BaselineConfig{})
	cfg.Baseline = b
	e := NewEngine(cfg)
	feed(e, policyPlant)
	b.Lock(at(time.Hour))
	feed(e, in)
	return e, b
}

func TestPolicyDetections(t *testing.T) {
	for _, tc := range policyCases {
		t.Run(tc.name, func(t *testing.T) {
			e, _ := runPolicyCase(tc.in, Config{})
			got := e.Alerts()
			checkWants(t, got, tc.want)
			for _, a := range got {
				checkAlert(t, a)
			}
			// the same input into a second engine and baseline gives the same ids
			e2, _ := runPolicyCase(tc.in, Config{})
			got2 := e2.Alerts()
			if len(got2) != len(got) {
				t.Fatalf("second engine: %d alerts, first %d", len(got2), len(got))
			}
			for i := range got {
				if got[i].ID != got2[i].ID {
					t.Errorf("second engine: alert %d is %s, first %s", i, got2[i].ID, got[i].ID)
				}
			}
		})
	}
}

// TestPolicyLearningMode: a baseline that learns raises no policy alert,
// whatever it sees, and learns only stations.
func TestPolicyLearningMode(t *testing.T) {
	b := NewBaseline(BaselineConfig{})
	e := NewEngine(Config{Baseline: b})
	feed(e, concat(policyPlant, policyCases[5].in, policyCases[6].in))
	for _, a := range e.Alerts() {
		t.Errorf("learning mode raised %s %q", a.Rule, a.Title)
	}
	s := b.Status()
	var ips []string
	for _, h := range s.Hosts {
		ips = append(ips, h.IP.String())
	}
	if got, want := ips, []string{"10.0.0.10", "10.0.0.21", "10.0.0.22", "10.0.0.77"}; !equalStrings(got, want) {
		t.Fatalf("hosts %v, want %v", got, want)
	}
	// 10->21:502, 10->22:502, 10->21:5020, 22->21:502, 21->10:502, 10->21 UDP/502, 10->22 ICMP
	if s.LinkCount != 7 || len(s.Links) != 7 {
		t.Fatalf("%d links: %+v", s.LinkCount, s.Links)
	}
	l := s.Links[0] // sorted: 10.0.0.10 -> 10.0.0.21 TCP/502, TCP/5020, UDP/502, ...
	if l.Client.String() != "10.0.0.10" || l.Server.String() != "10.0.0.21" || l.Transport != "TCP" || l.Port != 502 || l.Flows != 2 ||
		!l.First.Equal(t0) || !l.Last.Equal(at(time.Minute)) {
		t.Fatalf("first link %+v", l)
	}
	for _, h := range s.Hosts {
		if !h.LearnUntil.IsZero() {
			t.Errorf("%v learnt in learning mode has a window until %v", h.IP, h.LearnUntil)
		}
	}
	if !s.First.Equal(t0) || !s.Last.Equal(at(3*time.Hour)) {
		t.Fatalf("status first %v last %v", s.First, s.Last)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPolicyLearnFlag: Learn learns into an operational baseline without
// alerts; what it learnt is then known.
func TestPolicyLearnFlag(t *testing.T) {
	b := NewBaseline(BaselineConfig{})
	b.Lock(t0)
	newDev := []input{fl(1, "10.0.0.99:41000", "10.0.0.21:502", time.Hour)}
	e := NewEngine(Config{Baseline: b, Learn: true})
	feed(e, concat(policyPlant, newDev))
	if n := len(e.Alerts()); n != 0 {
		t.Fatalf("Learn raised %d alerts", n)
	}
	if b.Mode() != ModeOperational {
		t.Fatalf("Learn changed the mode to %s", b.Mode())
	}
	h := b.host(netip.MustParseAddr("10.0.0.99"))
	if h == nil || !h.LearnUntil.IsZero() {
		t.Fatalf("host learnt with Learn: %+v", h)
	}
	e2 := NewEngine(Config{Baseline: b})
	feed(e2, concat(policyPlant, newDev, []input{fl(2, "10.0.0.99:41001", "10.0.0.22:502", 2*time.Hour)}))
	got := e2.Alerts()
	checkWants(t, got, []want{{rule: "policy.new_link", title: "New link TCP/502", src: "10.0.0.99", dst: "10.0.0.22:502"}})
}

// TestPolicyDeviceLearningConfig: Config.DeviceLearning sets the window.
func TestPolicyDeviceLearningConfig(t *testing.T) {
	in := []input{
		fl(1, "10.0.0.99:41000", "10.0.0.21:502", 2*time.Hour),
		fl(2, "10.0.0.99:41001", "10.0.0.22:502", 2*time.Hour+30*time.Minute), // inside a 1 h window
		fl(3, "10.0.0.99:41002", "10.0.0.21:80", 3*time.Hour),                 // its end: outside
	}
	e, b := runPolicyCase(in, Config{DeviceLearning: time.Hour})
	checkWants(t, e.Alerts(), []want{
		{rule: "policy.new_device", src: "10.0.0.99"},
		{rule: "policy.new_link", title: "New port TCP/80", src: "10.0.0.99", dst: "10.0.0.21:80"},
	})
	if h := b.host(netip.MustParseAddr("10.0.0.99")); h == nil || !h.LearnUntil.Equal(at(3*time.Hour)) {
		t.Fatalf("host %+v: want a window until t0+3h", h)
	}
}

// TestPolicyCaps: a full baseline drops and counts what it cannot learn;
// what is not learnt keeps aggregating into the same alert.
func TestPolicyCaps(t *testing.T) {
	b := NewBaseline(BaselineConfig{MaxHosts: 3, MaxLinks: 2})
	e := NewEngine(Config{Baseline: b})
	feed(e, policyPlant) // 3 hosts, 2 links: full
	b.Lock(at(time.Hour))
	feed(e, []input{
		fl(1, "10.0.0.99:41000", "10.0.0.21:502", 2*time.Hour),
		fl(2, "10.0.0.99:41001", "10.0.0.21:502", 3*time.Hour),
		fl(3, "10.0.0.10:41002", "10.0.0.21:80", 3*time.Hour),
		fl(4, "10.0.0.10:41003", "10.0.0.21:80", 4*time.Hour),
	})
	s := b.Status()
	if s.HostCount != 3 || s.LinkCount != 2 || s.DroppedHosts != 2 || s.DroppedLinks != 4 {
		t.Fatalf("status %d hosts %d links, dropped %d hosts %d links", s.HostCount, s.LinkCount, s.DroppedHosts, s.DroppedLinks)
	}
	checkWants(t, e.Alerts(), []want{
		{rule: "policy.new_device", count: 2, src: "10.0.0.99"},
		// .99 is not learnt, so not in a window: its link alerts too
		{rule: "policy.new_link", title: "New link TCP/502", count: 2, src: "10.0.0.99", dst: "10.0.0.21:502"},
		{rule: "policy.new_link", title: "New port TCP/80", count: 2, src: "10.0.0.10", dst: "10.0.0.21:80"},
	})
}

func TestBaselineModes(t *testing.T) {
	b := NewBaseline(BaselineConfig{})
	if b.Mode() != ModeLearning || !b.LockedAt().IsZero() {
		t.Fatalf("new baseline: %s locked at %v", b.Mode(), b.LockedAt())
	}
	b.Lock(at(time.Hour))
	if s := b.Status(); s.Mode != ModeOperational || !s.LockedAt.Equal(at(time.Hour)) {
		t.Fatalf("locked: %s at %v", s.Mode, s.LockedAt)
	}
	b.Learn()
	if s := b.Status(); s.Mode != ModeLearning || !s.LockedAt.IsZero() {
		t.Fatalf("back to learning: %s at %v", s.Mode, s.LockedAt)
	}
}

func TestParseTransport(t *testing.T) {
	for _, tr := range []dissectors.Transport{dissectors.TCP, dissectors.UDP, 1, 58, 0, 47, 132, 255} {
		got, ok := parseTransport(tr.String())
		if !ok || got != tr {
			t.Errorf("%s: %d %v", tr, got, ok)
		}
	}
	for _, s := range []string{"", "IP-", "IP-256", "IP-1a", "IP-99999999999999999999", "tcp"} {
		if _, ok := parseTransport(s); ok {
			t.Errorf("%q parsed", s)
		}
	}
}

// TestPolicySymmetricLinks: peers on the same port without a SYN (here
// BACnet/IP, UDP 47808) make the same link whichever sent first.
func TestPolicySymmetricLinks(t *testing.T) {
	in := []input{
		// learnt with .21 taken for the client (it sent first)
		flT(1, dissectors.UDP, "10.0.0.21:47808", "10.0.0.10:47808", 2*time.Hour),
	}
	e, b := runPolicyCase(nil, Config{})
	b.Learn()
	feed(e, in)
	b.Lock(at(3 * time.Hour))
	feed(e, []input{
		flT(2, dissectors.UDP, "10.0.0.10:47808", "10.0.0.21:47808", 4*time.Hour), // the other way: the same link
		flT(3, dissectors.UDP, "10.0.0.22:47808", "10.0.0.10:47808", 4*time.Hour), // a new one: .10 is the lower
		flT(4, dissectors.UDP, "10.0.0.10:47808", "10.0.0.22:47808", 5*time.Hour), // and the same again
		// with a SYN the direction is known: .22 opened it
		fl(5, "10.0.0.22:47808", "10.0.0.10:47808", 5*time.Hour),
	})
	checkWants(t, e.Alerts(), []want{
		{rule: "policy.new_link", title: "New port UDP/47808", count: 1, src: "10.0.0.10", dst: "10.0.0.22:47808"},
		{rule: "policy.new_link", title: "New link TCP/47808", count: 1, src: "10.0.0.22", dst: "10.0.0.10:47808"},
	})
	if n := b.Status().LinkCount; n != 5 { // the plant's 2, .10-.21 UDP, .10-.22 UDP, .22->.10 TCP
		t.Fatalf("%d links", n)
	}
}
