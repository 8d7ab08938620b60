package inventory

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/sensor/flow"
)

var t0 = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)

// Stations of the test plant. OUIs: 00:80:f4 Schneider (Telemecanique),
// 00:0e:8c Siemens, 00:14:22 Dell, 00:00:0c Cisco.
var (
	hmiMAC    = MAC{0x00, 0x14, 0x22, 0, 0, 0x10}
	plcMAC    = MAC{0x00, 0x80, 0xf4, 0, 0, 0x21}
	plc2MAC   = MAC{0x00, 0x0e, 0x8c, 0, 0, 0x22}
	routerMAC = MAC{0x00, 0x00, 0x0c, 0, 0, 0x01}
	hmi       = netip.MustParseAddr("192.168.10.10")
	hmi6      = netip.MustParseAddr("fd00::10")
	plc       = netip.MustParseAddr("192.168.10.21")
	plc2      = netip.MustParseAddr("192.168.10.22")
	gwIP      = netip.MustParseAddr("192.168.10.1")
)

var nextID uint64

// flowOf makes a flow from client to server:port.
func flowOf(cm MAC, c netip.Addr, sm MAC, s netip.Addr, port uint16, app string) *dissectors.Flow {
	nextID++
	return &dissectors.Flow{
		ID: nextID, Transport: dissectors.TCP, AppProto: app,
		Client: netip.AddrPortFrom(c, 50000), Server: netip.AddrPortFrom(s, port),
		ClientMAC: cm, ServerMAC: sm, Start: t0,
	}
}

// run reports one whole flow: toServer/toClient packets of 100 bytes,
// from t0+start for dur.
func run(inv *Inventory, f *dissectors.Flow, toServer, toClient uint64, start, dur time.Duration) {
	inv.Flow(&flow.Update{
		Flow: f, First: t0.Add(start), Last: t0.Add(start + dur),
		Packets: [2]uint64{toServer, toClient}, Bytes: [2]uint64{100 * toServer, 100 * toClient},
		New: true, Ended: true,
	})
}

