package alerts

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"

	"github.com/dgraph-io/badger/v4"
)

// Keys of the protocol baseline, under prefixBaseline: one record per
// Modbus link, DNP3 link, identity, MQTT client and TLS item.
const (
	prefixBaselineModbus   = "bl/pm/" // <client>/<server>/<unit>
	prefixBaselineDNP3     = "bl/pd/" // <master>/<outstation>/<address>
	prefixBaselineIdentity = "bl/pi/" // <protocol>/<server>/<address>
	prefixBaselineMQTT     = "bl/pq/" // <broker>/<client id, path-escaped>
	prefixBaselineTLS      = "bl/pt/" // <host>/<kind>/<value, path-escaped>
)

type baselineModbusRecord struct {
	V int `json:"v"`
	BaselineModbus
}

type baselineDNP3Record struct {
	V int `json:"v"`
	BaselineDNP3
}

type baselineIdentityRecord struct {
	V int `json:"v"`
	BaselineIdentity
}

type baselineMQTTRecord struct {
	V int `json:"v"`
	BaselineMQTTClient
}

type baselineTLSRecord struct {
	V int `json:"v"`
	BaselineTLSItem
}

func modbusKey(l *BaselineModbus) []byte {
	return []byte(prefixBaselineModbus + l.Client.String() + "/" + l.Server.String() + "/" + strconv.Itoa(int(l.Unit)))
}

func dnp3Key(l *BaselineDNP3) []byte {
	return []byte(prefixBaselineDNP3 + l.Master.String() + "/" + l.Outstation.String() + "/" + strconv.Itoa(int(l.Address)))
}

func identityKey(l *BaselineIdentity) []byte {
	return []byte(prefixBaselineIdentity + l.Protocol + "/" + l.Server.String() + "/" + strconv.Itoa(int(l.Address)))
}

func mqttKey(c *BaselineMQTTClient) []byte {
	return []byte(prefixBaselineMQTT + c.Broker.String() + "/" + url.PathEscape(c.ClientID))
}

func tlsItemKey(it *BaselineTLSItem) []byte {
	return []byte(prefixBaselineTLS + it.Host.String() + "/" + it.Kind + "/" + url.PathEscape(it.Value))
}

func identProto(name string) (uint8, bool) {
	switch name {
	case "modbus":
		return identModbus, true
	case "dnp3":
		return identDNP3, true
	}
	return 0, false
}

