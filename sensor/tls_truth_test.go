package sensor_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// tlsTruth is the part of a truth file's "tls" section we check.
type tlsTruth struct {
	ClientHellos int            `json:"client_hello_count"`
	ServerHellos int            `json:"server_hello_count"`
	SNI          map[string]int `json:"sni"`
	Versions     map[string]int `json:"negotiated_versions"`
	Ciphers      map[string]int `json:"negotiated_cipher_suites"`
	JA3          map[string]int `json:"ja3"`
	JA3S         map[string]int `json:"ja3s"`
	Servers      []string       `json:"servers"`
	Certificates []struct {
		SubjectCN string `json:"subject_cn"`
		IssuerCN  string `json:"issuer_cn"`
		Serial    string `json:"serial"`
		NotAfter  string `json:"not_after"`
	} `json:"certificates"`
}

// tlsSeen is what our replay saw, in the truth's terms (sets).
type tlsSeen struct {
	clientHellos, serverHellos int
	sni, versions, ciphers     map[string]bool
	ja3, ja3s, certs           map[string]bool
}

// tlsDifferences lists, per capture, where we knowingly disagree with
// tshark and why: the exact items only one side has ("sni:x", "version:x",
// "cipher:x", "ja3:x", "cert:x", "server:x" prefixed with + for ours, - for
// tshark's), and the exact difference in hello counts.
var tlsDifferences = map[string]struct {
	clientHellos, serverHellos int
	items                      []string
	why                        string
}{
	"nDPI/tests/cfgs/default/pcap/android.pcap": {
		serverHellos: +1,
		why: "the ServerHello of port 36888 arrives after a later segment (frame 155 with seq 2837, then " +
			"157 and 159 with seq 1 and 1419): we reassemble it, tshark does not dissect it",
	},
	"zeek/testing/btest/Traces/tls/smtp-starttls.pcap": {
		clientHellos: -1, serverHellos: -1,
		items: []string{"-cert:12bbe6 GeoTrust Global CA /  until 2018-08-21T04:00:00Z",
			"-cert:23a69 Google Internet Authority G2 / GeoTrust Global CA until 2015-04-04T15:15:55Z",
			"-cert:325d8297987d50b0 mx.google.com / Google Internet Authority G2 until 2014-09-09T11:32:35Z",
			"-cipher:TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "-ja3:13020a4ccb11b2d3c9c0e6c285c3c415",
			"-ja3s:ccc514751b175866924439bdbb5bba34", "-server:74.125.142.26:25", "-sni:<no SNI>", "-version:TLS 1.2"},
		why: "SMTP STARTTLS: the connection starts as SMTP, so no dissector takes it, and TLS starting " +
			"inside it is not followed (the flow layer has no protocol upgrade yet); tshark follows it",
	},
	"suricata-verify/tests/tls-duplicate-hello/input.pcap": {
		clientHellos: -1, items: []string{"-ja3:0d245ced3bf51e17d08b66272836538d"},
		why: "a second ClientHello without a HelloRetryRequest (what the test is about): we raise " +
			"tls.invalid_handshake_message and keep the first; tshark decodes both",
	},
	"arkime/tests/pcap/arkime_synthetic.pcap": {
		items: []string{"-cert:3039 certs.example.com / Test CA until 2026-01-01T00:00:00Z", "-version:0x002c"},
		why: "crafted: the certs.example.com certificate has a public key crypto/x509 rejects " +
			"(tls.certificate_parse_error), and a ServerHello whose length is wrong, which tshark reads " +
			"as version 0x002c and we as tls.invalid_handshake_length",
	},
	"pcaps/tls_malformed.pcap": {
		clientHellos: +1,
		items: []string{"+ja3:f29a800ae2460a3cf3ba15706f4cc368", "-ja3:f620f0959446991093588cff02d43206", "+sni:plc1.plänt.local",
			"-sni:plc1.pl\uFFFD\uFFFDnt.local", "-sni:plc2.plant.local", "-cert:  /  until "},
		why: "tshark does not decode the ClientHello of record version 0x0305, which we decode with " +
			"tls.unknown_version; it shows the non-ASCII SNI's octets as two " +
			"U+FFFD where we keep them; for the hello with supported_groups twice its JA3 lists the " +
			"groups twice (29-23-24,29-23-24), ours once (tls.invalid_handshake_message); it lists the second name of the multiple-SNI hello, we keep the " +
			"first (tls.multiple_sni); its garbage certificate is an empty entry for tshark and a parse " +
			"error for us",
	},
}

// TestTLSMatchesTshark replays every shared capture with TLS (and ours)
// and compares with tshark's truth: ClientHello and ServerHello counts
// (tshark counts a HelloRetryRequest as a ServerHello and its second
// ClientHello, and does not count SSLv2-compatible ClientHellos), the sets
// of SNI names, negotiated versions, cipher suites, JA3 and JA3S hashes,
// the certificates (serial, subject and issuer CN, not after), and that
// every server is a device with the tls_server role.
func TestTLSMatchesTshark(t *testing.T) {
	forEachTruth(t, "tls", checkTLSTruth)
}

