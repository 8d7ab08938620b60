package mqtt

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/otsensor/otsensor/dissectors/internal/corpus"
)

// capPacket is one MQTT packet found whole in a TCP segment of a shared
// capture, with the protocol level of its connection's CONNECT (0 when
// none was seen before it).
type capPacket struct {
	file    string
	h       byte
	body    []byte
	length  int
	version uint8
}

// mqttCaptures lists the shared captures whose tshark truth has MQTT.
func mqttCaptures(tb testing.TB) []string {
	tb.Helper()
	type present struct {
		Protocols []string `json:"protocols_present"`
	}
	caps := corpus.Truths(tb, func(tr *present) bool { return slices.Contains(tr.Protocols, "mqtt") })
	return slices.Sorted(maps.Keys(caps))
}

// capturePackets reads the MQTT packets (TCP port 1883) of a capture with
// a tiny framer: segments are appended per direction in capture order (no
// retransmission handling: the shared MQTT captures have none that
// matter) and whole packets are cut from the front. LINKTYPE_IPV4
// captures (arkime's mqtt_synthetic.pcap) are left out: this test has
// always skipped them.
func capturePackets(tb testing.TB, file string) []capPacket {
	tb.Helper()
	versions := map[[2]uint16]uint8{}
	bufs := map[[2]uint16][]byte{} // per direction: bytes of an unfinished packet
	var out []capPacket
	for _, p := range corpus.Packets(tb, file) {
		if p.UDP() || corpus.IPLink(p.Link) || (p.Src.Port() != 1883 && p.Dst.Port() != 1883) {
			continue
		}
		dir := [2]uint16{p.Src.Port(), p.Dst.Port()}
		key := dir
		if key[0] == 1883 {
			key = [2]uint16{key[1], key[0]}
		}
		pl := append(bufs[dir], p.Payload...)
		for len(pl) >= 2 {
			h, body, n, ok := pkSplit(pl)
			if !ok || len(body) < n {
				break
			}
			if h>>4 == 1 && len(body) > 6 {
				// protocol level: after the protocol name's length and bytes
				if nl := int(body[0])<<8 | int(body[1]); 2+nl < len(body) {
					versions[key] = body[2+nl]
				}
			}
			out = append(out, capPacket{file, h, bytes.Clone(body), n, versions[key]})
			pl = pl[packetSize(pl, n):]
		}
		if len(pl) > 1<<20 {
			pl = nil
		}
		bufs[dir] = bytes.Clone(pl)
	}
	return out
}

// packetSize is the size of the whole packet at pl with remaining length n.
func packetSize(pl []byte, n int) int {
	i := 1
	for i < len(pl) && pl[i]&0x80 != 0 {
		i++
	}
	return i + 1 + n
}

// TestDecodeSharedCaptures decodes every whole packet of the shared MQTT
// captures and checks client ids, usernames, protocol versions and
// published topics against tshark's truth (ours must be among tshark's).
func TestDecodeSharedCaptures(t *testing.T) {
	total := 0
	var types [16]int
	for _, file := range mqttCaptures(t) {
		b, _ := os.ReadFile(file + ".truth.json")
		var tr struct {
			MQTT struct {
				ClientIDs []string       `json:"client_ids"`
				Usernames []string       `json:"usernames"`
				Versions  map[string]int `json:"protocol_versions"`
				Topics    map[string]int `json:"topics_published"`
				Types     map[string]int `json:"message_type_counts"`
				Subs      map[string]int `json:"topics_subscribed"`
				Unsubs    map[string]int `json:"topics_unsubscribed"`
			} `json:"mqtt"`
		}
		if err := json.Unmarshal(b, &tr); err != nil {
			t.Fatal(err)
		}
		var d packetDecoder
		d.preview = 32
		for _, p := range capturePackets(t, file) {
			total++
			var r Record
			r.ProtocolVersion = p.version
			var f findings
			d.decode(p.h, p.body, p.length, p.version, &r, &f)
			if _, err := json.Marshal(&r); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			name := filepath.Base(filepath.Dir(file))
			switch r.Type {
			case Connect:
				if !slices.Contains(tr.MQTT.ClientIDs, r.ClientID) && r.ClientID != "" {
					t.Errorf("%s: client id %q not in truth %q", name, r.ClientID, tr.MQTT.ClientIDs)
				}
				if r.UsernamePresent && !slices.Contains(tr.MQTT.Usernames, r.Username) {
					t.Errorf("%s: username %q not in truth %q", name, r.Username, tr.MQTT.Usernames)
				}
				v := map[uint8]string{3: "3.1", 4: "3.1.1", 5: "5.0"}[r.ProtocolVersion]
				if tr.MQTT.Versions[v] == 0 {
					t.Errorf("%s: version %d not in truth %v", name, r.ProtocolVersion, tr.MQTT.Versions)
				}
			case Publish:
				if _, ok := tr.MQTT.Topics[r.Topic]; !ok && !f.Has(anMalformedPacket) {
					t.Errorf("%s: topic %q not in truth", name, r.Topic)
				}
			case Subscribe, Unsubscribe:
				want := tr.MQTT.Subs
				if r.Type == Unsubscribe {
					want = tr.MQTT.Unsubs
				}
				for _, tf := range r.Topics {
					if _, ok := want[tf.Filter]; !ok {
						t.Errorf("%s: filter %q not in truth %v", name, tf.Filter, want)
					}
				}
			}
			types[r.Type]++
		}
	}
	t.Logf("%d packets; per type %v", total, types)
	if total < 100 {
		t.Errorf("only %d packets found in the shared captures", total)
	}
	for _, ty := range []PacketType{Connect, ConnAck, Publish, PubAck, PubRec, PubRel, PubComp, Subscribe, SubAck, Unsubscribe, UnsubAck, PingReq, Disconnect} {
		if types[ty] == 0 {
			t.Errorf("no %v packet decoded from the captures", ty)
		}
	}
}

