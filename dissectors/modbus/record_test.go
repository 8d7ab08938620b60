package modbus

import (
	"bytes"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// The Go view of records: presence flags, borrowed slices, device id.
func TestRecordGoFields(t *testing.T) {
	c := run(t, Options{},
		req("0001 0000 0006 01 05 0000 0000"), // FC5 coil 0 OFF: address 0 is present
		req("0002 0000 0002 01 07"),           // FC7: no address
		resp("0003 0000 0015 0A 11 12 00 FF 57696e6770617468204c696d69746564"),
		resp("0019 0000 0012 01 2B 0E 01 01 00 00 01 00 08 4f74536e736f7200"), // vendor "OtSnsor\0"
	)
	if len(c.recs) != 4 {
		t.Fatalf("%d records", len(c.recs))
	}
	if r := c.recs[0]; !r.Has(FieldAddress) || r.Address != 0 || r.Has(FieldQuantity) || r.DeviceID != nil {
		t.Errorf("FC5: present %b address %d", r.Present, r.Address)
	}
	if r := c.recs[1]; r.Has(FieldAddress) || r.Present != 0 || len(r.Values) != 0 {
		t.Errorf("FC7 request: present %b values %v", r.Present, r.Values)
	}
	if r := c.recs[2]; !r.Has(FieldServerID|FieldRunIndicator) || !bytes.Equal(r.ServerID, []byte{0}) || !r.RunIndicator || string(r.AdditionalData) != "Wingpath Limited" {
		t.Errorf("FC17: %+v", r)
	}
	if d := c.recs[3].DeviceID; d == nil || d.VendorName != "OtSnsor\x00" || d.ProductCode != "" || len(d.Extended) != 0 {
		t.Errorf("device id %+v", d)
	}
	var r Record
	if r.AppProto() != "modbus" {
		t.Errorf("AppProto %q", r.AppProto())
	}
}

// Non-UTF-8 device id strings still make valid JSON.
func TestRecordJSONEscaping(t *testing.T) {
	c := run(t, Options{}, resp("0019 0000 000E 01 2B 0E 01 01 00 00 01 00 04 22 ff 0a 5c")) // `"`, 0xFF, LF, `\`
	sameEvents(t, c.events, []string{
		`{"transaction_id":25,"unit_id":1,"function_code":43,"function":"read_device_identification","response":true,"mei_type":14,
		  "read_device_id_code":1,"object_id":0,"conformity_level":1,"more_follows":false,"next_object_id":0,"number_of_objects":1,
		  "device_id":{"vendor_name":"\"\ufffd\n\\"}}`,
	})
}

// A device answering the same identification again costs no allocation,
// and strings handed out earlier keep their value.
func TestDeviceIDStringsReused(t *testing.T) {
	p := New(Options{}).NewParser(nil)
	adu := unhex(t, "0019 0000 0012 01 2B 0E 01 01 00 00 01 00 08 4f74536e736f7231")
	var kept string
	keep := dissectortest.Func(func(ev *dissectors.Event) {
		if r, ok := ev.Record.(*Record); ok && r.DeviceID != nil {
			kept = r.DeviceID.VendorName
		}
	})
	p.Parse(dissectors.ToClient, adu, t0, keep)
	first := kept
	if n := testing.AllocsPerRun(100, func() { p.Parse(dissectors.ToClient, adu, t0, keep) }); n != 0 {
		t.Errorf("%v allocations per repeated identification", n)
	}
	adu[len(adu)-1] = '2' // the device now says "OtSnsor2"
	p.Parse(dissectors.ToClient, adu, t0, keep)
	if first != "OtSnsor1" || kept != "OtSnsor2" {
		t.Errorf("kept %q then %q", first, kept)
	}
}

// Parsing a steady request/response mix allocates nothing.
func TestZeroAllocs(t *testing.T) {
	pkts := benchPackets(t)
	f := newFlowFeeder(pkts)
	ts := t0
	feed := func() {
		for _, pk := range pkts {
			ts = ts.Add(time.Millisecond)
			f.feed(pk, ts)
		}
	}
	feed() // grow the buffers
	if n := testing.AllocsPerRun(50, feed); n != 0 {
		t.Fatalf("%v allocations per mix of %d packets", n, len(pkts))
	}
	if f.sink.Anomalies != 0 || f.sink.Records != 52*len(pkts) {
		t.Fatalf("%d records, %d anomalies on the well-formed mix", f.sink.Records, f.sink.Anomalies)
	}
}
