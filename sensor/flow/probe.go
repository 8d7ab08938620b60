package flow

import "github.com/otsensor/otsensor/dissectors"

// A dissector that claims a flow's port may refuse this many chunks (TCP
// segments or UDP datagrams) before it is ruled out: a session that opens
// with a malformed PDU must still be parsed, or the first bad PDU would
// hide the rest of the session from the sensor.
const maxPortRefusals = 4

// maxProbeChunks is how many chunks per direction probing keeps.
const maxProbeChunks = 8

// probeState keeps a TCP flow's bytes while no dissector has decided, so
// that the winner parses the flow from its first byte, chunk by chunk as
// it came. It exists only while some dissector asks for more or a port
// dissector refused a chunk.
type probeState struct {
	buf  [2][]byte
	ends [2][]int // end offset of each chunk in buf
	from [2]int   // where in buf the current attempt starts
}

// keep appends a chunk in dir.
func (ps *probeState) keep(dir dissectors.Direction, data []byte) {
	ps.buf[dir] = append(ps.buf[dir], data...)
	ps.ends[dir] = append(ps.ends[dir], len(ps.buf[dir]))
}

// probe offers a flow's next chunk in dir to every dissector not ruled
// out, those claiming the flow's ports first. The bytes offered are those
// of the current attempt: everything since the last chunk a port
// dissector refused, so that a probe asking for more sees the same bytes
// again with the new ones appended.
func (w *Worker) probe(f *flowState, dir dissectors.Direction, data []byte) {
	tcp := f.info.Transport == dissectors.TCP
	ps := f.probe
	kept := false
	offer := data
	if tcp && ps != nil && len(ps.buf[dir]) > ps.from[dir] {
		ps.keep(dir, data)
		kept = true
		offer = ps.buf[dir][ps.from[dir]:]
	}
	undecided, refused := false, false
	for pass := range 2 {
		onPort := pass == 0
		for i, d := range w.dissectors {
			bit := uint64(1) << i
			if f.excluded&bit != 0 || ((f.portMatch|f.clientPort)&bit != 0) != onPort {
				continue
			}
			switch d.Probe(dir, offer, onPort) {
			case dissectors.ProbeYes:
				if f.clientPort&bit != 0 && f.portMatch&bit == 0 {
					f.flip()
					dir = dir.Reverse()
				}
				if !kept && tcp && f.probe != nil {
					f.probe.keep(dir, data)
					kept = true
				}
				w.attach(f, d, dir, data, kept)
				return
			case dissectors.ProbeNo:
				if onPort && f.refusals < maxPortRefusals {
					refused = true
				} else {
					f.excluded |= bit
				}
			default:
				undecided = true
			}
		}
	}
	if !undecided && !refused {
		w.stopDissecting(f)
		return
	}
	if refused {
		f.refusals++
	}
	if !tcp {
		return // datagrams are probed one by one
	}
	if ps == nil {
		ps = &probeState{}
		f.probe = ps
	}
	if !kept {
		ps.keep(dir, data)
	}
	if refused && !undecided {
		ps.from[dir] = len(ps.buf[dir])
	}
	if len(ps.buf[dir]) > w.cfg.MaxProbeBytes || len(ps.ends[dir]) > maxProbeChunks {
		w.stopDissecting(f)
	}
}

// attach starts d's parser on f and gives it the flow so far: the kept
// chunks of the other direction, then those of this one (which end with
// data when kept), or else data alone.
func (w *Worker) attach(f *flowState, d dissectors.Dissector, dir dissectors.Direction, data []byte, kept bool) {
	f.info.AppProto = d.Name()
	f.parser = d.NewParser(&f.info)
	f.state = stateParsing
	ps := f.probe
	f.probe = nil
	if ps == nil {
		w.feed(f, dir, data)
		return
	}
	for _, d := range []dissectors.Direction{dir.Reverse(), dir} {
		start := 0
		for _, end := range ps.ends[d] {
			if f.state != stateParsing {
				return
			}
			w.feed(f, d, ps.buf[d][start:end])
			start = end
		}
	}
	if !kept && f.state == stateParsing {
		w.feed(f, dir, data)
	}
}

// flip swaps the flow's client and server: a dissector recognised its
// protocol with the service port on the side taken for the client (a
// connection opened by the service side, or a guess from ports gone wrong).
func (f *flowState) flip() {
	i := &f.info
	i.Client, i.Server = i.Server, i.Client
	i.ClientMAC, i.ServerMAC = i.ServerMAC, i.ClientMAC
	f.portMatch, f.clientPort = f.clientPort, f.portMatch
	swap := func(a *[2]uint64) { a[0], a[1] = a[1], a[0] }
	swap(&f.pkts)
	swap(&f.bytes)
	swap(&f.repPkts)
	swap(&f.repBytes)
	f.buf[0], f.buf[1] = f.buf[1], f.buf[0]
	if ps := f.probe; ps != nil {
		ps.buf[0], ps.buf[1] = ps.buf[1], ps.buf[0]
		ps.ends[0], ps.ends[1] = ps.ends[1], ps.ends[0]
		ps.from[0], ps.from[1] = ps.from[1], ps.from[0]
	}
	f.flipped = !f.flipped
	if !f.reported {
		i.ID = flowID(i)
	}
}
