package inventory

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/mqtt"
)

// HostMQTT is what MQTT taught about a host: as a client, the client ids
// and usernames it connected with, the protocol levels it spoke, the
// topics it published to and subscribed to (with counts); as either end,
// how often credentials crossed the network in clear and how often a
// client connected anonymously.
type HostMQTT struct {
	ClientIDs            []string          `json:"client_ids,omitempty"`
	Usernames            []string          `json:"usernames,omitempty"`
	ProtocolVersions     []uint16          `json:"protocol_versions,omitempty"` // 3 (3.1), 4 (3.1.1), 5
	Published            map[string]uint64 `json:"topics_published,omitempty"`
	Subscribed           map[string]uint64 `json:"topics_subscribed,omitempty"`
	TopicsDropped        uint64            `json:"topics_dropped,omitempty"` // uses of topics beyond the cap
	PlaintextCredentials uint64            `json:"plaintext_credentials,omitempty"`
	AnonymousConnects    uint64            `json:"anonymous_connects,omitempty"`
}

// LinkMQTT is what MQTT taught about a link.
type LinkMQTT struct {
	PacketTypes      map[string]uint64 `json:"packet_types"` // packets per type, both directions
	ProtocolVersions []uint16          `json:"protocol_versions,omitempty"`
	ClientIDs        []string          `json:"client_ids,omitempty"`
}

// Caps on what one host or link keeps: a client publishing to thousands of
// topics (one per sensor, say) must not grow the inventory without bound.
const (
	maxHostTopics    = 256 // per map: published, subscribed
	maxHostClientIDs = 64
	maxHostUsernames = 16
	maxLinkClientIDs = 64
)

// mqttRecord learns from one MQTT packet. Packets from the broker (the
// server end) teach about the client only through what the client sent.
func (inv *Inventory) mqttRecord(refs *flowRefs, dir dissectors.Direction, r *mqtt.Record) {
	l := refs.link
	lm := l.MQTT
	if lm == nil {
		lm = &LinkMQTT{PacketTypes: map[string]uint64{}}
		l.MQTT = lm
	}
	lm.PacketTypes[r.Type.String()]++
	if dir != dissectors.ToServer {
		return
	}
	switch r.Type {
	case mqtt.Connect:
		inv.mqttConnect(refs, lm, r)
	case mqtt.Publish:
		if h := inv.mqttClient(refs); h != nil {
			m := h.mqtt()
			m.Published = countTopic(m, m.Published, r.Topic)
		}
	case mqtt.Subscribe:
		if h := inv.mqttClient(refs); h != nil {
			m := h.mqtt()
			for _, t := range r.Topics {
				m.Subscribed = countTopic(m, m.Subscribed, t.Filter)
			}
		}
	}
}

func (inv *Inventory) mqttConnect(refs *flowRefs, lm *LinkMQTT, r *mqtt.Record) {
	if r.ProtocolVersion != 0 {
		lm.ProtocolVersions = addSorted(lm.ProtocolVersions, uint16(r.ProtocolVersion))
	}
	if r.ClientID != "" && len(lm.ClientIDs) < maxLinkClientIDs {
		lm.ClientIDs = addSorted(lm.ClientIDs, r.ClientID)
	}
	h := inv.mqttClient(refs)
	if h == nil {
		return
	}
	m := h.mqtt()
	if r.ProtocolVersion != 0 {
		m.ProtocolVersions = addSorted(m.ProtocolVersions, uint16(r.ProtocolVersion))
	}
	if r.ClientID != "" && len(m.ClientIDs) < maxHostClientIDs {
		m.ClientIDs = addSorted(m.ClientIDs, r.ClientID)
	}
	if r.UsernamePresent && len(m.Usernames) < maxHostUsernames {
		m.Usernames = addSorted(m.Usernames, r.Username)
	}
	if r.PlaintextCredentials {
		m.PlaintextCredentials++
	}
	if r.Anonymous {
		m.AnonymousConnects++
	}
}

// mqttClient returns the client end's host, marked changed.
func (inv *Inventory) mqttClient(refs *flowRefs) *Host {
	h := inv.hostOf(refs.end(dissectors.ToServer))
	if h != nil {
		h.dirty = true
	}
	return h
}

// countTopic counts one use of topic in counts (made on first use); a
// topic beyond the cap is counted in m.TopicsDropped instead.
func countTopic(m *HostMQTT, counts map[string]uint64, topic string) map[string]uint64 {
	if counts == nil {
		counts = map[string]uint64{}
	}
	if _, ok := counts[topic]; ok || len(counts) < maxHostTopics {
		counts[topic]++
	} else {
		m.TopicsDropped++
	}
	return counts
}

// mqtt returns the host's MQTT record, made on first use.
func (h *Host) mqtt() *HostMQTT {
	if h.MQTT == nil {
		h.MQTT = &HostMQTT{}
	}
	return h.MQTT
}

// addMQTT merges a host's MQTT learning into d.
func (d *Device) addMQTT(h *HostMQTT) {
	if d.MQTT == nil {
		d.MQTT = &HostMQTT{}
	}
	m := d.MQTT
	for _, id := range h.ClientIDs {
		m.ClientIDs = addSorted(m.ClientIDs, id)
	}
	for _, u := range h.Usernames {
		m.Usernames = addSorted(m.Usernames, u)
	}
	for _, v := range h.ProtocolVersions {
		m.ProtocolVersions = addSorted(m.ProtocolVersions, v)
	}
	for t, n := range h.Published {
		m.Published = addCount(m.Published, t, n)
	}
	for t, n := range h.Subscribed {
		m.Subscribed = addCount(m.Subscribed, t, n)
	}
	m.TopicsDropped += h.TopicsDropped
	m.PlaintextCredentials += h.PlaintextCredentials
	m.AnonymousConnects += h.AnonymousConnects
}

func addCount(m map[string]uint64, k string, n uint64) map[string]uint64 {
	if m == nil {
		m = map[string]uint64{}
	}
	m[k] += n
	return m
}