// loadProtoRecord reads one stored protocol record into b; keys it does
// not know are left alone (a newer otsensor's, with the same schema).
func (b *Baseline) loadProtoRecord(key, v []byte) error {
	p := &b.proto
	max := b.cfg.MaxProtocolEntries
	switch {
	case bytes.HasPrefix(key, []byte(prefixBaselineModbus)):
		var r baselineModbusRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		l := &blModbus{BaselineModbus: r.BaselineModbus}
		l.Client, l.Server = l.Client.Unmap(), l.Server.Unmap()
		k := mbKey{client: l.Client, server: l.Server, unit: l.Unit}
		if ok, err := p.admit(max, len(p.modbus), p.modbus[k] != nil, "modbus link"); !ok {
			return err
		}
		slices.SortFunc(l.Functions, func(x, y ModbusFunction) int { return int(x.Code) - int(y.Code) })
		for i := range l.Functions {
			f := &l.Functions[i]
			if l.fcs.has(f.Code) {
				return fmt.Errorf("function code %d stored twice", f.Code)
			}
			l.fcs.add(f.Code)
			if modbusWrite(f.Code) {
				p.mbWriters[l.Client] = true
			}
			rs := f.Ranges
			f.Ranges = nil
			for _, rg := range rs {
				if rg.Lo > rg.Hi {
					return fmt.Errorf("function code %d: range %d-%d", f.Code, rg.Lo, rg.Hi)
				}
				f.Ranges, _ = addRange(f.Ranges, rg)
			}
		}
		p.modbus[k] = l
	case bytes.HasPrefix(key, []byte(prefixBaselineDNP3)):
		var r baselineDNP3Record
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		l := &blDNP3{BaselineDNP3: r.BaselineDNP3}
		l.Master, l.Outstation = l.Master.Unmap(), l.Outstation.Unmap()
		k := dnKey{master: l.Master, outstation: l.Outstation, addr: l.Address}
		if ok, err := p.admit(max, len(p.dnp3), p.dnp3[k] != nil, "dnp3 link"); !ok {
			return err
		}
		for _, fc := range l.Functions {
			l.fcs.add(fc)
		}
		l.Functions = l.fcs.list()
		p.dnp3[k] = l
	case bytes.HasPrefix(key, []byte(prefixBaselineIdentity)):
		var r baselineIdentityRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		pr, ok := identProto(r.Protocol)
		if !ok {
			return fmt.Errorf("identity protocol %q", r.Protocol)
		}
		r.Server = r.Server.Unmap()
		k := identKey{server: r.Server, proto: pr, addr: r.Address}
		if ok, err := p.admit(max, len(p.idents), p.idents[k] != nil, "identity"); !ok {
			return err
		}
		p.idents[k] = &blIdentity{BaselineIdentity: r.BaselineIdentity}
	case bytes.HasPrefix(key, []byte(prefixBaselineMQTT)):
		var r baselineMQTTRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		r.Broker = r.Broker.Unmap()
		k := mqKey{broker: r.Broker, client: r.ClientID}
		if ok, err := p.admit(max, len(p.mqtt), p.mqtt[k] != nil, "mqtt client"); !ok {
			return err
		}
		c := &blMQTT{BaselineMQTTClient: r.BaselineMQTTClient, topics: map[string]struct{}{}, subs: map[string]struct{}{}}
		for _, tp := range r.Topics {
			p.addTopic(c, c.topics, tp, maxTopicsPerClient)
		}
		for _, flt := range r.Subscriptions {
			p.addTopic(c, c.subs, flt, maxFiltersPerClient)
		}
		c.Topics, c.Subscriptions, c.dirty = nil, nil, false
		p.mqtt[k] = c
	case bytes.HasPrefix(key, []byte(prefixBaselineTLS)):
		var r baselineTLSRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		kind, ok := parseTLSKind(r.Kind)
		if !ok {
			return fmt.Errorf("tls item kind %q", r.Kind)
		}
		r.Host = serviceOf(r.Host)
		k := tlsKey{host: r.Host, kind: kind, value: r.Value}
		if ok, err := p.admit(max, len(p.tls), p.tls[k] != nil, "tls item"); !ok {
			return err
		}
		p.putTLS(k, &blTLS{BaselineTLSItem: r.BaselineTLSItem})
	}
	return nil
}

// admit reports whether a loaded entry is added to its table of n
// entries: not when has (the table holds its key already: an error) or
// when the table is full (counted, no error).
func (p *protoBaseline) admit(max, n int, has bool, what string) (bool, error) {
	if has {
		return false, errors.New(what + " stored twice")
	}
	return !p.full(max, n), nil
}

// protoWrite is one merged record to write, and how to take it back into
// the baseline once written.
type protoWrite struct {
	key   []byte
	val   any
	apply func()
}

// readStored reads the record of type R stored under key: nil when there
// is none.
func readStored[R any](txn *badger.Txn, key []byte) (*R, error) {
	r := new(R)
	found, err := getJSON(txn, key, r)
	if err != nil {
		return nil, fmt.Errorf("baseline %s: %w", key, err)
	}
	if !found {
		return nil, nil
	}
	return r, nil
}

