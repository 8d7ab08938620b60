package sensor_test

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/mqtt"
)

// mqttTruth is the part of a truth file's "mqtt" section we check.
type mqttTruth struct {
	Types        map[string]int `json:"message_type_counts"`
	Versions     map[string]int `json:"protocol_versions"`
	ClientIDs    []string       `json:"client_ids"`
	Usernames    []string       `json:"usernames"`
	Passwords    int            `json:"connects_with_password"`
	Published    map[string]int `json:"topics_published"`
	Subscribed   map[string]int `json:"topics_subscribed"`
	Unsubscribed map[string]int `json:"topics_unsubscribed"`
	ConnAck      map[string]int `json:"connack_codes"`
	Clients      []string       `json:"clients"`
	Brokers      []string       `json:"brokers"`
}

// mqttSeen is what our replay saw, in the truth's terms.
type mqttSeen struct {
	types, versions, published, subscribed, unsubscribed, connack map[string]int
	clientIDs, usernames                                          []string
	passwords                                                     int
}

// mqttVersionNames are tshark's names of the protocol levels.
var mqttVersionNames = map[uint8]string{3: "3.1", 4: "3.1.1", 5: "5.0"}

// mqttDifferences lists, per capture, where we knowingly disagree with
// tshark and why, as the exact differences expected (ours minus tshark's)
// so that a change in either direction fails the test.
var mqttDifferences = map[string]struct {
	types     map[string]int // per packet type number
	published map[string]int // per topic
	why       string
}{
	"pcaps/mqtt_malformed.pcap": {
		types:     map[string]int{"3": -1},
		published: map[string]int{"plant/a": -1, "": +1, "<none>": -1},
		why: "frame 6 is a PUBLISH whose remaining length takes 5 octets (at most 4 are allowed): " +
			"we raise mqtt.malformed_remaining_length and stop framing that direction, tshark decodes " +
			"it. Frame 180's topic length (256) runs past the packet: we report the PUBLISH with an " +
			"empty topic and mqtt.malformed_packet, tshark without a topic field (<none>)",
	},
}

// TestMQTTMatchesTshark replays every shared capture with MQTT (and ours
// in pcaps/) and compares with tshark's truth: packets per type, protocol
// versions, client ids, usernames, CONNECTs with a password, topics
// published, subscribed and unsubscribed, CONNACK codes, and that every
// client and broker is a device with its role.
func TestMQTTMatchesTshark(t *testing.T) {
	forEachTruth(t, "mqtt", checkMQTTTruth)
}

func checkMQTTTruth(t *testing.T, name, capPath string, doc map[string]json.RawMessage) {
	var truth mqttTruth
	if err := json.Unmarshal(doc["mqtt"], &truth); err != nil {
		t.Fatal(err)
	}
	got := mqttSeen{types: map[string]int{}, versions: map[string]int{}, published: map[string]int{},
		subscribed: map[string]int{}, unsubscribed: map[string]int{}, connack: map[string]int{}}
	c := &collector{anomalies: map[string]int{}, events: func(ev *dissectors.Event) {
		r, ok := ev.Record.(*mqtt.Record)
		if !ok {
			return
		}
		got.types[strconv.Itoa(int(r.Type))]++
		switch r.Type {
		case mqtt.Connect:
			v, ok := mqttVersionNames[r.ProtocolVersion]
			if !ok {
				v = strconv.Itoa(int(r.ProtocolVersion))
			}
			got.versions[v]++
			if !slices.Contains(got.clientIDs, r.ClientID) {
				got.clientIDs = append(got.clientIDs, r.ClientID)
			}
			if r.UsernamePresent && !slices.Contains(got.usernames, r.Username) {
				got.usernames = append(got.usernames, r.Username)
			}
			if r.PasswordPresent {
				got.passwords++
			}
		case mqtt.ConnAck:
			got.connack[strconv.Itoa(int(r.ReasonCode))]++
		case mqtt.Publish:
			// As the event's JSON writes it (and tshark shows it):
			// invalid UTF-8 as U+FFFD.
			got.published[strings.ToValidUTF8(r.Topic, "\uFFFD")]++
		case mqtt.Subscribe:
			for _, f := range r.Topics {
				got.subscribed[f.Filter]++
			}
		case mqtt.Unsubscribe:
			for _, f := range r.Topics {
				got.unsubscribed[f.Filter]++
			}
		}
	}}
	_, inv := replay(t, c, capPath)
	diff := mqttDifferences[name]

	wantTypes := numberKeys(t, truth.Types)
	for k, d := range diff.types {
		if wantTypes[k] += d; wantTypes[k] == 0 {
			delete(wantTypes, k)
		}
	}
	compare(t, "packets per type", got.types, wantTypes)
	compare(t, "protocol versions", got.versions, truth.Versions)
	compare(t, "CONNACK codes", got.connack, numberKeys(t, truth.ConnAck))
	wantPublished := maps.Clone(truth.Published)
	for k, d := range diff.published {
		if wantPublished[k] += d; wantPublished[k] == 0 {
			delete(wantPublished, k)
		}
	}
	compare(t, "topics published", got.published, wantPublished)
	compare(t, "topics subscribed", got.subscribed, truth.Subscribed)
	compare(t, "topics unsubscribed", got.unsubscribed, truth.Unsubscribed)
	if !slices.Equal(got.clientIDs, truth.ClientIDs) && !(len(got.clientIDs) == 0 && len(truth.ClientIDs) == 0) {
		t.Errorf("client ids: got %q, tshark %q", got.clientIDs, truth.ClientIDs)
	}
	if !slices.Equal(got.usernames, truth.Usernames) && !(len(got.usernames) == 0 && len(truth.Usernames) == 0) {
		t.Errorf("usernames: got %q, tshark %q", got.usernames, truth.Usernames)
	}
	if got.passwords != truth.Passwords {
		t.Errorf("CONNECTs with a password: got %d, tshark %d", got.passwords, truth.Passwords)
	}

	snap := inv.Snapshot()
	for role, hosts := range map[string][]string{"mqtt_client": truth.Clients, "mqtt_broker": truth.Brokers} {
		for _, h := range hosts {
			if i := strings.LastIndexByte(h, ':'); role == "mqtt_broker" && i > 0 {
				h = h[:i]
			}
			d, ok := snap.Find(strings.Trim(h, "[]"))
			if !ok || !slices.Contains(d.Roles, role) {
				t.Errorf("%s %s is not a device with that role (%v)", role, h, d)
			}
		}
	}
	if len(c.anomalies) > 0 {
		t.Logf("anomalies: %v", c.anomalies)
	}
}

// numberKeys turns tshark's "3 (Publish Message)" keys into "3".
func numberKeys(t *testing.T, m map[string]int) map[string]int {
	out := map[string]int{}
	for k, n := range m {
		num, _, _ := strings.Cut(k, " ")
		if _, err := strconv.Atoi(num); err != nil {
			t.Fatalf("key %q: %v", k, err)
		}
		out[num] += n
	}
	return out
}

func compare(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !maps.Equal(got, want) {
		t.Errorf("%s:\n got      %v\n expected %v", what, got, want)
	}
}