// FuzzDecode decodes a control octet and body at a protocol level, with
// the body cut to cut bytes when 0 < cut < len(body) (a too-large
// packet). It checks that decoding does not panic, that the JSON is
// valid, that the kept slices stay bounded, and that a CONNECT's password
// does not change the JSON.
func FuzzDecode(f *testing.F) {
	for _, c := range decodeCases {
		h, body, _, ok := pkSplit(unhex(f, c.hex))
		if ok {
			f.Add(h, body, c.ver, uint16(0))
		}
	}
	for _, file := range mqttCaptures(f) {
		for _, p := range capturePackets(f, file) {
			if p.length <= 4096 {
				f.Add(p.h, p.body, p.version, uint16(0))
			}
		}
	}
	f.Fuzz(func(t *testing.T, h byte, body []byte, version uint8, cut uint16) {
		length := len(body)
		if int(cut) > 0 && int(cut) < len(body) {
			body = body[:cut]
		}
		d := packetDecoder{preview: 32}
		var r Record
		r.ProtocolVersion = version
		var fs findings
		d.decode(h, body, length, version, &r, &fs)
		js, err := json.Marshal(&r)
		if err != nil || !json.Valid(js) {
			t.Fatalf("JSON %s: %v", js, err)
		}
		if len(r.Topics) > maxKept || len(r.ReasonCodes) > maxKept || len(r.Properties) > maxKept ||
			(r.Will != nil && len(r.Will.Properties) > maxKept) {
			t.Fatalf("slices too long")
		}
		if len(r.Preview) > 2*d.preview {
			t.Fatalf("preview of %d bytes", len(r.Preview))
		}
		if r.PayloadLength < 0 || r.PayloadLength > length {
			t.Fatalf("payload length %d of %d", r.PayloadLength, length)
		}
		if h>>4 == 1 {
			if off, n, ok := passwordAt(body); ok && n > 0 {
				other := bytes.Clone(body)
				for i := off; i < off+n; i++ {
					other[i] ^= 0x5A
				}
				var r2 Record
				r2.ProtocolVersion = version
				var f2 findings
				(&packetDecoder{preview: 32}).decode(h, other, length, version, &r2, &f2)
				js2, _ := json.Marshal(&r2)
				if !bytes.Equal(js, js2) {
					t.Fatalf("JSON depends on the password:\n%s\n%s", js, js2)
				}
			}
		}
	})
}

// passwordAt finds the password of a CONNECT body with an independent
// walk of its fields (MQTT 3.1.1 3.1, 5.0 3.1): its offset and length,
// ok when the body has one that ends inside it.
func passwordAt(b []byte) (off, n int, ok bool) {
	i := 0
	u16 := func() int {
		if i+2 > len(b) {
			i = len(b) + 1
			return 0
		}
		v := int(b[i])<<8 | int(b[i+1])
		i += 2
		return v
	}
	skipStr := func() { i += u16() }
	skipProps := func() {
		v, shift := 0, 0
		for k := 0; k < 4 && i < len(b); k++ {
			c := b[i]
			i++
			v |= int(c&0x7F) << shift
			shift += 7
			if c&0x80 == 0 {
				break
			}
		}
		i += v
	}
	skipStr() // protocol name
	if i+4 > len(b) {
		return 0, 0, false
	}
	level, flags := b[i], b[i+1]
	i += 4 // level, flags, keep alive
	if level == 5 {
		skipProps()
	}
	skipStr() // client id
	if flags&0x04 != 0 {
		if level == 5 {
			skipProps()
		}
		skipStr() // will topic
		skipStr() // will payload
	}
	if flags&0x80 != 0 {
		skipStr() // username
	}
	if flags&0x40 == 0 || i > len(b) {
		return 0, 0, false
	}
	n = u16()
	if i > len(b) || i+n > len(b) {
		return 0, 0, false
	}
	return i, n, true
}
