package modbus

import "time"

// pending is an outstanding request, kept to complete its response.
type pending struct {
	ts      time.Time
	tid     uint16
	unit    uint8
	fc      uint8
	present Field // of the fields below
	addr    uint16
	qty     uint16
	raddr   uint16
	rqty    uint16
	sub     uint16
	mei     uint8
	devCode uint8
	objID   uint8
}

// requestFields are the request fields a response inherits when it lacks
// them.
const requestFields = FieldAddress | FieldQuantity | FieldReadAddress | FieldSubFunction | FieldMEIType | FieldReadDeviceID

// track remembers request r (sent at ts) until its response. Requests
// with the same transaction id are all kept: some clients pipeline several
// requests under one id, and the server answers them in order.
func (p *Parser) track(r *Record, ts time.Time) {
	p.requestSeen = true
	p.expire(ts)
	if len(p.pending) >= p.opts.MaxOutstanding {
		p.f.Add(anTooManyOutstanding, "outstanding request cap reached: oldest forgotten")
		p.remove(0)
	}
	p.pending = append(p.pending, pending{
		ts: ts, tid: r.TransactionID, unit: r.UnitID, fc: r.FunctionCode,
		present: r.Present & requestFields,
		addr:    r.Address, qty: r.Quantity, raddr: r.ReadAddress, rqty: r.ReadQuantity,
		sub: r.SubFunction, mei: r.MEIType, devCode: r.ReadDeviceIDCode, objID: r.ObjectID,
	})
}

// expire forgets requests older than RequestTimeout at packet time now.
func (p *Parser) expire(now time.Time) {
	if p.opts.RequestTimeout < 0 {
		return
	}
	k := 0
	for k < len(p.pending) && now.Sub(p.pending[k].ts) > p.opts.RequestTimeout {
		k++
	}
	if k > 0 {
		p.pending = p.pending[:copy(p.pending, p.pending[k:])]
	}
}

// find returns the oldest request with this transaction id, unit id and
// function code, or -1; sameID tells whether one with the same ids but
// another function code is pending.
func (p *Parser) find(tid uint16, unit, fc uint8) (i int, sameID bool) {
	for i := range p.pending {
		q := &p.pending[i]
		if q.tid == tid && q.unit == unit {
			if q.fc == fc {
				return i, true
			}
			sameID = true
		}
	}
	return -1, sameID
}

func (p *Parser) remove(i int) {
	p.pending = p.pending[:i+copy(p.pending[i:], p.pending[i+1:])]
}

// match pairs response r with the oldest request of the same transaction
// id, unit id and function code, and completes it.
func (p *Parser) match(r *Record) {
	i, sameID := p.find(r.TransactionID, r.UnitID, r.FunctionCode)
	switch {
	case i >= 0:
		req := p.pending[i]
		p.remove(i)
		p.complete(r, &req)
	case sameID:
		p.f.Add(anUnmatchedResponse, "function code differs from the request's")
	case p.requestSeen:
		p.f.Add(anUnmatchedResponse, "no outstanding request with this transaction and unit id")
	}
}

// complete copies the request's fields the response lacks and checks the
// response's size against the request's quantity.
func (p *Parser) complete(r *Record, req *pending) {
	missing := req.present &^ r.Present
	if missing&FieldAddress != 0 {
		r.Address = req.addr
	}
	if missing&FieldQuantity != 0 {
		r.Quantity = req.qty
	}
	if missing&FieldReadAddress != 0 {
		r.ReadAddress, r.ReadQuantity = req.raddr, req.rqty
	}
	if missing&FieldSubFunction != 0 {
		r.SubFunction = req.sub
		if r.FunctionCode == fcUMAS {
			r.SubFunctionName = umasName(uint8(req.sub))
		} else {
			r.SubFunctionName, _ = diagnosticName(req.sub)
		}
	}
	if missing&FieldMEIType != 0 {
		r.MEIType = req.mei
		r.Function, _ = meiName(req.mei)
	}
	if missing&FieldReadDeviceID != 0 {
		r.ReadDeviceIDCode, r.ObjectID = req.devCode, req.objID
	}
	r.Present |= missing
	if r.Exception || !r.Has(FieldByteCount) {
		return
	}
	want := -1
	hasQty, hasRead := req.present&FieldQuantity != 0, req.present&FieldReadAddress != 0
	switch r.FunctionCode {
	case fcReadCoils, fcReadDiscreteInputs:
		if hasQty {
			want = (int(req.qty) + 7) / 8
			if int(req.qty) < len(r.Values) {
				r.Values = r.Values[:req.qty] // drop the padding bits
			}
		}
	case fcReadHoldingRegisters, fcReadInputRegisters:
		if hasQty {
			want = 2 * int(req.qty)
		}
	case fcReadWriteMultipleRegisters:
		if hasRead {
			want = 2 * int(req.rqty)
		}
	}
	if want >= 0 && int(r.ByteCount) != want {
		p.f.Add(anInvalidFunctionData, "byte count does not match the requested quantity")
	}
}
