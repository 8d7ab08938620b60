package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/outbox"
	"github.com/otsensor/otsensor/inventory"
)

// fakeBackend is a test double of the daemon: fixed typed data, and a
// record of what it was asked to do.
type fakeBackend struct {
	snap     *inventory.Snapshot
	alerts   []*alerts.Alert
	baseline alerts.BaselineStatus
	outbox   outbox.Status
	status   *Status
	changes  []Change
	err      error // when set, every method returns it

	mu   sync.Mutex
	last string // the last call that changes something
	// streamEnded gets one value each time a Changes stream's context ends.
	streamEnded chan struct{}
}

var _ Backend = (*fakeBackend)(nil)

func (f *fakeBackend) record(format string, args ...any) {
	f.mu.Lock()
	f.last = fmt.Sprintf(format, args...)
	f.mu.Unlock()
}

func (f *fakeBackend) lastCall() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

func (f *fakeBackend) Snapshot() (*inventory.Snapshot, error) { return f.snap, f.err }
func (f *fakeBackend) Alerts() ([]*alerts.Alert, error)       { return f.alerts, f.err }
func (f *fakeBackend) Baseline() (alerts.BaselineStatus, error) {
	return f.baseline, f.err
}
func (f *fakeBackend) Outbox() (outbox.Status, error) { return f.outbox, f.err }
func (f *fakeBackend) Status() (*Status, error)       { return f.status, f.err }

func (f *fakeBackend) SetAlertState(id, state string) (*alerts.Alert, error) {
	f.record("state %s %s", id, state)
	if f.err != nil {
		return nil, f.err
	}
	a, err := FindAlert(f.alerts, id)
	if err != nil {
		return nil, err
	}
	c := *a
	c.State = state
	return &c, nil
}

func (f *fakeBackend) LearnAlert(id string) (*alerts.Alert, error) {
	f.record("learn %s", id)
	if f.err != nil {
		return nil, f.err
	}
	a, err := FindAlert(f.alerts, id)
	if err != nil {
		return nil, err
	}
	if a.Engine != alerts.EnginePolicy {
		return nil, fmt.Errorf("learn alert %s (%s): %w", a.ID, a.Rule, alerts.ErrNotPolicy)
	}
	c := *a
	c.State = alerts.StateLearned
	return &c, nil
}

func (f *fakeBackend) SwitchBaseline(verb string, learnFor time.Duration) (alerts.BaselineStatus, error) {
	f.record("baseline %s %d", verb, learnFor)
	if f.err != nil {
		return alerts.BaselineStatus{}, f.err
	}
	st := f.baseline
	switch verb {
	case "lock":
		st.Mode, st.LockAfter = alerts.ModeOperational, 0
	case "learn":
		st.Mode, st.LockedAt, st.LockAfter = alerts.ModeLearning, time.Time{}, learnFor
	case "reset":
		st = alerts.BaselineStatus{Mode: alerts.ModeLearning, Hosts: []alerts.BaselineHost{}, Links: []alerts.BaselineLink{}}
	default:
		return st, Errorf(CodeInvalid, "baseline %q", verb)
	}
	return st, nil
}

// Changes sends the fixed changes, then waits for ctx.
func (f *fakeBackend) Changes(ctx context.Context) (<-chan Change, error) {
	if f.err != nil {
		return nil, f.err
	}
	ch := make(chan Change)
	go func() {
		defer close(ch)
		for _, c := range f.changes {
			select {
			case ch <- c:
			case <-ctx.Done():
			}
		}
		<-ctx.Done()
		if f.streamEnded != nil {
			f.streamEnded <- struct{}{}
		}
	}()
	return ch, nil
}

// The fixture: a PLC and an HMI, a Modbus link, a policy and a protocol
// alert, a locked baseline, an outbox with a healthy and a failing sink.
// Times carry a non-UTC offset and nanoseconds: they must survive JSON.
var (
	cet      = time.FixedZone("CET", 3600)
	fixT0    = time.Date(2024, 3, 1, 8, 0, 0, 123456789, cet)
	hmiIP    = netip.MustParseAddr("192.168.10.10")
	plcIP    = netip.MustParseAddr("192.168.10.21")
	hmiMAC   = inventory.MAC{0x00, 0x14, 0x22, 0, 0, 0x10}
	plcMAC   = inventory.MAC{0x00, 0x80, 0xf4, 0, 0, 0x21}
	policyID = "3f2a9c0d17e4b6a8"
	protoID  = "3f2b000011112222"
)

