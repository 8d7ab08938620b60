package dnp3

import (
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/finding"
)

const dirs = 2 // indexed by Direction

// Parser parses the DNP3 link frames of one flow, reassembles their
// transport segments into application fragments and emits one Record per
// fragment or link-only frame. It reuses one Event, one Record and its
// buffers for every event.
type Parser struct {
	opts Options
	udp  bool

	// skipping is set while inside a run of skipped octets that has been
	// reported (or that follows a bad header): one anomaly per run.
	skipping [dirs]bool
	// partial is set when the last TCP Parse in a direction stopped inside
	// a frame: Close reports it as truncated.
	partial [dirs]bool

	slots [dirs][numSlots]slot
	tick  uint64

	seg    [maxUserData]byte // user data of the current frame, CRCs removed
	frames uint64            // link frames with valid CRCs (tests read it)
	// fragHook, when set (by tests), sees every complete fragment just
	// before it is decoded.
	fragHook func(frag []byte)

	ev  dissectors.Event
	an  dissectors.Anomaly
	rec Record
	app appDecoder
	f   findings
}

var _ dissectors.Parser = (*Parser)(nil)

func newParser(opts Options, udp bool) *Parser {
	if opts.MaxFragment <= 0 {
		opts.MaxFragment = DefaultMaxFragment
	}
	p := &Parser{opts: opts, udp: udp}
	p.an.AppProto = "dnp3"
	return p
}

// Parse implements dissectors.Parser: it emits the events of every complete
// link frame in data and returns the offset of the first incomplete one.
// Octets that cannot start a frame are skipped (dnp3.skipped_bytes) up to
// the next 0x05 0x64.
func (p *Parser) Parse(dir dissectors.Direction, data []byte, ts time.Time, out dissectors.Emitter) (int, error) {
	d := int(dir & 1)
	p.ev.Time, p.ev.Dir = ts, dir
	p.partial[d] = false
	if p.udp {
		p.skipping[d] = false // every datagram starts afresh
	}
	off := 0
	for off < len(data) {
		rest := data[off:]
		i := indexStart(rest)
		if i < 0 {
			// A final 0x05 may be the first half of a start on TCP.
			keep := 0
			if !p.udp && rest[len(rest)-1] == start0 {
				keep = 1
			}
			if len(rest) > keep {
				p.skip(d, out)
			}
			return len(data) - keep, nil
		}
		if i > 0 {
			p.skip(d, out)
			off += i
			rest = rest[i:]
		}
		if len(rest) < headerLen {
			return p.incomplete(d, off, len(data), out)
		}
		if !headerOK(rest) {
			p.emitAnomaly(anBadLinkCRC, "link header CRC mismatch", out)
			p.skipping[d] = true
			off += 2
			continue
		}
		h := parseHeader(rest)
		if h.length < minLength {
			p.emitAnomaly(anLenTooSmall, "link length below 5", out)
			p.skipping[d] = true
			off += 2
			continue
		}
		size := frameSize(h.length)
		if len(rest) < size {
			return p.incomplete(d, off, len(data), out)
		}
		p.skipping[d] = false
		off += size
		if !blocksOK(rest[:size]) {
			p.emitAnomaly(anBadLinkCRC, "link data block CRC mismatch", out)
			continue
		}
		p.frames++
		p.frame(d, h, rest[:size], out)
	}
	return off, nil
}

// incomplete ends a Parse call that stopped at off inside a frame.
func (p *Parser) incomplete(d, off, n int, out dissectors.Emitter) (int, error) {
	if p.udp {
		p.emitAnomaly(anTruncatedFrame, "datagram ends inside a link frame", out)
		return n, nil
	}
	p.partial[d] = true
	return off, nil
}

// skip reports skipped octets once per run.
func (p *Parser) skip(d int, out dissectors.Emitter) {
	if !p.skipping[d] {
		p.skipping[d] = true
		p.emitAnomaly(anSkippedBytes, "octets before a link frame start", out)
	}
}

// frame handles one link frame with valid CRCs.
func (p *Parser) frame(d int, h linkHeader, frame []byte, out dissectors.Emitter) {
	if !h.carriesTransport() {
		p.linkOnly(h, out)
		return
	}
	var seg []byte
	if n := h.length - minLength; n <= blockLen {
		seg = frame[headerLen : headerLen+n] // one block: no CRC inside
	} else {
		seg = p.seg[:userData(p.seg[:], frame)]
	}
	p.segment(d, h, seg, out)
}

// setLink fills the record's link fields from h.
func (p *Parser) setLink(h linkHeader, frames int) {
	r := &p.rec
	r.Src, r.Dst = h.src, h.dst
	r.FromMaster, r.Primary = h.ctl&ctlDIR != 0, h.primary()
	r.FCB, r.FCV, r.DFC = r.Primary && h.ctl&ctlFCB != 0, r.Primary && h.ctl&ctlFCV != 0, !r.Primary && h.ctl&ctlFCV != 0
	r.LinkFunctionCode = h.function()
	r.LinkFunction = linkFunctionName(r.Primary, r.LinkFunctionCode)
	r.Frames = frames
}

// linkOnly emits the record of a frame without application data.
func (p *Parser) linkOnly(h linkHeader, out dissectors.Emitter) {
	r := &p.rec
	r.FIR, r.FIN, r.CON, r.UNS, r.Seq = false, false, false, false, 0
	r.FunctionCode, r.Function, r.Response, r.Unsolicited, r.IIN = 0, "", false, false, 0
	r.Objects, r.Device = r.Objects[:0], nil
	p.setLink(h, 1)
	r.LinkOnly = true
	p.emitRecord(out)
}

// fragment decodes and emits a complete application fragment that ended
// with a frame with header h, followed by its anomalies.
func (p *Parser) fragment(h linkHeader, frag []byte, frames int, out dissectors.Emitter) {
	if p.fragHook != nil {
		p.fragHook(frag)
	}
	p.f.Reset()
	p.app.decode(frag, &p.rec, &p.f)
	p.setLink(h, frames)
	p.rec.LinkOnly = false
	p.emitRecord(out)
	p.f.Emit(out, &p.ev, &p.an, Anomalies)
}

func (p *Parser) emitRecord(out dissectors.Emitter) {
	p.ev.Record, p.ev.Anomaly = &p.rec, nil
	out.Emit(&p.ev)
}

func (p *Parser) emitAnomaly(a anomaly, detail string, out dissectors.Emitter) {
	finding.Emit(out, &p.ev, &p.an, Anomalies[a].Name, detail)
}

// Gap implements dissectors.Parser: the fragments being reassembled in dir
// are dropped and the next octets are searched for a frame start.
func (p *Parser) Gap(dir dissectors.Direction) {
	d := int(dir & 1)
	p.skipping[d], p.partial[d] = false, false
	p.dropFragments(d)
}

// Close implements dissectors.Parser. A TCP direction whose last Parse
// stopped inside a link frame gets dnp3.truncated_frame; unfinished
// fragments are dropped without events.
func (p *Parser) Close(ts time.Time, out dissectors.Emitter) {
	p.ev.Time = ts
	for d := range dirs {
		if p.partial[d] {
			p.ev.Dir = dissectors.Direction(d)
			p.emitAnomaly(anTruncatedFrame, "stream ends inside a link frame", out)
			p.partial[d] = false
		}
		p.dropFragments(d)
	}
}
