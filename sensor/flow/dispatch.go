package flow

import (
	"fmt"

	"github.com/otsensor/otsensor/dissectors"
)

// dissectState is where a flow is in choosing and running a dissector.
type dissectState uint8

const (
	stateProbing dissectState = iota // offering payload to the dissectors' probes
	stateParsing                     // a parser is attached
	stateNone                        // no dissector wants the flow, or its parser stopped
)

// flowState is everything the worker keeps about one flow.
type flowState struct {
	info        dissectors.Flow
	w           *Worker
	first, last int64 // packet time, Unix ns
	pkts, bytes [2]uint64
	// counters already reported to the observer
	repPkts, repBytes [2]uint64
	reported, ended   bool
	activeIdx         int        // index in Worker.active, -1 when not there
	prev, next        *flowState // in Worker.idle (UDP/other) or Worker.lingering (ended TCP)

	state      dissectState
	portMatch  uint64 // dissectors claiming the server port
	clientPort uint64 // dissectors claiming the client port
	flipped    bool   // client and server were swapped after the flow began
	excluded   uint64 // dissectors whose probe said no
	refusals   uint8  // chunks a port-matched dissector refused
	probe      *probeState
	parser     dissectors.Parser
	// the bytes the parser left unconsumed, per direction
	buf [2][]byte
}

// Emit implements dissectors.Emitter: it stamps the flow on the event and
// passes it on.
func (f *flowState) Emit(ev *dissectors.Event) {
	ev.Flow = &f.info
	w := f.w
	if ev.Anomaly != nil {
		w.Stats.Anomalies++
	} else {
		w.Stats.Events++
	}
	w.obs.Event(ev)
}

// touch records the current packet, of f, in dir.
func (w *Worker) touch(f *flowState, dir dissectors.Direction, wireLen int) {
	ts := w.pktNs
	if f.first == 0 || ts < f.first {
		f.first = ts
	}
	if ts > f.last {
		f.last = ts
	}
	f.pkts[dir]++
	f.bytes[dir] += uint64(wireLen)
	if f.activeIdx < 0 {
		f.activeIdx = len(w.active)
		w.active = append(w.active, f)
	}
}

// payload hands application bytes of f to its probes or parser.
func (w *Worker) payload(f *flowState, dir dissectors.Direction, data []byte) {
	switch f.state {
	case stateProbing:
		w.probe(f, dir, data)
	case stateParsing:
		w.feed(f, dir, data)
	}
}

// stopDissecting gives up on finding or running a parser for f.
func (w *Worker) stopDissecting(f *flowState) {
	f.state = stateNone
	f.parser = nil
	f.probe = nil
	f.buf = [2][]byte{}
}

// feed gives data to f's parser, after the bytes it left unconsumed in dir,
// and keeps what it does not consume (TCP only).
func (w *Worker) feed(f *flowState, dir dissectors.Direction, data []byte) {
	rest := f.buf[dir]
	if len(rest) > 0 {
		rest = append(rest, data...)
		data = rest
	}
	n := w.parse(f, dir, data)
	if f.state != stateParsing || f.info.Transport != dissectors.TCP || n == len(data) {
		if f.state == stateParsing {
			f.buf[dir] = rest[:0]
		}
		return
	}
	left := data[n:]
	if len(left) > w.cfg.MaxParserBuffer {
		w.Stats.BufferOverflows++
		f.buf[dir] = rest[:0]
		w.emitAnomaly(f, dir, "stream", "stream.buffer_overflow", "parser left more unconsumed bytes than the cap")
		w.gap(f, dir)
		return
	}
	if len(rest) > 0 {
		f.buf[dir] = rest[:copy(rest, left)]
	} else {
		f.buf[dir] = append(f.buf[dir][:0], left...)
	}
}

// parse runs the parser once, containing its panics: a parser that panics
// is counted and stopped for this flow, and the flow goes on.
func (w *Worker) parse(f *flowState, dir dissectors.Direction, data []byte) (n int) {
	defer func() {
		if r := recover(); r != nil {
			w.parserPanicked(f, dir, r)
			n = len(data)
		}
	}()
	n, err := f.parser.Parse(dir, data, w.pktTime, f)
	if n < 0 || n > len(data) {
		n = len(data)
	}
	if err != nil {
		w.Stats.ParserGaveUp++
		w.stopDissecting(f)
	}
	return n
}

// gap tells f's parser that bytes in dir were lost.
func (w *Worker) gap(f *flowState, dir dissectors.Direction) {
	switch f.state {
	case stateProbing:
		if ps := f.probe; ps != nil {
			ps.buf[dir], ps.ends[dir], ps.from[dir] = ps.buf[dir][:0], ps.ends[dir][:0], 0
		}
	case stateParsing:
		f.buf[dir] = f.buf[dir][:0]
		defer func() {
			if r := recover(); r != nil {
				w.parserPanicked(f, dir, r)
			}
		}()
		f.parser.Gap(dir)
	}
}

// closeParser ends f's parser, if it has one.
func (w *Worker) closeParser(f *flowState) {
	if f.state != stateParsing {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			w.parserPanicked(f, dissectors.ToServer, r)
		}
	}()
	f.parser.Close(nsTime(f.last), f)
	w.stopDissecting(f)
}

func (w *Worker) parserPanicked(f *flowState, dir dissectors.Direction, r any) {
	w.Stats.ParserPanics++
	app := f.info.AppProto
	w.stopDissecting(f)
	w.emitAnomaly(f, dir, "app", "app.parser_panic", fmt.Sprintf("%s parser panicked: %v", app, r))
}
