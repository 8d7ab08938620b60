package alerts

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// protoLearn is one input of every protocol the baseline learns.
var protoLearn = []input{
	rec(fPM, at(1), up, mbAt(3, "read_holding_registers", 1, 0, 10)),
	rec(fPM, at(2), up, mbAt(3, "read_holding_registers", 1, 100, 10)),
	rec(fPM, at(3), up, mb23(0, 2, 50, 1)),
	rec(fPM, at(4), down, mbIdent("Schneider Electric", "BMX P34 2020", "v3.10")),
	rec(fPD, at(5), up, dnReq(1, "read")),
	rec(fPD, at(6), up, dnReq(5, "direct_operate")),
	rec(fPD, at(7), down, dnAttrs("RTU-5000", "4.2.1", "B")),
	rec(fPQ, at(8), up, mqConnect("hmi/1")), // a '/' in the id: escaped in the key
	rec(fPQ, at(9), up, mqSub("hmi/1", "plant/#")),
	rec(fPQ, at(10), up, mqPub("hmi/1", "plant/hmi/ack")),
	rec(fPT, at(11), up, tlsHello("ja3-a", "t13d_a", "plc1.plant.local", "fp1")),
}

// protoSuspect raises each protocol rule once against protoLearn.
var protoSuspect = []input{
	rec(fPM, at(2*hr), up, mbAt(6, "write_single_register", 1, 5, 0)),
	rec(fPM, at(2*hr), up, mbAt(3, "read_holding_registers", 1, 200, 1)),
	rec(fPM, at(2*hr), down, mbIdent("Schneider Electric", "BMX P34 2020", "v3.20")),
	rec(fPD2, at(2*hr), up, dnReq(5, "direct_operate")),
	rec(fPQ2, at(2*hr), up, mqConnect("intruder")),
	rec(fPQ2, at(2*hr), up, mqSub("intruder", "#")),
	rec(fPT, at(2*hr), up, tlsHello("ja3-b", "t12d_b", "plc1.plant.local", "fp2")),
}

// protoKnown is protoLearn's traffic again, later.
var protoKnown = []input{
	rec(fPM, at(3*hr), up, mbAt(3, "read_holding_registers", 1, 2, 5)),
	rec(fPM, at(3*hr), up, mbAt(3, "read_holding_registers", 1, 100, 10)),
	rec(fPM, at(3*hr), up, mb23(1, 1, 50, 1)),
	rec(fPM, at(3*hr), down, mbIdent("Schneider Electric", "BMX P34 2020", "v3.10")),
	rec(fPD, at(3*hr), up, dnReq(1, "read")),
	rec(fPD, at(3*hr), down, dnAttrs("RTU-5000", "4.2.1", "B")),
	rec(fPQ, at(3*hr), up, mqConnect("hmi/1")),
	rec(fPQ, at(3*hr), up, mqSub("hmi/1", "plant/#")),
	rec(fPT, at(3*hr), up, tlsHello("ja3-a", "t13d_a", "plc1.plant.local", "fp1")),
}

