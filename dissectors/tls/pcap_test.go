package tls

import (
	"fmt"
	"maps"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/internal/corpus"
	"github.com/otsensor/otsensor/dissectors/internal/dissectortest"
)

// rlTruth is the part of a *.truth.json this test checks (tshark 4.0).
type rlTruth struct {
	TLS *struct {
		ClientHellos       int            `json:"client_hello_count"`
		ServerHellos       int            `json:"server_hello_count"`
		CertificateMsgs    int            `json:"certificate_message_count"`
		SNI                map[string]int `json:"sni"`
		NegotiatedVersions map[string]int `json:"negotiated_versions"`
	} `json:"tls"`
}

// rlTruthCaptures returns the captures whose truth file has a tls section.
func rlTruthCaptures(t testing.TB) map[string]*rlTruth {
	t.Helper()
	return corpus.Truths(t, func(tr *rlTruth) bool { return tr.TLS != nil })
}

// rlSegment is one TCP payload of a flow.
type rlSegment struct {
	flow    string // client addr:port > server addr:port
	dir     dissectors.Direction
	syn     bool // the flow's SYN was seen
	gap     bool // octets before this segment are missing from the capture
	ts      time.Time
	payload []byte
}

// serverPort returns the server's port of the segment's flow.
func (s rlSegment) serverPort() uint16 {
	_, server, _ := strings.Cut(s.flow, ">")
	return netip.MustParseAddrPort(server).Port()
}

var rlPorts = map[uint16]bool{443: true, 8883: true, 4843: true, 19999: true}

// rlSegments returns the TCP payloads of a capture in file order, each
// direction's concatenated in capture order without retransmissions
// (segments wholly before the next expected sequence number), marking
// those after missing octets (a gap, as the flow layer reports). The client
// is the sender of the SYN, else the side not on a TLS port, else the
// higher port.
func rlSegments(t testing.TB, path string) []rlSegment {
	t.Helper()
	var seq corpus.Sequencer
	clients := map[[2]netip.AddrPort]netip.AddrPort{} // by unordered endpoint pair
	syns := map[[2]netip.AddrPort]bool{}
	var out []rlSegment
	for _, p := range corpus.Packets(t, path) {
		if p.UDP() {
			continue
		}
		a, b := p.Src, p.Dst
		pair := [2]netip.AddrPort{a, b}
		if b.Compare(a) < 0 {
			pair = [2]netip.AddrPort{b, a}
		}
		if p.TCP.SYN && !p.TCP.ACK {
			if _, seen := clients[pair]; !seen {
				clients[pair], syns[pair] = a, true
			}
		}
		if p.TCP.SYN {
			seq.SYN(&p)
			continue
		}
		fresh, gap := seq.Accept(&p)
		if !fresh {
			continue
		}
		client, ok := clients[pair]
		if !ok {
			client = a
			if rlPorts[a.Port()] && !rlPorts[b.Port()] || (rlPorts[a.Port()] == rlPorts[b.Port()] && a.Port() < b.Port()) {
				client = b
			}
			clients[pair] = client
		}
		s := rlSegment{dir: dissectors.ToServer, ts: p.Time, payload: p.Payload, syn: syns[pair], gap: gap}
		server := b
		if a != client {
			s.dir, server = dissectors.ToClient, a
		}
		s.flow = client.String() + ">" + server.String()
		out = append(out, s)
	}
	return out
}

// rlResult is what the dissector made of one capture, in the truth's terms.
type rlResult struct {
	msgs      map[uint8]int // handshake messages decoded, by type
	sni       map[string]bool
	versions  map[string]int // per ServerHello (a record after a HelloRetryRequest counts twice)
	records   int
	alerts    int
	anomalies map[string]int
	flows     int // flows the probe accepted
}

// rlVersionName names a version the way make_truth.py does.
func rlVersionName(v uint16) string {
	switch {
	case v == 0x0300:
		return "SSLv3"
	case v >= 0x0301 && v <= 0x0304:
		return fmt.Sprintf("TLSv1.%d", v-0x0301)
	case v>>8 == 0x7f:
		return fmt.Sprintf("TLSv1.3-draft%d", v&0xff)
	}
	return fmt.Sprintf("0x%04x", v)
}

