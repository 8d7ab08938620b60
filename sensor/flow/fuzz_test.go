package flow

import (
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/modbus"
)

// FuzzWorker feeds a sequence of Ethernet frames through a worker with the
// real Modbus dissector: whatever the frames, no panic, no hang, and the
// counters stay consistent. The input is a list of frames, each a 2-byte
// length, a 1-byte time step (100 ms units) and the frame. The seeds are
// the first frames (up to 2 KiB) of the bundled captures: small inputs
// keep minimisation, which runs the whole worker per try, short.
func FuzzWorker(f *testing.F) {
	for _, name := range []string{"modbus_segmentation.pcap", "modbus_malformed.pcap", "modbus_midstream.pcap", "modbus_vlan_ipv6_frag.pcap", "non_modbus_port502.pcap"} {
		f.Add(seedFrames(f, filepath.Join("..", "..", "pcaps", name)))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		cfg := DefaultConfig()
		cfg.MaxParserBuffer = 1 << 10
		cfg.MaxFlows = 64
		obs := &countingObserver{}
		w := NewWorker(cfg, []dissectors.Dissector{modbus.New(modbus.Options{})}, obs)
		ts := t0
		for len(in) >= 3 {
			n := int(binary.BigEndian.Uint16(in))
			ts = ts.Add(time.Duration(in[2]) * time.Millisecond * 100)
			in = in[3:]
			n = min(n, len(in))
			frame := in[:n]
			in = in[n:]
			w.Handle(frame, gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}, layers.LinkTypeEthernet)
		}
		w.Close()
		if w.Stats.Events+w.Stats.Anomalies != obs.events {
			t.Fatalf("stats say %d events, the observer saw %d", w.Stats.Events+w.Stats.Anomalies, obs.events)
		}
		if w.Stats.ParserPanics != 0 {
			t.Fatalf("the Modbus parser panicked %d times", w.Stats.ParserPanics)
		}
	})
}

type countingObserver struct{ events uint64 }

func (c *countingObserver) Event(ev *dissectors.Event) {
	if ev.Flow == nil {
		panic("event without a flow")
	}
	c.events++
}
func (c *countingObserver) Flow(*Update)       {}
func (c *countingObserver) Neighbor(*Neighbor) {}

// seedFrames encodes a capture's frames in FuzzWorker's input format.
func seedFrames(tb testing.TB, path string) []byte {
	fh, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	r, err := pcapgo.NewReader(fh)
	if err != nil {
		tb.Fatal(err)
	}
	var out []byte
	var last time.Time
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		step := byte(0)
		if !last.IsZero() && ci.Timestamp.Sub(last) > 100*time.Millisecond {
			step = 1
		}
		last = ci.Timestamp
		if len(out)+3+len(data) > 2<<10 {
			return out
		}
		out = binary.BigEndian.AppendUint16(out, uint16(len(data)))
		out = append(out, step)
		out = append(out, data...)
	}
}
