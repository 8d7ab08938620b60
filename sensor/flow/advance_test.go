package flow

import (
	"slices"
	"testing"
	"time"
)

func TestAdvanceEndsIdleFlowsWithoutPackets(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Checkpoint = time.Hour // only ends are reported
	w, d, r := newTestWorker(cfg)
	c := host{cli.mac, cli.ip, 40000}
	s := host{srv.mac, srv.ip, 502}
	feedAt(w, udpFrame(t, c, s, []byte("HELLO\n")), 0)
	feedAt(w, udpFrame(t, s, c, []byte("HI\n")), ms)
	segs := append(handshake(cli, srv), exchange(cli, srv, 1000, 5000, "HELLO\n", "HI\n", 10*ms)...)
	feedTCP(t, w, segs...)

	// Earlier or equal times change nothing.
	w.Advance(t0)
	w.Advance(t0.Add(10 * ms))
	if len(r.updates) != 0 {
		t.Fatalf("updates after advancing into the past: %+v", r.updates)
	}
	// Just before the UDP flow's idle limit: still open.
	w.Advance(t0.Add(cfg.UDPIdle))
	if len(r.updates) != 0 {
		t.Fatalf("updates before UDPIdle: %+v", r.updates)
	}
	w.Advance(t0.Add(cfg.UDPIdle + 2*time.Second))
	if len(r.updates) != 1 || !r.updates[0].Ended || r.updates[0].Packets != [2]uint64{1, 1} {
		t.Fatalf("updates %+v, want the UDP flow ended with 1+1 packets", r.updates)
	}
	if !d.parsers[0].closed {
		t.Error("UDP parser not closed")
	}
	// The TCP connection (no FIN) ends once TCPIdle has passed; the
	// reassembler is flushed every few seconds of clock, so step there.
	for at := cfg.UDPIdle + 3*time.Second; at <= cfg.TCPIdle+20*time.Second; at += time.Second {
		w.Advance(t0.Add(at))
	}
	var ended []int
	for i, u := range r.updates {
		if u.Ended {
			ended = append(ended, i)
		}
	}
	if len(ended) != 2 {
		t.Fatalf("updates %+v, want the TCP connection ended too", r.updates)
	}
	last := r.updates[len(r.updates)-1]
	if last.Packets != [2]uint64{3, 2} {
		t.Errorf("TCP packets %v, want [3 2] (SYN, ACK, request; SYN-ACK, response)", last.Packets)
	}
	if got := r.texts(); !slices.Equal(got, []string{"to_server:HELLO", "to_client:HI", "to_server:HELLO", "to_client:HI"}) {
		t.Errorf("events %v", got)
	}
	// A packet older than the advanced clock is still handled.
	before := len(r.updates)
	feedAt(w, udpFrame(t, c, s, []byte("LATE\n")), 2*ms)
	w.Close()
	if len(r.updates) != before+1 {
		t.Errorf("late packet's flow not reported at Close: %d updates, want %d", len(r.updates), before+1)
	}
}
