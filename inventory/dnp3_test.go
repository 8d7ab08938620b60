package inventory

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
)

func dnp3Event(inv *Inventory, f *dissectors.Flow, dir dissectors.Direction, r *dnp3.Record) {
	inv.Event(&dissectors.Event{Time: t0, Dir: dir, Flow: f, Record: r})
}

// A master polls two outstations (link addresses 10 and 11) behind one
// RTU address, and a second RTU dials out to the master (it is the TCP
// client): roles come from the link layer's DIR bit, not from who opened
// the connection.
func TestDNP3Learning(t *testing.T) {
	inv := New()
	rtu := netip.MustParseAddr("192.168.10.40")
	rtuMAC := MAC{0x00, 0x60, 0x35, 0, 0, 0x40} // SEL
	f := flowOf(hmiMAC, hmi, rtuMAC, rtu, 20000, "dnp3")
	for _, out := range []uint16{10, 11} {
		dnp3Event(inv, f, dissectors.ToServer, &dnp3.Record{Src: 1, Dst: out, FromMaster: true, FunctionCode: 1, Function: "read"})
		dnp3Event(inv, f, dissectors.ToClient, &dnp3.Record{Src: out, Dst: 1, FunctionCode: 129, Response: true,
			IIN: 1<<7 | 1<<4}) // device_restart, need_time
	}
	dnp3Event(inv, f, dissectors.ToServer, &dnp3.Record{Src: 1, Dst: 10, FromMaster: true, FunctionCode: 5})
	dnp3Event(inv, f, dissectors.ToClient, &dnp3.Record{Src: 10, Dst: 1, FunctionCode: 129, Response: true,
		Device: &dnp3.DeviceAttributes{Vendor: "SEL", Model: "RTAC 3530", SoftwareVersion: "R148", Serial: "1234"}})
	// Link-only frames (link status) give roles but no function code; a
	// broadcast destination is nobody's address.
	dnp3Event(inv, f, dissectors.ToServer, &dnp3.Record{Src: 1, Dst: 0xFFFF, FromMaster: true, LinkOnly: true, Primary: true, LinkFunctionCode: 9})
	run(inv, f, 5, 5, 0, time.Second)

	rtu2 := netip.MustParseAddr("192.168.10.41")
	f2 := flowOf(MAC{0x00, 0x60, 0x35, 0, 0, 0x41}, rtu2, hmiMAC, hmi, 20000, "dnp3")
	dnp3Event(inv, f2, dissectors.ToServer, &dnp3.Record{Src: 12, Dst: 1, FunctionCode: 130, Response: true, Unsolicited: true, UNS: true})
	run(inv, f2, 1, 0, 0, time.Second)

	s := inv.Snapshot()
	master, out, out2 := device(t, s, hmi.String()), device(t, s, rtu.String()), device(t, s, rtu2.String())
	if !slices.Equal(master.Roles, []string{"dnp3_master"}) || !slices.Equal(master.DNP3.MasterAddresses, []uint16{1}) {
		t.Errorf("master %s", dump(master))
	}
	if !slices.Equal(out.Roles, []string{"dnp3_outstation"}) || !slices.Equal(out.DNP3.OutstationAddresses, []uint16{10, 11}) {
		t.Errorf("outstation %s", dump(out))
	}
	if !slices.Equal(out2.Roles, []string{"dnp3_outstation"}) || !slices.Equal(out2.DNP3.OutstationAddresses, []uint16{12}) {
		t.Errorf("dial-out outstation %s", dump(out2))
	}
	want := Identity{Vendor: "SEL", Model: "RTAC 3530", Firmware: "R148", Serial: "1234", Source: "dnp3_device_attributes address 10"}
	if out.Identity != want {
		t.Errorf("identity %+v, want %+v", out.Identity, want)
	}
	var l *LinkView
	for _, v := range s.Links {
		if v.ServerIP == rtu {
			l = v
		}
	}
	if l == nil || l.DNP3 == nil {
		t.Fatalf("links %s", dump(s.Links))
	}
	if fc := l.DNP3.FunctionCodes; len(fc) != 3 || fc[1] != 2 || fc[5] != 1 || fc[129] != 3 {
		t.Errorf("function codes %v", fc)
	}
	if !slices.Equal(l.DNP3.MasterAddresses, []uint16{1}) || !slices.Equal(l.DNP3.OutstationAddresses, []uint16{10, 11}) {
		t.Errorf("link addresses %s", dump(l.DNP3))
	}
	if !slices.Equal(l.DNP3.IIN, []string{"device_restart", "need_time"}) {
		t.Errorf("link IIN %v", l.DNP3.IIN)
	}
}