func newFake() *fakeBackend {
	plc := &inventory.Device{
		ID: "a1b2c3d4e5f60718", IPs: []netip.Addr{plcIP}, MACs: []inventory.MAC{plcMAC}, Vendor: "Schneider Electric",
		FirstSeen: fixT0, LastSeen: fixT0.Add(time.Hour), Protocols: []string{"modbus"}, Roles: []string{"modbus_server"},
		VLANs: []uint16{10}, Identity: inventory.Identity{Vendor: "Schneider Electric", Product: "BMX P34 2020", Firmware: "v3.20"},
		Services: []inventory.Service{{Transport: "TCP", Port: 502, AppProto: "modbus"}},
		Modbus: &inventory.DeviceModbus{UnitIDs: inventory.UnitIDs{1, 255}, Identities: map[uint8]inventory.Identity{1: {Vendor: "Schneider Electric"}},
			ServerIDs: map[uint8]string{1: "0aff"}},
		Counters: inventory.Counters{PacketsSent: 7, PacketsReceived: 9, BytesSent: 700, BytesReceived: 900, FlowsAccepted: 2, Events: 4},
	}
	hmi := &inventory.Device{
		ID: "0718a1b2c3d4e5f6", IPs: []netip.Addr{hmiIP}, MACs: []inventory.MAC{hmiMAC}, Vendor: "Dell",
		FirstSeen: fixT0, LastSeen: fixT0.Add(time.Hour), Protocols: []string{"modbus"}, Roles: []string{"modbus_client"},
		Counters: inventory.Counters{PacketsSent: 9, PacketsReceived: 7, FlowsInitiated: 2},
	}
	link := &inventory.LinkView{
		ClientID: hmi.ID, ClientIP: hmiIP, ServerID: plc.ID, ServerIP: plcIP, Transport: "TCP", Port: 502, AppProto: "modbus",
		FirstSeen: fixT0, LastSeen: fixT0.Add(time.Hour), Flows: 2, Packets: 16, Bytes: 1600, PacketsToServer: 9, PacketsToClient: 7,
		Events: 4, Modbus: &inventory.LinkModbus{FunctionCodes: map[uint8]uint64{3: 3, 16: 1}, UnitIDs: inventory.UnitIDs{1}, Exceptions: 1},
	}
	list := []*alerts.Alert{
		{V: 1, ID: policyID, Rule: "policy.new_link", Title: "New link", Severity: alerts.Medium, Engine: alerts.EnginePolicy,
			Category: "baseline", Source: alerts.Endpoint{IP: hmiIP, MAC: hmiMAC.String()}, Destination: alerts.Endpoint{IP: plcIP, Port: 502},
			AppProto: "modbus", FlowID: 42, First: fixT0, Last: fixT0.Add(time.Minute), Count: 3,
			Evidence: json.RawMessage(`{"flow":{"transport":"TCP"}}`), MITRE: &alerts.Technique{ID: "T0886", Name: "Remote Services"}, State: alerts.StateNew},
		{V: 1, ID: protoID, Rule: "modbus.invalid_length", Title: "Invalid Modbus length", Severity: alerts.High, Engine: alerts.EngineProtocol,
			Category: "protocol", Source: alerts.Endpoint{IP: hmiIP}, Destination: alerts.Endpoint{IP: plcIP, Port: 502},
			First: fixT0, Last: fixT0, Count: 1, State: alerts.StateAcknowledged},
	}
	bl := alerts.BaselineStatus{
		Mode: alerts.ModeOperational, LockedAt: fixT0.Add(2 * time.Hour), First: fixT0, Last: fixT0.Add(time.Hour),
		HostCount: 2, LinkCount: 1, DroppedHosts: 1,
		Hosts: []alerts.BaselineHost{{IP: hmiIP, First: fixT0, Last: fixT0.Add(time.Hour)}, {IP: plcIP, First: fixT0, Last: fixT0.Add(time.Hour), MaxSilence: time.Minute}},
		Links: []alerts.BaselineLink{{Client: hmiIP, Server: plcIP, Transport: "TCP", Port: 502, AppProto: "modbus", First: fixT0,
			Last: fixT0.Add(time.Hour), Flows: 2, Period: time.Second, PeriodDev: time.Millisecond, Gaps: 9}},
		Protocols: alerts.ProtocolStatus{ModbusLinks: 1, Identities: 1},
	}
	ob := outbox.Status{Depth: 12, Bytes: 3400, MaxBytes: 64 << 20, Oldest: fixT0.Add(-time.Minute), NextSeq: 99,
		Sinks: []outbox.SinkStatus{
			{Name: "file", Pending: 1, Sent: 88, Failed: 2, Dropped: 3, BytesSent: 12345, BytesLastHour: 100, BytesPerDay: 2400,
				LastError: "disk full", LastErrorPermanent: true, LastErrorTime: fixT0.Add(-time.Hour), LastSuccess: fixT0, Failing: true},
			{Name: "syslog", Sent: 90, LastSuccess: fixT0},
		}}
	st := &Status{SensorID: "plant-a", Version: "0.9.0", DataDir: "/var/lib/otsensor", Started: fixT0.Add(-24 * time.Hour),
		Uptime: 24*time.Hour + 5*time.Nanosecond, Baseline: bl, Devices: 2, Alerts: CountAlerts(list), Outbox: ob,
		Interfaces: []Interface{
			{Name: "eth1", Packets: 1000, Bytes: 64000, KernelDrops: 3, QueueFreezes: 1, LastPacket: fixT0},
			{Name: "eth2", Packets: 5, Bytes: 320, KernelDrops: 1, QueueFreezes: 2, Quiet: true, LastPacket: fixT0.Add(-time.Hour)},
		}}
	return &fakeBackend{
		snap:     inventory.NewSnapshot([]*inventory.Device{hmi, plc}, []*inventory.LinkView{link}),
		alerts:   list,
		baseline: bl,
		outbox:   ob,
		status:   st,
		changes: []Change{
			{Kind: ChangeDevice, Device: plc},
			{Kind: ChangeAlert, Alert: list[0]},
			{Kind: ChangeDevice, Device: hmi},
			{Kind: ChangeAlert, Alert: list[1]},
			{Kind: "future_kind"},
		},
	}
}

// jsonOf is v as JSON, for comparing both ends of a round trip.
func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

// diff describes where two JSON strings part.
func diff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(i-60, 0)
	return fmt.Sprintf("differ at byte %d:\n got ...%s\nwant ...%s", i, clipTo(got[from:], 160), clipTo(want[from:], 160))
}

func clipTo(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return strings.TrimSpace(s)
}
