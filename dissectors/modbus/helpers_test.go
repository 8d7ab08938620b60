package modbus

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// unhex decodes test input written in hex (see dissectortest.Hex).
var unhex = dissectortest.Hex

// collector renders each borrowed event at Emit time: a record as its
// JSON, an anomaly as "!" + name.
type collector struct {
	events []string
	recs   []Record // deep copies, for tests that look at Go fields
}

func (c *collector) Emit(ev *dissectors.Event) {
	if ev.Anomaly != nil {
		if ev.Anomaly.AppProto != "modbus" || !strings.HasPrefix(ev.Anomaly.Name, "modbus.") || ev.Record != nil {
			panic("malformed anomaly event")
		}
		c.events = append(c.events, "!"+ev.Anomaly.Name)
		return
	}
	r := ev.Record.(*Record)
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	c.events = append(c.events, string(b))
	c.recs = append(c.recs, cloneRecord(r))
}

func (c *collector) anomalies() []string {
	var out []string
	for _, e := range c.events {
		if strings.HasPrefix(e, "!") {
			out = append(out, e)
		}
	}
	return out
}

func cloneRecord(r *Record) Record {
	c := *r
	c.Values = append([]uint16(nil), r.Values...)
	c.Events = append([]byte(nil), r.Events...)
	c.ServerID = append([]byte(nil), r.ServerID...)
	c.AdditionalData = append([]byte(nil), r.AdditionalData...)
	c.FileRecords = nil
	for _, fr := range r.FileRecords {
		fr.Values = append([]uint16(nil), fr.Values...)
		c.FileRecords = append(c.FileRecords, fr)
	}
	if r.DeviceID != nil {
		d := *r.DeviceID
		d.Extended = append([]DeviceObject(nil), d.Extended...)
		c.DeviceID = &d
	}
	c.fileBuf = nil
	return c
}

// sameEvents compares rendered events; JSON objects are compared as
// values, so field order in the expectations does not matter.
func sameEvents(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d:\ngot:  %s\nwant: %s", len(got), len(want), strings.Join(got, "\n      "), strings.Join(want, "\n      "))
	}
	for i := range got {
		if strings.HasPrefix(want[i], "!") || strings.HasPrefix(got[i], "!") {
			if got[i] != want[i] {
				t.Errorf("event %d: got %s, want %s", i, got[i], want[i])
			}
			continue
		}
		var g, w any
		if err := json.Unmarshal([]byte(got[i]), &g); err != nil {
			t.Fatalf("event %d: bad JSON %s: %v", i, got[i], err)
		}
		if err := json.Unmarshal([]byte(want[i]), &w); err != nil {
			t.Fatalf("event %d: bad expected JSON %s: %v", i, want[i], err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("event %d:\ngot:  %s\nwant: %s", i, got[i], want[i])
		}
	}
}

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// step is one Parse call, or with gap set one Gap call.
type step struct {
	dir dissectors.Direction
	hex string
	gap bool
}

// run feeds steps to a fresh TCP parser, each call with whatever the
// previous one for the same direction left unconsumed (a gap drops it, as
// the flow layer does), and returns the events.
func run(t *testing.T, opts Options, steps ...step) *collector {
	t.Helper()
	p := New(opts).NewParser(nil)
	c := &collector{}
	var left [2][]byte
	for i, s := range steps {
		d := s.dir
		if s.gap {
			p.Gap(d)
			left[d] = nil
			continue
		}
		data := append(left[d], unhex(t, s.hex)...)
		n, err := p.Parse(d, data, t0.Add(time.Duration(i)*time.Millisecond), c)
		if err != nil || n < 0 || n > len(data) {
			t.Fatalf("step %d: Parse = %d, %v", i, n, err)
		}
		left[d] = append([]byte(nil), data[n:]...)
	}
	return c
}

func req(h string) step  { return step{dir: dissectors.ToServer, hex: h} }
func resp(h string) step { return step{dir: dissectors.ToClient, hex: h} }

// gapIn is a Gap in direction d: bytes were lost there.
func gapIn(d dissectors.Direction) step { return step{dir: d, gap: true} }