// saveProtoBaseline merges what b's protocol baseline learnt since it was
// loaded or last saved into the stored one, as SaveBaseline does for hosts
// and links: first and last seen widen, request counts add, function
// codes, address ranges, topics and filters are united (within their
// caps), an identity takes b's fields over the stored ones. b then holds
// the merged records.
func (s *Store) saveProtoBaseline(b *Baseline) error {
	p := &b.proto
	var writes []protoWrite
	err := s.db.View(func(txn *badger.Txn) error {
		if err := checkBaselineSchema(txn); err != nil {
			return err
		}
		for _, l := range p.modbus {
			if !l.dirty {
				continue
			}
			m := l.record()
			key := modbusKey(&m)
			r, err := readStored[baselineModbusRecord](txn, key)
			if err != nil {
				return err
			}
			if r != nil {
				widenSpan(&m.First, &m.Last, r.First, r.Last)
				m.Requests = r.Requests + l.reqs
				for _, f := range r.Functions {
					i, ok := slices.BinarySearchFunc(m.Functions, f.Code, func(x ModbusFunction, c uint8) int { return int(x.Code) - int(c) })
					if !ok {
						m.Functions = slices.Insert(m.Functions, i, ModbusFunction{Code: f.Code})
					}
					for _, rg := range f.Ranges {
						if rg.Lo <= rg.Hi && !covers(m.Functions[i].Ranges, rg) {
							m.Functions[i].Ranges, _ = addRange(m.Functions[i].Ranges, rg)
						}
					}
				}
			}
			writes = append(writes, protoWrite{key, baselineModbusRecord{BaselineSchemaVersion, m}, func() {
				l.BaselineModbus, l.reqs, l.dirty = m, 0, false
				for _, f := range m.Functions {
					l.fcs.add(f.Code)
					if modbusWrite(f.Code) {
						p.mbWriters[l.Client] = true
					}
				}
			}})
		}
		for _, l := range p.dnp3 {
			if !l.dirty {
				continue
			}
			m := l.BaselineDNP3
			key := dnp3Key(&m)
			r, err := readStored[baselineDNP3Record](txn, key)
			if err != nil {
				return err
			}
			fcs := l.fcs
			if r != nil {
				widenSpan(&m.First, &m.Last, r.First, r.Last)
				m.Requests = r.Requests + l.reqs
				for _, fc := range r.Functions {
					fcs.add(fc)
				}
			}
			m.Functions = fcs.list()
			writes = append(writes, protoWrite{key, baselineDNP3Record{BaselineSchemaVersion, m}, func() {
				l.BaselineDNP3, l.fcs, l.reqs, l.dirty = m, fcs, 0, false
			}})
		}
		for _, l := range p.idents {
			if !l.dirty {
				continue
			}
			m := l.BaselineIdentity
			key := identityKey(&m)
			r, err := readStored[baselineIdentityRecord](txn, key)
			if err != nil {
				return err
			}
			if r != nil {
				st := r.BaselineIdentity
				mergeIdentity(&st, &m)
				st.First, st.Last = m.First, m.Last
				widenSpan(&st.First, &st.Last, r.First, r.Last)
				st.Protocol, st.Server, st.Address = m.Protocol, m.Server, m.Address
				m = st
			}
			writes = append(writes, protoWrite{key, baselineIdentityRecord{BaselineSchemaVersion, m}, func() {
				l.BaselineIdentity, l.dirty = m, false
			}})
		}
		for _, c := range p.mqtt {
			if !c.dirty {
				continue
			}
			m := c.BaselineMQTTClient
			key := mqttKey(&m)
			r, err := readStored[baselineMQTTRecord](txn, key)
			if err != nil {
				return err
			}
			merged := &blMQTT{BaselineMQTTClient: m, topics: maps.Clone(c.topics), subs: maps.Clone(c.subs)}
			if r != nil {
				widenSpan(&merged.First, &merged.Last, r.First, r.Last)
				for _, tp := range r.Topics {
					p.addTopic(merged, merged.topics, tp, maxTopicsPerClient)
				}
				for _, flt := range r.Subscriptions {
					p.addTopic(merged, merged.subs, flt, maxFiltersPerClient)
				}
			}
			writes = append(writes, protoWrite{key, baselineMQTTRecord{BaselineSchemaVersion, merged.record()}, func() {
				c.First, c.Last, c.topics, c.subs, c.dirty = merged.First, merged.Last, merged.topics, merged.subs, false
			}})
		}
		for _, it := range p.tls {
			if !it.dirty {
				continue
			}
			m := it.BaselineTLSItem
			key := tlsItemKey(&m)
			r, err := readStored[baselineTLSRecord](txn, key)
			if err != nil {
				return err
			}
			if r != nil {
				widenSpan(&m.First, &m.Last, r.First, r.Last)
			}
			writes = append(writes, protoWrite{key, baselineTLSRecord{BaselineSchemaVersion, m}, func() {
				it.BaselineTLSItem, it.dirty = m, false
			}})
		}
		return nil
	})
	if err != nil {
		return err
	}
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for i := range writes {
		w := &writes[i]
		j, err := json.Marshal(w.val)
		if err != nil {
			return err
		}
		if err := wb.Set(w.key, j); err != nil {
			return err
		}
	}
	if err := wb.Flush(); err != nil {
		return fmt.Errorf("save baseline: %w", err)
	}
	for _, w := range writes {
		w.apply()
	}
	return nil
}