// tsharkVersions maps tshark's version names to ours.
var tsharkVersions = map[string]string{"SSLv3": "SSL 3.0", "TLSv1": "TLS 1.0", "TLSv1.0": "TLS 1.0",
	"TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2", "TLSv1.3": "TLS 1.3"}

func checkTLSTruth(t *testing.T, name, capPath string, doc map[string]json.RawMessage) {
	var truth tlsTruth
	if err := json.Unmarshal(doc["tls"], &truth); err != nil {
		t.Fatal(err)
	}
	got := tlsSeen{sni: map[string]bool{}, versions: map[string]bool{}, ciphers: map[string]bool{},
		ja3: map[string]bool{}, ja3s: map[string]bool{}, certs: map[string]bool{}}
	c := &collector{anomalies: map[string]int{}, events: func(ev *dissectors.Event) {
		r, ok := ev.Record.(*tls.Record)
		if !ok || r.Alert != nil {
			return
		}
		if r.HasClientHello && r.SSLv2ClientHello {
			// tshark does not take an SSLv2-compatible ClientHello
			// for one: no count, SNI or JA3 from it.
		} else if r.HasClientHello {
			got.clientHellos++
			sni := r.SNI
			if sni == "" {
				sni = "<no SNI>"
			}
			got.sni[sni] = true
			if r.JA3.Hash != "" {
				got.ja3[r.JA3.Hash] = true
			}
		}
		if r.HelloRetryRequest {
			got.clientHellos++ // the second ClientHello
			got.serverHellos++ // the HelloRetryRequest
		}
		if r.HasServerHello {
			got.serverHellos++
			got.versions[tls.VersionName(r.Version)] = true
			got.ciphers[tls.CipherSuiteName(r.CipherSuite)] = true
			if r.JA3S.Hash != "" {
				got.ja3s[r.JA3S.Hash] = true
			}
		}
		for _, k := range append(slices.Clone(r.Certificates), r.ClientCertificates...) {
			if k.ParseError == "" {
				got.certs[certKey(k.Serial, k.SubjectCN, k.IssuerCN, k.NotAfter.UTC().Format("2006-01-02T15:04:05Z"))] = true
			}
		}
	}}
	_, inv := replay(t, c, capPath)
	diff := tlsDifferences[name]

	if d := got.clientHellos - truth.ClientHellos; d != diff.clientHellos {
		t.Errorf("ClientHellos: got %d, tshark %d (accepted difference %d)", got.clientHellos, truth.ClientHellos, diff.clientHellos)
	}
	if d := got.serverHellos - truth.ServerHellos; d != diff.serverHellos {
		t.Errorf("ServerHellos: got %d, tshark %d (accepted difference %d)", got.serverHellos, truth.ServerHellos, diff.serverHellos)
	}
	want := tlsSeen{sni: keys(truth.SNI, nil), versions: keys(truth.Versions, tsharkVersions), ciphers: keys(truth.Ciphers, nil),
		ja3: keys(truth.JA3, nil), ja3s: keys(truth.JA3S, nil), certs: map[string]bool{}}
	for _, k := range truth.Certificates {
		want.certs[certKey(strings.ReplaceAll(k.Serial, ":", ""), k.SubjectCN, k.IssuerCN, k.NotAfter)] = true
	}
	var extra []string
	for _, set := range []struct {
		name      string
		got, want map[string]bool
	}{{"sni", got.sni, want.sni}, {"version", got.versions, want.versions}, {"cipher", got.ciphers, want.ciphers},
		{"ja3", got.ja3, want.ja3}, {"ja3s", got.ja3s, want.ja3s}, {"cert", got.certs, want.certs}} {
		for k := range set.got {
			if !set.want[k] {
				extra = append(extra, "+"+set.name+":"+k)
			}
		}
		for k := range set.want {
			if !set.got[k] {
				extra = append(extra, "-"+set.name+":"+k)
			}
		}
	}
	snap := inv.Snapshot()
	for _, s := range truth.Servers {
		ip := strings.Trim(s[:strings.LastIndexByte(s, ':')], "[]")
		if d, ok := snap.Find(ip); !ok || !slices.Contains(d.Roles, "tls_server") {
			extra = append(extra, "-server:"+s)
		}
	}
	slices.Sort(extra)
	wantExtra := slices.Sorted(slices.Values(diff.items))
	if !slices.Equal(extra, wantExtra) {
		t.Errorf("differences with tshark:\n got      %q\n accepted %q", extra, wantExtra)
	}
	if len(c.anomalies) > 0 {
		t.Logf("anomalies: %v", c.anomalies)
	}
}

func certKey(serial, subject, issuer, notAfter string) string {
	serial = strings.TrimLeft(strings.ToLower(serial), "0")
	return serial + " " + subject + " / " + issuer + " until " + notAfter
}

// keys returns m's keys, renamed through names when given (and tshark's
// TLS 1.3 draft names to ours).
func keys(m map[string]int, names map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		if n, ok := names[k]; ok {
			k = n
		} else if d, ok := strings.CutPrefix(k, "TLSv1.3-draft"); ok && names != nil {
			k = "TLS 1.3 draft " + d
		}
		out[k] = true
	}
	return out
}