// rlDissect probes each TCP flow the way the flow layer does (on port for
// TLS ports, strictly elsewhere; first bytes of each direction, at most
// 4 KiB and 8 chunks while a probe asks for more) and parses the accepted
// ones, each direction's payloads in order with whatever the previous call
// left unconsumed.
func rlDissect(t testing.TB, path string) rlResult {
	t.Helper()
	d := New(Options{})
	res := rlResult{msgs: map[uint8]int{}, sni: map[string]bool{}, versions: map[string]int{}, anomalies: map[string]int{}}
	sink := dissectortest.Func(func(ev *dissectors.Event) {
		if ev.Anomaly != nil {
			res.anomalies[ev.Anomaly.Name]++
			return
		}
		r := ev.Record.(*Record)
		if r.Alert != nil {
			res.alerts++
			return
		}
		res.records++
		if r.HasClientHello && !r.SSLv2ClientHello {
			sni := r.SNI
			if sni == "" {
				sni = "<no SNI>"
			}
			res.sni[sni] = true
		}
		if r.HasServerHello {
			res.versions[rlVersionName(r.Version)]++
			if r.HelloRetryRequest {
				res.versions[rlVersionName(r.Version)]++
			}
		}
	})
	type flowState struct {
		state  int // 0 probing, 1 parsing, -1 not TLS
		onPort bool
		p      *Parser
		left   [2][]byte
		chunks [2]int
	}
	flows := map[string]*flowState{}
	var order []string
	for _, s := range rlSegments(t, path) {
		fs := flows[s.flow]
		if fs == nil {
			_, server, _ := strings.Cut(s.flow, ">")
			fs = &flowState{onPort: rlPorts[netip.MustParseAddrPort(server).Port()]}
			flows[s.flow] = fs
			order = append(order, s.flow)
		}
		if fs.state < 0 {
			continue
		}
		if s.gap && fs.p != nil {
			fs.p.Gap(s.dir)
			fs.left[s.dir] = nil
		}
		data := append(fs.left[s.dir], s.payload...)
		if fs.state == 0 {
			fs.chunks[s.dir]++
			switch d.Probe(s.dir, data, fs.onPort) {
			case dissectors.ProbeNo:
				fs.state = -1
				continue
			case dissectors.ProbeNeedMore:
				fs.left[s.dir] = data
				if len(data) > 4<<10 || fs.chunks[s.dir] > 8 {
					fs.state = -1
				}
				continue
			}
			fs.state = 1
			res.flows++
			fs.p = newParser(d.opts, s.syn)
			fs.p.msgHook = func(dir dissectors.Direction, typ uint8, body []byte) { res.msgs[typ]++ }
			other := s.dir.Reverse()
			if len(fs.left[other]) > 0 {
				n, _ := fs.p.Parse(other, fs.left[other], s.ts, sink)
				fs.left[other] = append([]byte(nil), fs.left[other][n:]...)
			}
		}
		n, err := fs.p.Parse(s.dir, data, s.ts, sink)
		if err != nil || n < 0 || n > len(data) {
			t.Fatalf("%s: Parse = %d, %v", path, n, err)
		}
		fs.left[s.dir] = append([]byte(nil), data[n:]...)
	}
	for _, k := range order {
		if fs := flows[k]; fs.p != nil {
			fs.p.Close(time.Time{}, sink)
		}
	}
	return res
}

// rlDeviation is what this test sees differently from tshark in one
// capture; each is explained in the table above rlDeviations.
type rlDeviation struct {
	skip      string         // not compared at all: why
	msgs      map[uint8]int  // handshake type -> our count minus tshark's
	sniExtra  []string       // SNI values we report that tshark does not
	versions  map[string]int // version -> our count minus tshark's
	anomalies map[string]int // anomaly name -> count
}

