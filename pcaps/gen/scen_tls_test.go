package main

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/otsensor/otsensor/pcaps/live"
)

// tlsTruth is the part of a make_truth.py file the TLS tests read.
type tlsTruth struct {
	truthCommon
	General struct {
		Packets    int            `json:"packet_count"`
		TCPStreams int            `json:"tcp_stream_count"`
		Frames     map[string]int `json:"frames_per_protocol"`
	} `json:"general"`
	TLS struct {
		ClientHellos int               `json:"client_hello_count"`
		ServerHellos int               `json:"server_hello_count"`
		CertMsgs     int               `json:"certificate_message_count"`
		SNI          map[string]int    `json:"sni"`
		Legacy       map[string]int    `json:"client_legacy_versions"`
		Negotiated   map[string]int    `json:"negotiated_versions"`
		Ciphers      map[string]int    `json:"negotiated_cipher_suites"`
		JA3          map[string]int    `json:"ja3"`
		JA3Full      map[string]string `json:"ja3_full"`
		JA3S         map[string]int    `json:"ja3s"`
		ALPN         map[string]int    `json:"alpn_offered"`
		Servers      []string          `json:"servers"`
		Certificates []struct {
			SubjectCN  *string  `json:"subject_cn"`
			IssuerCN   *string  `json:"issuer_cn"`
			Subject    string   `json:"subject"`
			Issuer     string   `json:"issuer"`
			SelfIssued bool     `json:"self_issued"`
			Serial     *string  `json:"serial"`
			NotBefore  *string  `json:"not_before"`
			NotAfter   *string  `json:"not_after"`
			Expired    *bool    `json:"expired_at_capture_time"`
			SANs       []string `json:"san_dns"`
		} `json:"certificates"`
	} `json:"tls"`
}

// TestTLSTruthFiles checks that every TLS capture (crafted and live) has
// a tshark truth file made from its current bytes, and that tshark saw
// what the scenario or the live run meant to write. Regenerate the truth
// files after changing the scenario or recording again:
//
//	python3 ../shared/tools/make_truth.py --force --decode-as pcaps/gen/testdata/tls_decode_as.json --root pcaps pcaps/tls_*.pcap
func TestTLSTruthFiles(t *testing.T) {
	names := craftedWithPrefix("tls_", tlsLiveFile)
	if len(names) != 2 {
		t.Errorf("TLS captures %v", names)
	}
	checkTruthFiles(t, names, checkTLSTruth)
}

