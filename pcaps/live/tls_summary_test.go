package live

import (
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

func newTLSSummary() *TLSSummary {
	return &TLSSummary{Records: map[byte]int{}, Versions: map[uint16]int{}, Alerts: map[uint16]int{}, SNI: map[string]int{}}
}

// TestTLSSummaryDirection checks the stream reader on hand-written
// streams (RFC 5246 6.2.1 record headers, 7.4 handshake headers).
func TestTLSSummaryDirection(t *testing.T) {
	for _, tc := range []struct {
		name      string
		stream    string
		client    bool
		wantErr   bool
		ch, sh    int
		alert     uint16
		wantTLS13 bool
	}{
		// A ClientHello (type 1, length 0x2f = 2+32+1+4+2+2+4) split
		// over two handshake records of 16 and 35 octets: version 0303,
		// random (32 x 00: 10 in the first record, 22 in the second), no
		// session id, suites (0002: c02f), compression (01: null),
		// extensions (0004: extended_master_secret 0017, empty).
		{"hello in two records", "1603010010" + "0100002f" + "0303" + strings.Repeat("00", 10) +
			"1603010023" + strings.Repeat("00", 22) + "00" + "0002c02f" + "0100" + "0004" + "00170000",
			true, false, 1, 0, 0, false},
		// A fatal protocol_version alert in clear.
		{"alert", "15030100020246", false, false, 0, 0, 2<<8 | 70, false},
		// A ServerHello (length 0x2e) choosing TLS 1.3 through
		// supported_versions (002b 0002 0304).
		{"tls 1.3 server hello", "1603030032" + "0200002e" + "0303" + "1111111111111111111111111111111111111111111111111111111111111111" +
			"00" + "1301" + "00" + "0006" + "002b00020304", false, false, 0, 1, 0, true},
		// A truncated record header.
		{"truncated", "160303", false, true, 0, 0, 0, false},
		// Not TLS (an HTTP request).
		{"http", hex.EncodeToString([]byte("GET / HTTP/1.1\r\n\r\n")), true, true, 0, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := hex.DecodeString(tc.stream)
			if err != nil {
				t.Fatal(err)
			}
			s := newTLSSummary()
			tls13, err := s.direction(b, tc.client, false)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if s.ClientHellos != tc.ch || s.ServerHellos != tc.sh || tls13 != tc.wantTLS13 {
				t.Errorf("ClientHellos %d ServerHellos %d TLS 1.3 %v", s.ClientHellos, s.ServerHellos, tls13)
			}
			if tc.alert != 0 && s.Alerts[tc.alert] != 1 {
				t.Errorf("alerts %v, want %#x", s.Alerts, tc.alert)
			}
		})
	}
}

// FuzzTLSSummaryDirection feeds the stream reader arbitrary bytes: no
// panic, no hang. Seeds are the streams' first segments of the
// committed live capture.
func FuzzTLSSummaryDirection(f *testing.F) {
	path := filepath.Join("..", "tls_live.pcap")
	r, err := os.Open(path)
	if err != nil {
		f.Fatalf("%v: the seeds come from pcaps/tls_live.pcap", err)
	}
	defer r.Close()
	pr, err := pcapgo.NewReader(r)
	if err != nil {
		f.Fatal(err)
	}
	for n := 0; n < 400; n++ {
		data, _, err := pr.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Fatal(err)
		}
		p := gopacket.NewPacket(data, layers.LinkTypeEthernet, gopacket.Default)
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && len(tcp.Payload) > 0 {
			f.Add(tcp.Payload, tcp.DstPort == 443)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, client bool) {
		s := newTLSSummary()
		tls13, _ := s.direction(b, client, false)
		s.direction(b, !client, tls13)
	})
}