func protoJSON(t *testing.T, s ProtocolStatus) string {
	t.Helper()
	b, err := json.Marshal([]any{s.ModbusLinkList, s.DNP3LinkList, s.IdentityList, s.MQTTClientList, s.TLSItemList})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestProtoBaselineRoundTrip: what the protocol baseline learnt reads
// back the same from Badger, and the read-back baseline knows it (known
// traffic silent) and not more (each suspect rule raises).
func TestProtoBaselineRoundTrip(t *testing.T) {
	dir := t.TempDir()
	db := openBaselineDB(t, dir)
	s := NewStore(db)
	b := loadBaseline(t, s)
	learnInto(b, concat(protoPlant, protoLearn))
	b.Lock(at(time.Hour))
	saveBaseline(t, s, b)
	learnt := b.Status().Protocols
	if learnt.ModbusLinks != 1 || learnt.DNP3Links != 1 || learnt.Identities != 2 || learnt.MQTTClients != 1 || learnt.TLSItems != 4 {
		t.Fatalf("learnt %+v", learnt)
	}
	db.Close()

	db = openBaselineDB(t, dir)
	defer db.Close()
	b2 := loadBaseline(t, NewStore(db))
	got := b2.Status().Protocols
	if g, w := protoJSON(t, got), protoJSON(t, learnt); g != w {
		t.Fatalf("read back\n%s\nwant\n%s", g, w)
	}
	mb := got.ModbusLinkList[0]
	// FC 3: [0, 9] and [100, 109]; FC 23: write [0, 1] and read [50, 50]
	if mb.Requests != 3 || len(mb.Functions) != 2 || mb.Functions[0].Code != 3 || len(mb.Functions[0].Ranges) != 2 ||
		mb.Functions[0].Ranges[1] != (AddressRange{100, 109}) || mb.Functions[1].Code != 23 ||
		len(mb.Functions[1].Ranges) != 2 || mb.Functions[1].Ranges[1] != (AddressRange{50, 50}) {
		t.Fatalf("modbus link %+v", mb)
	}
	e := NewEngine(Config{Baseline: b2})
	feed(e, protoKnown)
	for _, a := range policyOnly(e.Alerts()) {
		t.Errorf("known traffic after reload raised %s %q", a.Rule, a.Title)
	}
	feed(e, protoSuspect)
	checkWants(t, policyOnly(e.Alerts()), []want{
		{rule: "policy.modbus_function", title: "not in the baseline: write_single_register", count: 1}, // FC 23 was a write
		{rule: "policy.modbus_address", title: "200-200", count: 1},
		{rule: "policy.identity_change", count: 1},
		{rule: "policy.dnp3_function", title: "never operated", count: 1},
		{rule: "policy.mqtt_client_id", count: 1},
		{rule: "policy.mqtt_wildcard", count: 1},
		{rule: "policy.tls_fingerprint", count: 1},
		{rule: "policy.tls_certificate", count: 1},
	})
}

// TestProtoBaselineMerge: two baselines saved into one database unite
// what they learnt, as hosts and links do.
func TestProtoBaselineMerge(t *testing.T) {
	db := openBaselineDB(t, t.TempDir())
	defer db.Close()
	s := NewStore(db)
	b1 := NewBaseline(BaselineConfig{})
	learnInto(b1, concat(protoPlant, []input{
		rec(fPM, at(1), up, mbAt(3, "read_holding_registers", 1, 0, 10)),
		rec(fPD, at(1), up, dnReq(1, "read")),
		rec(fPQ, at(1), up, mqSub("hmi", "a/#")),
		rec(fPM, at(1), down, mbIdent("Schneider Electric", "BMX P34 2020", "")),
	}))
	saveBaseline(t, s, b1)
	b2 := NewBaseline(BaselineConfig{})
	learnInto(b2, []input{
		rec(fPM, at(time.Hour), up, mbAt(3, "read_holding_registers", 1, 10, 5)), // adjacent: [0, 14]
		rec(fPM, at(time.Hour), up, mbAt(6, "write_single_register", 1, 7, 0)),
		rec(fPD, at(time.Hour), up, dnReq(2, "write")),
		rec(fPQ, at(time.Hour), up, mqSub("hmi", "b/+")),
		rec(fPM, at(time.Hour), down, mbIdent("", "", "v3.10")),
	})
	saveBaseline(t, s, b2)
	got := loadBaseline(t, s).Status().Protocols
	mb := got.ModbusLinkList[0]
	if mb.Requests != 3 || !mb.First.Equal(at(1)) || !mb.Last.Equal(at(time.Hour)) || len(mb.Functions) != 2 ||
		len(mb.Functions[0].Ranges) != 1 || mb.Functions[0].Ranges[0] != (AddressRange{0, 14}) || mb.Functions[1].Code != 6 {
		t.Fatalf("merged modbus link %+v", mb)
	}
	if dn := got.DNP3LinkList[0]; dn.Requests != 2 || len(dn.Functions) != 2 || dn.Functions[0] != 1 || dn.Functions[1] != 2 {
		t.Fatalf("merged dnp3 link %+v", dn)
	}
	if c := got.MQTTClientList[0]; strings.Join(c.Subscriptions, " ") != "a/# b/+" {
		t.Fatalf("merged mqtt client %+v", c)
	}
	if id := got.IdentityList[0]; id.Vendor != "Schneider Electric" || id.Product != "BMX P34 2020" || id.Revision != "v3.10" {
		t.Fatalf("merged identity %+v", id)
	}
	// b2 holds the merged records too
	if mb2 := b2.Status().Protocols.ModbusLinkList[0]; mb2.Requests != 3 || len(mb2.Functions[0].Ranges) != 1 {
		t.Fatalf("b2 after save %+v", mb2)
	}
}

// TestProtoBaselineBadRecords: a corrupt protocol record fails the load
// with its key; ResetBaseline removes the protocol records too.
func TestProtoBaselineBadRecords(t *testing.T) {
	db := openBaselineDB(t, t.TempDir())
	defer db.Close()
	s := NewStore(db)
	b := NewBaseline(BaselineConfig{})
	learnInto(b, concat(protoPlant, protoLearn))
	saveBaseline(t, s, b)
	for _, bad := range []struct{ key, val string }{
		{prefixBaselineModbus + "x", `{"v":1,"client":"10.0.0.1","server":"10.0.0.2","functions":[{"code":3,"ranges":[{"lo":5,"hi":1}]}]}`},
		{prefixBaselineTLS + "x", `{"v":1,"host":"10.0.0.1:0","kind":"ja5","value":"x"}`},
		{prefixBaselineIdentity + "x", `{"v":1,"protocol":"s7","server":"10.0.0.1"}`},
		{prefixBaselineDNP3 + "x", `not json`},
	} {
		if err := db.Update(func(txn *badger.Txn) error { return txn.Set([]byte(bad.key), []byte(bad.val)) }); err != nil {
			t.Fatal(err)
		}
		_, err := s.LoadBaseline(BaselineConfig{})
		if err == nil || !strings.Contains(err.Error(), bad.key) {
			t.Errorf("%s: load error %v", bad.key, err)
		}
		if err := db.Update(func(txn *badger.Txn) error { return txn.Delete([]byte(bad.key)) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ResetBaseline(); err != nil {
		t.Fatal(err)
	}
	if p := loadBaseline(t, s).Status().Protocols; p.ModbusLinks+p.DNP3Links+p.Identities+p.MQTTClients+p.TLSItems != 0 {
		t.Fatalf("after reset %+v", p)
	}
}

// TestProtoBaselineCaps: full tables drop and count; ranges coarsen.
func TestProtoBaselineCaps(t *testing.T) {
	b := NewBaseline(BaselineConfig{MaxProtocolEntries: 1})
	in := concat(protoPlant, []input{
		rec(fPM, at(1), up, mbAt(3, "read_holding_registers", 1, 0, 1)),
		rec(fPM2, at(1), up, mbAt(3, "read_holding_registers", 1, 0, 1)), // a second link: dropped
	})
	for i := range 10 { // 10 disjoint ranges: coarsened to 8
		in = append(in, rec(fPM, at(2), up, mbAt(3, "read_holding_registers", 1, uint16(i*100), 1)))
	}
	for i := range maxFiltersPerClient + 3 {
		in = append(in, rec(fPQ, at(3), up, mqSub("hmi", "t/"+string(rune('a'+i%26))+string(rune('a'+i/26)))))
	}
	learnInto(b, in)
	p := b.Status().Protocols
	if p.ModbusLinks != 1 || p.Dropped != 1 || p.CoarsenedRanges != 2 || p.DroppedTopics != 3 {
		t.Fatalf("status %+v", p)
	}
	rs := p.ModbusLinkList[0].Functions[0].Ranges
	// gaps of 99 between [0,0], [100,100], ...: ties merge the lowest pair, twice
	if len(rs) != maxRangesPerFunction || rs[0] != (AddressRange{0, 200}) || rs[1] != (AddressRange{300, 300}) || rs[7] != (AddressRange{900, 900}) {
		t.Fatalf("ranges %v", rs)
	}
	for _, r := range []AddressRange{{0, 0}, {50, 60}, {900, 900}} {
		if !covers(rs, r) {
			t.Errorf("%v not covered by %v", r, rs)
		}
	}
}

func TestAddRange(t *testing.T) {
	for _, tc := range []struct {
		in   []AddressRange
		add  AddressRange
		want []AddressRange
	}{
		{nil, AddressRange{5, 9}, []AddressRange{{5, 9}}},
		{[]AddressRange{{5, 9}}, AddressRange{10, 12}, []AddressRange{{5, 12}}},                  // adjacent after
		{[]AddressRange{{5, 9}}, AddressRange{0, 4}, []AddressRange{{0, 9}}},                     // adjacent before
		{[]AddressRange{{5, 9}}, AddressRange{11, 12}, []AddressRange{{5, 9}, {11, 12}}},         // a gap of one
		{[]AddressRange{{0, 1}, {5, 6}, {10, 11}}, AddressRange{1, 10}, []AddressRange{{0, 11}}}, // bridges three
		{[]AddressRange{{65530, 65535}}, AddressRange{0, 65535}, []AddressRange{{0, 65535}}},     // the whole space
		{[]AddressRange{{0, 0}, {65535, 65535}}, AddressRange{65534, 65534}, []AddressRange{{0, 0}, {65534, 65535}}},
	} {
		got, _ := addRange(append([]AddressRange(nil), tc.in...), tc.add)
		if len(got) != len(tc.want) {
			t.Errorf("%v + %v = %v, want %v", tc.in, tc.add, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%v + %v = %v, want %v", tc.in, tc.add, got, tc.want)
			}
		}
	}
}
