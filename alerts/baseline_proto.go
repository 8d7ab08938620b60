package alerts

import (
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// Per-entry caps of the protocol baseline. What is beyond them is counted
// in ProtocolStatus instead of being learnt (address ranges are coarsened
// instead: see addRange).
const (
	maxRangesPerFunction = 8   // address ranges per Modbus link and function code
	maxTopicsPerClient   = 256 // MQTT topics published per client
	maxFiltersPerClient  = 64  // MQTT subscription filters per client
)

// AddressRange is an inclusive range of Modbus addresses.
type AddressRange struct {
	Lo uint16 `json:"lo"`
	Hi uint16 `json:"hi"`
}

// ModbusFunction is a function code a Modbus link used, with the address
// ranges its requests named (none for codes without an address).
type ModbusFunction struct {
	Code   uint8          `json:"code"`
	Ranges []AddressRange `json:"ranges,omitempty"`
}

// BaselineModbus is what one Modbus client did toward one unit of one
// server: its function codes and, per code, the address ranges.
type BaselineModbus struct {
	Client    netip.Addr       `json:"client"`
	Server    netip.Addr       `json:"server"`
	Unit      uint8            `json:"unit"`
	First     time.Time        `json:"first_seen"`
	Last      time.Time        `json:"last_seen"`
	Requests  uint64           `json:"requests"`
	Functions []ModbusFunction `json:"functions"` // by code
}

// BaselineDNP3 is what one DNP3 master (IP) asked one outstation (IP and
// link address): its request function codes.
type BaselineDNP3 struct {
	Master     netip.Addr `json:"master"`
	Outstation netip.Addr `json:"outstation"`
	Address    uint16     `json:"address"` // the outstation's link address
	First      time.Time  `json:"first_seen"`
	Last       time.Time  `json:"last_seen"`
	Requests   uint64     `json:"requests"`
	Functions  []uint8    `json:"functions"` // sorted
}

// BaselineIdentity is the identity a server reported: Modbus Read Device
// Identification (43/14) per unit, or DNP3 group 0 attributes per link
// address. Empty fields were never reported.
type BaselineIdentity struct {
	Protocol        string     `json:"protocol"` // "modbus" or "dnp3"
	Server          netip.Addr `json:"server"`
	Address         uint16     `json:"address"` // Modbus unit id, DNP3 link address
	Vendor          string     `json:"vendor,omitempty"`
	Product         string     `json:"product,omitempty"`  // Modbus product code
	Revision        string     `json:"revision,omitempty"` // Modbus major/minor revision
	Model           string     `json:"model,omitempty"`    // DNP3 g0v250
	SoftwareVersion string     `json:"software_version,omitempty"`
	HardwareVersion string     `json:"hardware_version,omitempty"`
	First           time.Time  `json:"first_seen"`
	Last            time.Time  `json:"last_seen"`
}

// BaselineMQTTClient is one client id at one broker: the topics it
// published and the filters it subscribed with.
type BaselineMQTTClient struct {
	Broker        netip.Addr `json:"broker"`
	ClientID      string     `json:"client_id"`
	First         time.Time  `json:"first_seen"`
	Last          time.Time  `json:"last_seen"`
	Topics        []string   `json:"topics,omitempty"`        // sorted
	Subscriptions []string   `json:"subscriptions,omitempty"` // sorted
}

// BaselineTLSItem is one TLS trait of a device: a client fingerprint
// (Kind "ja3" or "ja4", Host the client, port 0) or a server certificate
// or SNI name (Kind "certificate" or "sni", Host the server's address and
// port).
type BaselineTLSItem struct {
	Host  netip.AddrPort `json:"host"`
	Kind  string         `json:"kind"`
	Value string         `json:"value"`
	First time.Time      `json:"first_seen"`
	Last  time.Time      `json:"last_seen"`
}

// TLS item kinds.
const (
	tlsJA3 uint8 = iota + 1
	tlsJA4
	tlsCert
	tlsSNI
)

var tlsKindNames = [...]string{"", "ja3", "ja4", "certificate", "sni"}

func parseTLSKind(s string) (uint8, bool) {
	for i, n := range tlsKindNames {
		if i > 0 && n == s {
			return uint8(i), true
		}
	}
	return 0, false
}

// ProtocolStatus counts what the protocol baseline holds and dropped.
type ProtocolStatus struct {
	ModbusLinks     int                  `json:"modbus_links"`
	DNP3Links       int                  `json:"dnp3_links"`
	Identities      int                  `json:"identities"`
	MQTTClients     int                  `json:"mqtt_clients"`
	TLSItems        int                  `json:"tls_items"`
	Dropped         uint64               `json:"dropped"`          // entries not learnt: MaxProtocolEntries reached
	DroppedTopics   uint64               `json:"dropped_topics"`   // MQTT topics or filters beyond a client's cap
	CoarsenedRanges uint64               `json:"coarsened_ranges"` // Modbus ranges merged with a neighbour at the cap
	ModbusLinkList  []BaselineModbus     `json:"-"`
	DNP3LinkList    []BaselineDNP3       `json:"-"`
	IdentityList    []BaselineIdentity   `json:"-"`
	MQTTClientList  []BaselineMQTTClient `json:"-"`
	TLSItemList     []BaselineTLSItem    `json:"-"`
}

type mbKey struct {
	client, server netip.Addr
	unit           uint8
}

type dnKey struct {
	master, outstation netip.Addr
	addr               uint16
}

type identKey struct {
	server netip.Addr
	proto  uint8 // identModbus, identDNP3
	addr   uint16
}

const (
	identModbus uint8 = 1
	identDNP3   uint8 = 2
)

type mqKey struct {
	broker netip.Addr
	client string
}

type tlsKey struct {
	host  netip.AddrPort
	kind  uint8
	value string
}

// fcSet is a set of function codes.
type fcSet [4]uint64

func (s *fcSet) has(fc uint8) bool { return s[fc>>6]&(1<<(fc&63)) != 0 }
func (s *fcSet) add(fc uint8)      { s[fc>>6] |= 1 << (fc & 63) }

func (s *fcSet) list() []uint8 {
	var out []uint8
	for i := range 256 {
		if s.has(uint8(i)) {
			out = append(out, uint8(i))
		}
	}
	return out
}

type blModbus struct {
	BaselineModbus
	fcs   fcSet
	reqs  uint64 // requests since the last load or save
	dirty bool
}

type blDNP3 struct {
	BaselineDNP3
	fcs   fcSet
	reqs  uint64
	dirty bool
}

type blIdentity struct {
	BaselineIdentity
	dirty bool
}

type blMQTT struct {
	BaselineMQTTClient
	topics map[string]struct{}
	subs   map[string]struct{}
	dirty  bool
}

type blTLS struct {
	BaselineTLSItem
	dirty bool
}

// protoBaseline is what a Baseline learnt per OT protocol.
type protoBaseline struct {
	modbus    map[mbKey]*blModbus
	mbWriters map[netip.Addr]bool // Modbus clients that used a write code
	dnp3      map[dnKey]*blDNP3
	idents    map[identKey]*blIdentity
	mqtt      map[mqKey]*blMQTT
	tls       map[tlsKey]*blTLS
	tlsCount  map[tlsKey]int // items per host and kind (value "")
	dropped   struct{ entries, topics, ranges uint64 }
}

func newProtoBaseline() protoBaseline {
	return protoBaseline{
		modbus:    map[mbKey]*blModbus{},
		mbWriters: map[netip.Addr]bool{},
		dnp3:      map[dnKey]*blDNP3{},
		idents:    map[identKey]*blIdentity{},
		mqtt:      map[mqKey]*blMQTT{},
		tls:       map[tlsKey]*blTLS{},
		tlsCount:  map[tlsKey]int{},
	}
}

// full reports whether a table of n entries is at its cap max, counting
// the entry it then drops.
func (p *protoBaseline) full(max int, n int) bool {
	if n >= max {
		p.dropped.entries++
		return true
	}
	return false
}

// modbusWrite reports whether fc writes: 5, 6, 15, 16, 22, 23.
func modbusWrite(fc uint8) bool {
	switch fc {
	case 5, 6, 15, 16, 22, 23:
		return true
	}
	return false
}

// function returns l's entry for fc, nil when not learnt.
func (l *blModbus) function(fc uint8) *ModbusFunction {
	for i := range l.Functions {
		if l.Functions[i].Code == fc {
			return &l.Functions[i]
		}
	}
	return nil
}

// covers reports whether one of rs holds all of r.
func covers(rs []AddressRange, r AddressRange) bool {
	for _, x := range rs {
		if x.Lo <= r.Lo && r.Hi <= x.Hi {
			return true
		}
	}
	return false
}

// addRange adds r to the sorted set rs, merging overlapping and adjacent
// ranges. Beyond maxRangesPerFunction the two closest ranges are merged
// (the set coarsens instead of forgetting); it reports whether it did.
func addRange(rs []AddressRange, r AddressRange) ([]AddressRange, bool) {
	i, _ := slices.BinarySearchFunc(rs, r, func(x, y AddressRange) int { return cmp.Compare(x.Lo, y.Lo) })
	rs = slices.Insert(rs, i, r)
	out := rs[:1]
	for _, x := range rs[1:] {
		last := &out[len(out)-1]
		if int(x.Lo) <= int(last.Hi)+1 {
			last.Hi = max(last.Hi, x.Hi)
			continue
		}
		out = append(out, x)
	}
	coarsened := false
	for len(out) > maxRangesPerFunction {
		best := 0
		for j := 1; j < len(out)-1; j++ {
			if int(out[j+1].Lo)-int(out[j].Hi) < int(out[best+1].Lo)-int(out[best].Hi) {
				best = j
			}
		}
		out[best].Hi = out[best+1].Hi
		out = slices.Delete(out, best+1, best+2)
		coarsened = true
	}
	return out, coarsened
}

// learnModbus learns one request of fc naming the address ranges rs on
// the link k at t. It returns false when the link is not held and cannot
// be added.
func (b *Baseline) learnModbus(k mbKey, fc uint8, rs []AddressRange, t time.Time) bool {
	p := &b.proto
	l := p.modbus[k]
	if l == nil {
		if p.full(b.cfg.MaxProtocolEntries, len(p.modbus)) {
			return false
		}
		l = &blModbus{BaselineModbus: BaselineModbus{Client: k.client, Server: k.server, Unit: k.unit, First: t, Last: t}}
		p.modbus[k] = l
	}
	l.dirty = true
	widen(&l.First, &l.Last, t)
	l.Requests++
	l.reqs++
	f := l.function(fc)
	if f == nil {
		l.fcs.add(fc)
		i, _ := slices.BinarySearchFunc(l.Functions, fc, func(x ModbusFunction, c uint8) int { return cmp.Compare(x.Code, c) })
		l.Functions = slices.Insert(l.Functions, i, ModbusFunction{Code: fc})
		f = &l.Functions[i]
		if modbusWrite(fc) {
			p.mbWriters[k.client] = true
		}
	}
	for _, r := range rs {
		if !covers(f.Ranges, r) {
			var c bool
			f.Ranges, c = addRange(f.Ranges, r)
			if c {
				p.dropped.ranges++
			}
		}
	}
	return true
}

// learnDNP3 learns one request of fc on k at t.
func (b *Baseline) learnDNP3(k dnKey, fc uint8, t time.Time) {
	p := &b.proto
	l := p.dnp3[k]
	if l == nil {
		if p.full(b.cfg.MaxProtocolEntries, len(p.dnp3)) {
			return
		}
		l = &blDNP3{BaselineDNP3: BaselineDNP3{Master: k.master, Outstation: k.outstation, Address: k.addr, First: t, Last: t}}
		p.dnp3[k] = l
	}
	l.dirty = true
	widen(&l.First, &l.Last, t)
	l.Requests++
	l.reqs++
	if !l.fcs.has(fc) {
		l.fcs.add(fc)
		l.Functions = l.fcs.list()
	}
}

// identityChange compares id with the learnt identity of k: it returns the
// names of the fields both have and that differ (nil: none).
func (p *protoBaseline) identityChange(k identKey, id *BaselineIdentity) (old *BaselineIdentity, fields []string) {
	l := p.idents[k]
	if l == nil {
		return nil, nil
	}
	diff := func(name, a, b string) {
		if a != "" && b != "" && a != b {
			fields = append(fields, name)
		}
	}
	diff("vendor", l.Vendor, id.Vendor)
	diff("product", l.Product, id.Product)
	diff("revision", l.Revision, id.Revision)
	diff("model", l.Model, id.Model)
	diff("software_version", l.SoftwareVersion, id.SoftwareVersion)
	diff("hardware_version", l.HardwareVersion, id.HardwareVersion)
	return &l.BaselineIdentity, fields
}

// sameIdentity reports whether id adds nothing to the learnt identity l
// (every field id reports is learnt with that value).
func sameIdentity(l, id *BaselineIdentity) bool {
	same := func(a, b string) bool { return b == "" || a == b }
	return same(l.Vendor, id.Vendor) && same(l.Product, id.Product) && same(l.Revision, id.Revision) &&
		same(l.Model, id.Model) && same(l.SoftwareVersion, id.SoftwareVersion) && same(l.HardwareVersion, id.HardwareVersion)
}

// learnIdentity learns id (its non-empty fields replace the learnt ones)
// for k at t.
func (b *Baseline) learnIdentity(k identKey, id *BaselineIdentity, t time.Time) {
	p := &b.proto
	l := p.idents[k]
	if l == nil {
		if p.full(b.cfg.MaxProtocolEntries, len(p.idents)) {
			return
		}
		l = &blIdentity{BaselineIdentity: BaselineIdentity{Protocol: id.Protocol, Server: k.server, Address: k.addr, First: t, Last: t}}
		p.idents[k] = l
	}
	l.dirty = true
	widen(&l.First, &l.Last, t)
	mergeIdentity(&l.BaselineIdentity, id)
}

// mergeIdentity copies the non-empty identity fields of src into dst.
func mergeIdentity(dst, src *BaselineIdentity) {
	set := func(d *string, s string) {
		if s != "" {
			*d = s
		}
	}
	set(&dst.Vendor, src.Vendor)
	set(&dst.Product, src.Product)
	set(&dst.Revision, src.Revision)
	set(&dst.Model, src.Model)
	set(&dst.SoftwareVersion, src.SoftwareVersion)
	set(&dst.HardwareVersion, src.HardwareVersion)
}

// mqttClient returns the learnt client k, adding it at t (nil when the
// baseline is full).
func (b *Baseline) mqttClient(k mqKey, t time.Time) *blMQTT {
	p := &b.proto
	c := p.mqtt[k]
	if c == nil {
		if p.full(b.cfg.MaxProtocolEntries, len(p.mqtt)) {
			return nil
		}
		c = &blMQTT{BaselineMQTTClient: BaselineMQTTClient{Broker: k.broker, ClientID: k.client, First: t, Last: t},
			topics: map[string]struct{}{}, subs: map[string]struct{}{}}
		c.dirty = true
		p.mqtt[k] = c
	}
	return c
}

// see notes c active at t.
func (c *blMQTT) see(t time.Time) {
	if t.Before(c.First) || t.After(c.Last) {
		widen(&c.First, &c.Last, t)
		c.dirty = true
	}
}

// addTopic adds name to set (capped at n, drops counted in p).
func (p *protoBaseline) addTopic(c *blMQTT, set map[string]struct{}, name string, n int) {
	if _, ok := set[name]; ok {
		return
	}
	if len(set) >= n {
		p.dropped.topics++
		return
	}
	set[name] = struct{}{}
	c.dirty = true
}

// tlsHas reports whether k is learnt, noting it seen at t.
func (p *protoBaseline) tlsHas(k tlsKey, t time.Time) bool {
	it := p.tls[k]
	if it == nil {
		return false
	}
	if t.Before(it.First) || t.After(it.Last) {
		widen(&it.First, &it.Last, t)
		it.dirty = true
	}
	return true
}

// tlsKnown reports how many items of kind the host holds.
func (p *protoBaseline) tlsKnown(host netip.AddrPort, kind uint8) int {
	return p.tlsCount[tlsKey{host: host, kind: kind}]
}

// learnTLS learns k at t.
func (b *Baseline) learnTLS(k tlsKey, t time.Time) {
	p := &b.proto
	if p.tlsHas(k, t) {
		return
	}
	if p.full(b.cfg.MaxProtocolEntries, len(p.tls)) {
		return
	}
	p.putTLS(k, &blTLS{BaselineTLSItem: BaselineTLSItem{Host: k.host, Kind: tlsKindNames[k.kind], Value: k.value, First: t, Last: t}, dirty: true})
}

func (p *protoBaseline) putTLS(k tlsKey, it *blTLS) {
	if p.tls[k] == nil {
		p.tlsCount[tlsKey{host: k.host, kind: k.kind}]++
	}
	p.tls[k] = it
}

// status counts what p holds, with sorted copies of its entries.
func (p *protoBaseline) status() ProtocolStatus {
	s := ProtocolStatus{
		ModbusLinks: len(p.modbus), DNP3Links: len(p.dnp3), Identities: len(p.idents),
		MQTTClients: len(p.mqtt), TLSItems: len(p.tls),
		Dropped: p.dropped.entries, DroppedTopics: p.dropped.topics, CoarsenedRanges: p.dropped.ranges,
	}
	for _, l := range p.modbus {
		s.ModbusLinkList = append(s.ModbusLinkList, l.record())
	}
	for _, l := range p.dnp3 {
		s.DNP3LinkList = append(s.DNP3LinkList, l.BaselineDNP3)
	}
	for _, l := range p.idents {
		s.IdentityList = append(s.IdentityList, l.BaselineIdentity)
	}
	for _, c := range p.mqtt {
		s.MQTTClientList = append(s.MQTTClientList, c.record())
	}
	for _, it := range p.tls {
		s.TLSItemList = append(s.TLSItemList, it.BaselineTLSItem)
	}
	slices.SortFunc(s.ModbusLinkList, func(x, y BaselineModbus) int {
		return cmp.Or(x.Client.Compare(y.Client), x.Server.Compare(y.Server), cmp.Compare(x.Unit, y.Unit))
	})
	slices.SortFunc(s.DNP3LinkList, func(x, y BaselineDNP3) int {
		return cmp.Or(x.Master.Compare(y.Master), x.Outstation.Compare(y.Outstation), cmp.Compare(x.Address, y.Address))
	})
	slices.SortFunc(s.IdentityList, func(x, y BaselineIdentity) int {
		return cmp.Or(cmp.Compare(x.Protocol, y.Protocol), x.Server.Compare(y.Server), cmp.Compare(x.Address, y.Address))
	})
	slices.SortFunc(s.MQTTClientList, func(x, y BaselineMQTTClient) int {
		return cmp.Or(x.Broker.Compare(y.Broker), cmp.Compare(x.ClientID, y.ClientID))
	})
	slices.SortFunc(s.TLSItemList, func(x, y BaselineTLSItem) int {
		return cmp.Or(x.Host.Compare(y.Host), cmp.Compare(x.Kind, y.Kind), cmp.Compare(x.Value, y.Value))
	})
	return s
}

// record is l as stored: its ranges copied.
func (l *blModbus) record() BaselineModbus {
	r := l.BaselineModbus
	r.Functions = make([]ModbusFunction, len(l.Functions))
	for i, f := range l.Functions {
		r.Functions[i] = ModbusFunction{Code: f.Code, Ranges: slices.Clone(f.Ranges)}
	}
	return r
}

// record is c as stored: its sets sorted.
func (c *blMQTT) record() BaselineMQTTClient {
	r := c.BaselineMQTTClient
	r.Topics = sortedKeys(c.topics)
	r.Subscriptions = sortedKeys(c.subs)
	return r
}

func sortedKeys(m map[string]struct{}) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
