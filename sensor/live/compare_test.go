package live

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/sensor"
	"github.com/otsensor/otsensor/sensor/eve"
	"github.com/otsensor/otsensor/sensor/flow"
)

// writePcap writes frames into a temporary pcap file, one millisecond
// apart, and returns its path.
func writePcap(t testing.TB, frames [][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "frames.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	for i, fr := range frames {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Millisecond), CaptureLength: len(fr), Length: len(fr)}
		if err := w.WritePacket(ci, fr); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// qinq tags a frame 802.1ad outer, 802.1Q inner, as on a provider link.
func qinq(frame []byte, outer, inner uint16) []byte {
	out := append([]byte(nil), frame[:12]...)
	out = append(out, 0x88, 0xa8, byte(outer>>8), byte(outer), 0x81, 0x00, byte(inner>>8), byte(inner))
	return append(out, frame[12:]...)
}

// flowKey is what identifies a flow without time.
type flowKey struct {
	transport      dissectors.Transport
	client, server string
	vlan           [dissectors.MaxVLANs]uint16
}

// flowTotals sums a key's flows.
type flowTotals struct {
	flows   int
	packets [2]uint64
	workers map[int]bool
}

// flowRecorder sums flow updates per key and notes which worker sent
// them. One per worker; they share the map under mu.
type flowRecorder struct {
	worker int
	mu     *sync.Mutex
	flows  map[flowKey]*flowTotals
	next   flow.Observer
}

func (r *flowRecorder) Event(ev *dissectors.Event) { r.next.Event(ev) }
func (r *flowRecorder) Neighbor(n *flow.Neighbor)  { r.next.Neighbor(n) }
func (r *flowRecorder) Flow(u *flow.Update) {
	r.mu.Lock()
	k := flowKey{u.Flow.Transport, u.Flow.Client.String(), u.Flow.Server.String(), u.Flow.VLAN}
	tot := r.flows[k]
	if tot == nil {
		tot = &flowTotals{workers: map[int]bool{}}
		r.flows[k] = tot
	}
	if u.New {
		tot.flows++
	}
	tot.packets[0] += u.Packets[0]
	tot.packets[1] += u.Packets[1]
	tot.workers[r.worker] = true
	r.mu.Unlock()
	r.next.Flow(u)
}

// outcome is what a run produced, without what depends on time.
type outcome struct {
	devices, links string
	events         []string
	flows          map[flowKey]*flowTotals
}

// observers returns the inventory, the events writer and the buffer the
// events go to.
func observers() (*inventory.Inventory, *eve.Writer, *bytes.Buffer) {
	var buf bytes.Buffer
	return inventory.New(), eve.NewWriter(&buf), &buf
}

// finish canonicalises what the observers collected.
func finish(t testing.TB, inv *inventory.Inventory, ew *eve.Writer, buf *bytes.Buffer, flows map[flowKey]*flowTotals) outcome {
	t.Helper()
	if err := ew.Flush(); err != nil {
		t.Fatal(err)
	}
	snap := inv.Snapshot()
	o := outcome{devices: canonical(t, snap.Devices), links: canonical(t, snap.Links), flows: flows}
	for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("event %q: %v", line, err)
		}
		o.events = append(o.events, canonical(t, v))
	}
	slices.Sort(o.events) // workers interleave; each flow's own order is kept
	return o
}

// canonical is v as JSON without what depends on when packets were
// seen: timestamps (first/last seen, event times) and flow ids (a hash
// that includes the flow's start time).
func canonical(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var g any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	b, err = json.MarshalIndent(dropTimes(g), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func dropTimes(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok {
				if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
					delete(x, k)
					continue
				}
			}
			if k == "flow_id" {
				delete(x, k)
				continue
			}
			x[k] = dropTimes(e)
		}
	case []any:
		for i, e := range x {
			x[i] = dropTimes(e)
		}
	}
	return v
}

// replayOutcome replays path as `otsensor replay` does.
func replayOutcome(t testing.TB, path string) outcome {
	t.Helper()
	inv, ew, buf := observers()
	flows := map[flowKey]*flowTotals{}
	rec := &flowRecorder{mu: &sync.Mutex{}, flows: flows, next: flow.Tee{inv, ew}}
	_, err := sensor.Replay(context.Background(), []string{path}, sensor.ReplayConfig{
		Flow: flow.DefaultConfig(), Dissectors: all.Dissectors(all.Options{}), Observer: rec,
	})
	if err != nil {
		t.Fatal(err)
	}
	return finish(t, inv, ew, buf, flows)
}

func allDissectors() []dissectors.Dissector { return all.Dissectors(all.Options{}) }