func checkTLSTruth(t *testing.T, name string, tr *tlsTruth) {
	m := tr.TLS
	if m.ClientHellos == 0 {
		t.Fatal("tshark saw no ClientHello")
	}
	want := truthWant(t)
	type cert struct{ subject, issuer, notAfter string }
	certs := map[string]cert{}
	expired := map[string]bool{}
	for _, c := range m.Certificates {
		if c.SubjectCN == nil || c.IssuerCN == nil || c.NotAfter == nil || c.Expired == nil {
			certs["<unparsed>"] = cert{}
			continue
		}
		certs[*c.SubjectCN] = cert{c.Subject, *c.IssuerCN, *c.NotAfter}
		expired[*c.SubjectCN] = *c.Expired
	}
	switch name {
	case tlsLiveFile:
		want("decode-as for port 9443", slices.Equal(tr.DecodeAs, []string{"tcp.port==9443,tls"}))
		want("one TCP stream per connection", tr.General.TCPStreams == live.TLSConnections)
		// tshark counts the second ClientHello after the retry, and the
		// HelloRetryRequest as a ServerHello (whose supported_versions
		// says TLS 1.3).
		want("a ClientHello per connection and the retried one", m.ClientHellos == live.TLSConnections+1)
		want("a ServerHello per accepted connection and the HelloRetryRequest", m.ServerHellos == live.TLSConnections-1+1)
		want("TLS 1.0 x1, 1.1 x1, 1.2 x10, 1.3 x6 (+1 HRR)", m.Negotiated["TLSv1.0"] == 1 && m.Negotiated["TLSv1.1"] == 1 &&
			m.Negotiated["TLSv1.2"] == 10 && m.Negotiated["TLSv1.3"] == 7)
		// See live's TestRecordTLS for the 12.
		want("12 certificate messages in clear", m.CertMsgs == 12)
		want("SNI per server", m.SNI[live.PLCName] == 7 && m.SNI[live.BrokerName] == 3 && m.SNI[live.OPCUAName] == 3 &&
			m.SNI[live.PanelName] == 1 && m.SNI[live.RTUName] == 2 && m.SNI[live.GatewayName] == 2 && m.SNI[live.HistorianName] == 2)
		want("ALPN h2, http/1.1 and mqtt", m.ALPN["h2"] == 1 && m.ALPN["mqtt"] == 3 && m.ALPN["http/1.1"] > 0)
		want("servers on the four ports", slices.Equal(m.Servers, []string{"127.0.0.1:443", "127.0.0.2:8883", "127.0.0.3:4843",
			"127.0.0.4:443", "127.0.0.5:443", "127.0.0.6:9443", "127.0.0.7:443"}))
		// Go and openssl clients at several versions: several JA3s.
		want("at least 6 JA3 fingerprints", len(m.JA3) >= 6 && len(m.JA3Full) == len(m.JA3))
		for _, cn := range []string{live.PLCName, live.BrokerName, live.OPCUAName, live.RTUName, live.GatewayName, live.HistorianName, live.ClientName} {
			want(cn+" issued by the CA", certs[cn].issuer == live.CAName)
		}
		want("the CA certificate (self-issued, in the chains)", certs[live.CAName].issuer == live.CAName)
		want("the self-signed panel", certs[live.PanelName].issuer == live.PanelName)
		want("the expired RTU", certs[live.RTUName].notAfter == "2023-01-01T00:00:00Z" && expired[live.RTUName])
		want("the others valid until 2035", certs[live.PLCName].notAfter == "2035-01-01T00:00:00Z" && !expired[live.PLCName])
		want("9 distinct certificates", len(m.Certificates) == 9)
	case "tls_malformed.pcap":
		want("decode-as for port 8443", slices.Equal(tr.DecodeAs, []string{"tcp.port==8443,tls"}))
		want("16 TCP streams (15 with a SYN, one already open)", tr.General.TCPStreams == 16)
		// tshark does not decode the ClientHello in a record of version
		// 0x0305, the one whose length overflows its record, the 100 KiB
		// one (it gives up reassembling it) nor the SSLv2-compatible one
		// (not a TLS handshake record): 14 - 4 = 10.
		want("10 ClientHellos", m.ClientHellos == 10)
		// Every connection with a server flight: 16 - overflow - HTTP -
		// midstream - duplicate extension = 12.
		want("12 ServerHellos and 12 Certificate messages", m.ServerHellos == 12 && m.CertMsgs == 12)
		want("TLS 1.2 x11 and the SSLv2 hello's TLS 1.0", m.Negotiated["TLSv1.2"] == 11 && m.Negotiated["TLSv1.0"] == 1)
		want("SNI: multiple, IP literal, non-ASCII", m.SNI[tlsSNI] == 8 && m.SNI[tlsSNI2] == 1 && m.SNI["192.168.40.10"] == 1 && len(m.SNI) == 4)
		// The 8 standard hellos differ only in GREASE values and SNI; the
		// heartbeat one adds an extension, the duplicate one repeats one.
		want("GREASE removed from JA3: one fingerprint for the 8 standard hellos", slices.Contains(mapValues(m.JA3), 8) && len(m.JA3) == 3)
		for _, s := range m.JA3Full {
			want("no GREASE value (RFC 8701) in "+s, !hasGrease(s))
		}
		want("servers on 443 and 8443", slices.Equal(m.Servers, []string{"192.168.40.10:443", "192.168.40.10:8443"}))
		want("the valid certificate", certs[tlsSNI] == cert{"O=" + tlsOrg + ",CN=" + tlsSNI, tlsCA, "2034-01-01T00:00:00Z"})
		want("the garbage certificate, unparsed", len(m.Certificates) == 2 && certs["<unparsed>"] == cert{})
		want("HTTP on 443", tr.General.Frames["http"] == 2)
	}
}

// hasGrease reports whether a JA3 string holds a GREASE value (0x?a?a
// with equal octets).
func hasGrease(ja3 string) bool {
	for _, f := range strings.FieldsFunc(ja3, func(r rune) bool { return r == ',' || r == '-' }) {
		v, err := strconv.Atoi(f)
		if err == nil && v&0x0f0f == 0x0a0a && v>>8 == v&0xff {
			return true
		}
	}
	return false
}

func mapValues(m map[string]int) []int {
	var v []int
	for _, x := range m {
		v = append(v, x)
	}
	return v
}

// TestTLSLiveCapture checks the committed live TLS recording with
// gopacket alone: consistent TCP and what pcaps/live's clients do.
func TestTLSLiveCapture(t *testing.T) {
	fs := liveFrames(t, tlsLiveFile, "sudo go run ./pcaps/gen -live -live-only tls", 200)
	s, err := live.SummarizeTLS(filepath.Join(committedDir, tlsLiveFile), live.DefaultTLSPorts.List()...)
	if err != nil {
		t.Fatal(err)
	}
	if s.Packets != len(fs) || s.Connections != live.TLSConnections {
		t.Errorf("%d packets, %d connections; want %d connections", s.Packets, s.Connections, live.TLSConnections)
	}
	if s.ClientHellos != live.TLSConnections+1 || s.ServerHellos != live.TLSConnections-1 || s.HelloRetryRequests != 1 || s.Certificates != 12 {
		t.Errorf("ClientHello %d, ServerHello %d, HelloRetryRequest %d, Certificate %d", s.ClientHellos, s.ServerHellos, s.HelloRetryRequests, s.Certificates)
	}
	if s.Versions[0x0301] != 1 || s.Versions[0x0302] != 1 || s.Versions[0x0303] != 10 || s.Versions[0x0304] != 6 {
		t.Errorf("negotiated versions %v", s.Versions)
	}
	if s.Alerts[2<<8|70] != 1 {
		t.Errorf("no fatal protocol_version alert in clear: %v", s.Alerts)
	}
}