// rlDeviations, by capture path relative to the corpus. A capture not
// listed must match tshark's ClientHello, ServerHello and Certificate
// counts, SNI set and negotiated versions, and raise no anomaly.
//
//	capture                          | difference                               | reason
//	---------------------------------+------------------------------------------+----------------------------------------------
//	tls-glupteba, ssl_version_negated,| ClientHello +1                           | the client opens with an SSLv2-compatible ClientHello: we
//	ssl.v3                           |                                          | count it, tshark's tls.handshake.type does not cover SSLv2
//	tls-duplicate-hello              | tls.invalid_handshake_message ×1         | a second ClientHello without HelloRetryRequest (the point of the
//	                                 |                                          | suricata-verify test); the Record keeps the first
//	modbus-and-non-modbus-p502       | tls.invalid_record_length ×1             | a scanner's ClientHello to port 502 (accepted off port), answered
//	                                 |                                          | by a Modbus server: "16 0301 0000 ..." is no TLS record
//	heartbleed-success               | tls.heartbeat ×2                         | heartbeat records in both directions: the anomaly, once per direction
//	arkime_synthetic                 | versions 0x002c -1, TLSv1.2 +1; decoder  | crafted malformed hellos: the hello decoder rejects a broken
//	                                 | anomalies (invalid_handshake_length ×2,  | extension block and keeps legacy_version, where tshark reads
//	                                 | invalid_handshake_message, unknown_      | 0x002c out of it; the anomalies are the decoder's findings on
//	                                 | version, certificate_parse_error ×1 each)| the crafted messages
//	smtp-starttls                    | skipped                                  | STARTTLS: the flow opens in SMTP, so no probe sees a TLS record
//	                                 |                                          | first; upgrading a flow is outside the dissector contract
var rlDeviations = map[string]rlDeviation{
	"suricata-verify/tests/tls/tls-glupteba/input.pcap":     {msgs: map[uint8]int{hsClientHello: 1}},
	"suricata-verify/tests/ssl_version_negated/input.pcap":  {msgs: map[uint8]int{hsClientHello: 1}},
	"zeek/testing/btest/Traces/tls/ssl.v3.pcap":             {msgs: map[uint8]int{hsClientHello: 1}},
	"suricata-verify/tests/tls-duplicate-hello/input.pcap":  {anomalies: map[string]int{AnomalyInvalidHandshake: 1}},
	"zeek/testing/btest/Traces/tls/heartbleed-success.pcap": {anomalies: map[string]int{AnomalyHeartbeat: 2}},
	"zeek/testing/btest/Traces/modbus/modbus-and-non-modbus-p502.pcap": {
		anomalies: map[string]int{AnomalyInvalidRecordLength: 1}},
	"arkime/tests/pcap/arkime_synthetic.pcap": {
		versions: map[string]int{"0x002c": -1, "TLSv1.2": 1},
		anomalies: map[string]int{AnomalyInvalidHandshakeLength: 2, AnomalyInvalidHandshake: 1,
			AnomalyUnknownVersion: 1, AnomalyCertificateParse: 1}},
	"zeek/testing/btest/Traces/tls/smtp-starttls.pcap": {
		skip: "STARTTLS: the flow opens in SMTP (see the table above)"},
}

// TestCaptures runs Probe and Parser over every capture of the shared
// corpus with a tls truth section and compares the handshake message
// counts, SNI names and negotiated versions with tshark's.
func TestCaptures(t *testing.T) {
	dir := corpus.Dir(t)
	captures := rlTruthCaptures(t)
	for _, path := range slices.Sorted(maps.Keys(captures)) {
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			dev := rlDeviations[rel]
			if dev.skip != "" {
				t.Skip(dev.skip)
			}
			tr := captures[path].TLS
			res := rlDissect(t, path)
			for _, c := range []struct {
				what string
				typ  uint8
				want int
			}{
				{"ClientHello", hsClientHello, tr.ClientHellos},
				{"ServerHello", hsServerHello, tr.ServerHellos},
				{"Certificate", hsCertificate, tr.CertificateMsgs},
			} {
				if got, want := res.msgs[c.typ], c.want+dev.msgs[c.typ]; got != want {
					t.Errorf("%s messages: got %d, want %d", c.what, got, want)
				}
			}
			wantSNI := map[string]bool{}
			for k := range tr.SNI {
				wantSNI[k] = true
			}
			for _, k := range dev.sniExtra {
				wantSNI[k] = true
			}
			if !maps.Equal(res.sni, wantSNI) {
				t.Errorf("SNI: got %v, want %v", slices.Sorted(maps.Keys(res.sni)), slices.Sorted(maps.Keys(wantSNI)))
			}
			wantV := maps.Clone(tr.NegotiatedVersions)
			for k, v := range dev.versions {
				wantV[k] += v
				if wantV[k] == 0 {
					delete(wantV, k)
				}
			}
			if !maps.Equal(res.versions, wantV) {
				t.Errorf("versions: got %v, want %v", res.versions, wantV)
			}
			if dev.anomalies == nil {
				dev.anomalies = map[string]int{}
			}
			if !maps.Equal(res.anomalies, dev.anomalies) {
				t.Errorf("anomalies %v, explained %v", res.anomalies, dev.anomalies)
			}
		})
	}
	for rel := range rlDeviations {
		if captures[filepath.Join(dir, filepath.FromSlash(rel))] == nil {
			t.Errorf("deviation listed for %s, which has no tls truth", rel)
		}
	}
}