func device(t *testing.T, s *Snapshot, q string) *Device {
	t.Helper()
	d, ok := s.Find(q)
	if !ok {
		t.Fatalf("no device %s in %s", q, dump(s.Devices))
	}
	return d
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

func TestLocalStationsAreMACPlusIPs(t *testing.T) {
	inv := New()
	run(inv, flowOf(hmiMAC, hmi, plcMAC, plc, 502, "modbus"), 10, 10, 0, time.Minute)
	run(inv, flowOf(hmiMAC, hmi6, plcMAC, netip.MustParseAddr("fd00::21"), 502, "modbus"), 4, 4, time.Minute, time.Second)
	s := inv.Snapshot()
	if len(s.Devices) != 2 {
		t.Fatalf("%d devices, want 2 (an HMI and a PLC, each with IPv4 and IPv6): %s", len(s.Devices), dump(s.Devices))
	}
	d := device(t, s, "192.168.10.10")
	if !slices.Equal(d.IPs, []netip.Addr{hmi, hmi6}) || !slices.Equal(d.MACs, []MAC{hmiMAC}) {
		t.Errorf("HMI ips %v macs %v", d.IPs, d.MACs)
	}
	if d.Vendor != "Dell Inc." {
		t.Errorf("vendor %q", d.Vendor)
	}
	if !slices.Equal(d.Roles, []string{"modbus_client"}) || !slices.Equal(d.Protocols, []string{"modbus"}) {
		t.Errorf("roles %v protocols %v", d.Roles, d.Protocols)
	}
	if d.FirstSeen != t0 || d.LastSeen != t0.Add(time.Minute+time.Second) {
		t.Errorf("seen %v .. %v", d.FirstSeen, d.LastSeen)
	}
	if c := d.Counters; c.PacketsSent != 14 || c.PacketsReceived != 14 || c.FlowsInitiated != 2 || c.BytesSent != 1400 {
		t.Errorf("counters %+v", c)
	}
	p := device(t, s, plcMAC.String())
	if !slices.Equal(p.Roles, []string{"modbus_server"}) || len(p.Services) != 1 || p.Services[0] != (Service{"TCP", 502, "modbus"}) {
		t.Errorf("PLC roles %v services %v", p.Roles, p.Services)
	}
}

func TestRoutedHostsAreOneDevicePerIP(t *testing.T) {
	inv := New()
	// Three SCADA hosts on 10.50.0.0/24 reach the PLC through one router MAC.
	for i, ip := range []string{"10.50.0.5", "10.50.0.6", "10.50.0.7"} {
		run(inv, flowOf(routerMAC, netip.MustParseAddr(ip), plcMAC, plc, 502, "modbus"), 5, 5, time.Duration(i)*time.Second, time.Second)
	}
	s := inv.Snapshot()
	r := device(t, s, routerMAC.String())
	if !r.Router || len(r.IPs) != 0 || !slices.Equal(r.Roles, []string{"router"}) || r.Vendor != "Cisco Systems, Inc" {
		t.Errorf("router device %s", dump(r))
	}
	for _, ip := range []string{"10.50.0.5", "10.50.0.6", "10.50.0.7"} {
		d := device(t, s, ip)
		if len(d.MACs) != 0 || !slices.Equal(d.Gateways, []MAC{routerMAC}) || !slices.Equal(d.IPs, []netip.Addr{netip.MustParseAddr(ip)}) {
			t.Errorf("routed host %s", dump(d))
		}
		if d.ID == r.ID {
			t.Errorf("routed host %s merged into the router", ip)
		}
	}
	if len(s.Devices) != 5 {
		t.Errorf("%d devices, want router + 3 hosts + PLC", len(s.Devices))
	}
}

func TestRouterByARPAndForeignSubnet(t *testing.T) {
	inv := New()
	// The router claims 192.168.10.1 in ARP and carries one remote host:
	// two IPs only, but one is from another /24 than its own.
	inv.Neighbor(&flow.Neighbor{Time: t0, MAC: routerMAC, IP: gwIP.As4(), HasIP: true, EtherType: 0x0806})
	run(inv, flowOf(routerMAC, netip.MustParseAddr("10.50.0.5"), plcMAC, plc, 502, "modbus"), 3, 3, 0, time.Second)
	s := inv.Snapshot()
	r := device(t, s, "192.168.10.1")
	if !r.Router || !slices.Equal(r.MACs, []MAC{routerMAC}) {
		t.Errorf("router %s", dump(r))
	}
	if d := device(t, s, "10.50.0.5"); d.ID == r.ID || len(d.MACs) != 0 {
		t.Errorf("remote host %s", dump(d))
	}
}

func TestWhatIsNotADevice(t *testing.T) {
	inv := New()
	bcast := MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	// A UDP broadcast, a multicast, and a SYN to a host that never answers.
	u := flowOf(hmiMAC, hmi, bcast, netip.MustParseAddr("192.168.10.255"), 47808, "")
	u.Transport = dissectors.UDP
	run(inv, u, 1, 0, 0, 0)
	m := flowOf(hmiMAC, hmi, MAC{0x01, 0x00, 0x5e, 0, 0, 0xfb}, netip.MustParseAddr("224.0.0.251"), 5353, "")
	m.Transport = dissectors.UDP
	run(inv, m, 1, 0, 0, 0)
	run(inv, flowOf(hmiMAC, hmi, plcMAC, netip.MustParseAddr("192.168.10.99"), 80, ""), 2, 0, 0, time.Second)
	s := inv.Snapshot()
	if len(s.Devices) != 1 || s.Devices[0].MACs[0] != hmiMAC {
		t.Errorf("only the HMI is a device: %s", dump(s.Devices))
	}
	if len(s.Links) != 3 {
		t.Errorf("links %d: every conversation is a link, device or not", len(s.Links))
	}
}

func TestLayer2OnlyStation(t *testing.T) {
	inv := New()
	goose := MAC{0x00, 0x0e, 0x8c, 0, 0, 0x77}
	inv.Neighbor(&flow.Neighbor{Time: t0, MAC: goose, EtherType: 0x88b8, VLAN: [2]uint16{5}, NVLAN: 1})
	inv.Neighbor(&flow.Neighbor{Time: t0.Add(time.Second), MAC: goose, EtherType: 0x88b8, VLAN: [2]uint16{5}, NVLAN: 1})
	s := inv.Snapshot()
	d := device(t, s, goose.String())
	if !slices.Equal(d.Protocols, []string{"goose"}) || !slices.Equal(d.VLANs, []uint16{5}) || len(d.IPs) != 0 || d.Vendor != "Siemens AG" {
		t.Errorf("GOOSE publisher %s", dump(d))
	}
	if d.LastSeen != t0.Add(time.Second) {
		t.Errorf("last seen %v", d.LastSeen)
	}
}

// modbusEvent sends one Modbus record of flow f.
func modbusEvent(inv *Inventory, f *dissectors.Flow, r *modbus.Record) {
	dir := dissectors.ToServer
	if r.Response {
		dir = dissectors.ToClient
	}
	inv.Event(&dissectors.Event{Time: t0, Dir: dir, Flow: f, Record: r})
}

func TestModbusLearning(t *testing.T) {
	inv := New()
	gw := netip.MustParseAddr("192.168.10.30")
	gwMAC := MAC{0x00, 0x90, 0xe8, 0, 0, 0x30}
	f := flowOf(hmiMAC, hmi, gwMAC, gw, 502, "modbus")
	for unit := uint8(1); unit <= 3; unit++ {
		modbusEvent(inv, f, &modbus.Record{UnitID: unit, FunctionCode: 3})
		modbusEvent(inv, f, &modbus.Record{UnitID: unit, FunctionCode: 3, Response: true})
	}
	// Unit 9 is not behind the gateway: exception 11 (gateway target
	// failed to respond) must not make it a unit the device serves.
	modbusEvent(inv, f, &modbus.Record{UnitID: 9, FunctionCode: 4})
	modbusEvent(inv, f, &modbus.Record{UnitID: 9, FunctionCode: 4, Response: true, Exception: true, ExceptionCode: 11})
	// Unit 1 identifies itself in two stream-access responses.
	modbusEvent(inv, f, &modbus.Record{UnitID: 1, FunctionCode: 43, Response: true,
		DeviceID: &modbus.DeviceIdentification{VendorName: "Moxa", ProductCode: "MGate 5105"}})
	modbusEvent(inv, f, &modbus.Record{UnitID: 1, FunctionCode: 43, Response: true,
		DeviceID: &modbus.DeviceIdentification{Revision: "v4.2"}})
	modbusEvent(inv, f, &modbus.Record{UnitID: 2, FunctionCode: 17, Response: true, ServerID: []byte{0x5a, 0x65}})
	inv.Event(&dissectors.Event{Time: t0, Flow: f, Anomaly: &dissectors.Anomaly{AppProto: "modbus", Name: "modbus.invalid_length"}})
	run(inv, f, 8, 8, 0, time.Second)

	s := inv.Snapshot()
	d := device(t, s, "192.168.10.30")
	if d.Modbus == nil || !slices.Equal(d.Modbus.UnitIDs, []uint8{1, 2, 3}) {
		t.Fatalf("gateway units %s", dump(d.Modbus))
	}
	want := Identity{Vendor: "Moxa", Product: "MGate 5105", Firmware: "v4.2", Source: "modbus_read_device_identification unit 1"}
	if d.Identity != want {
		t.Errorf("identity %+v, want %+v", d.Identity, want)
	}
	if d.Modbus.ServerIDs[2] != "5a65" {
		t.Errorf("server ids %v", d.Modbus.ServerIDs)
	}
	l := s.Links[0]
	if l.Modbus == nil || l.Modbus.FunctionCodes[3] != 3 || l.Modbus.FunctionCodes[4] != 1 || l.Modbus.Exceptions != 1 {
		t.Errorf("link modbus %s", dump(l.Modbus))
	}
	if !slices.Equal(l.Modbus.UnitIDs, []uint8{1, 2, 3, 9}) || l.Events != 11 || l.Anomalies != 1 {
		t.Errorf("link units %v events %d anomalies %d", l.Modbus.UnitIDs, l.Events, l.Anomalies)
	}
	if l.ClientID != device(t, s, "192.168.10.10").ID || l.ServerID != d.ID {
		t.Errorf("link ends %s %s", l.ClientID, l.ServerID)
	}
}

func TestFind(t *testing.T) {
	inv := New()
	run(inv, flowOf(hmiMAC, hmi, plcMAC, plc, 502, "modbus"), 1, 1, 0, 0)
	run(inv, flowOf(hmiMAC, hmi, plc2MAC, plc2, 502, "modbus"), 1, 1, 0, 0)
	s := inv.Snapshot()
	d := device(t, s, "192.168.10.21")
	for _, q := range []string{d.ID, d.ID[:8], "00:80:f4:00:00:21", "0080f4000021", "00-80-F4-00-00-21", "::ffff:192.168.10.21"} {
		if got, ok := s.Find(q); !ok || got != d {
			t.Errorf("Find(%q) = %v, %v", q, got, ok)
		}
	}
	if _, ok := s.Find(""); ok {
		t.Error("empty query matched (ambiguous prefix)")
	}
	if _, ok := s.Find("10.9.9.9"); ok {
		t.Error("unknown IP matched")
	}
}

func openTestDB(t *testing.T, dir string) *badger.DB {
	t.Helper()
	db, err := OpenDB(dir, false, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestStoreRoundTripAndMerge(t *testing.T) {
	dir := t.TempDir()
	inv := New()
	f := flowOf(hmiMAC, hmi, plcMAC, plc, 502, "modbus")
	modbusEvent(inv, f, &modbus.Record{UnitID: 1, FunctionCode: 3})
	modbusEvent(inv, f, &modbus.Record{UnitID: 1, FunctionCode: 43, Response: true, DeviceID: &modbus.DeviceIdentification{VendorName: "Schneider Electric"}})
	run(inv, f, 10, 10, time.Minute, time.Minute)
	inv.Neighbor(&flow.Neighbor{Time: t0.Add(time.Hour), MAC: plc2MAC, IP: plc2.As4(), HasIP: true, EtherType: 0x0806})

	db := openTestDB(t, dir)
	if err := NewStore(db).Save(inv); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// A second "replay" into the same data dir: load, learn, save.
	db = openTestDB(t, dir)
	again := New()
	if err := NewStore(db).Load(again); err != nil {
		t.Fatal(err)
	}
	if a, b := dump(inv.Snapshot().Devices), dump(again.Snapshot().Devices); a != b {
		t.Fatalf("devices after a round trip differ:\n%s\n%s", a, b)
	}
	f2 := flowOf(hmiMAC, hmi, plcMAC, plc, 502, "modbus")
	modbusEvent(again, f2, &modbus.Record{UnitID: 1, FunctionCode: 16})
	run(again, f2, 5, 5, 0, time.Second) // earlier than what is stored
	if err := NewStore(db).Save(again); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openTestDB(t, dir)
	defer db.Close()
	merged := New()
	if err := NewStore(db).Load(merged); err != nil {
		t.Fatal(err)
	}
	s := merged.Snapshot()
	p := device(t, s, "192.168.10.21")
	if p.Counters.PacketsSent != 15 || p.FirstSeen != t0 || p.LastSeen != t0.Add(2*time.Minute) {
		t.Errorf("merged PLC counters %+v seen %v..%v", p.Counters, p.FirstSeen, p.LastSeen)
	}
	if p.Identity.Vendor != "Schneider Electric" {
		t.Errorf("identity lost: %+v", p.Identity)
	}
	l := s.Links[0]
	if l.Flows != 2 || l.Modbus.FunctionCodes[3] != 1 || l.Modbus.FunctionCodes[16] != 1 {
		t.Errorf("merged link %s", dump(l))
	}
	if _, ok := s.Find("192.168.10.22"); !ok {
		t.Error("ARP-learnt station lost")
	}
}

func TestStoreRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	db := openTestDB(t, dir)
	defer db.Close()
	if err := db.Update(func(txn *badger.Txn) error {
		return txn.Set([]byte(keySchema), []byte(`{"v":99}`))
	}); err != nil {
		t.Fatal(err)
	}
	err := NewStore(db).Load(New())
	if err == nil || !strings.Contains(err.Error(), "newer otsensor") {
		t.Errorf("Load = %v, want a newer-schema error", err)
	}
}

func TestSecondWriterIsLockedOut(t *testing.T) {
	dir := t.TempDir()
	db := openTestDB(t, dir)
	defer db.Close()
	if _, err := OpenDB(dir, false, zap.NewNop()); err == nil || !strings.Contains(err.Error(), ErrLocked.Error()) {
		t.Errorf("second open = %v, want %v", err, ErrLocked)
	}
}
