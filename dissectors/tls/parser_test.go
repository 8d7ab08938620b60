package tls

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/otsensor/otsensor/dissectors"
)

// Handshake message bodies (without the 4-octet header).
const (
	// ClientHello, TLS 1.2, no session id, SNI "a.example".
	chBody12 = `0303
		000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
		00
		0004 c02f 009c
		01 00
		0012
		0000 000e 000c 00 0009 612e6578616d706c65`
	// ClientHello offering TLS 1.3 and 1.2: SNI "a.example",
	// supported_groups x25519, supported_versions {1.3, 1.2}, key_share
	// x25519.
	chBody13 = `0303
		000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
		00
		0006 1301 1302 c02f
		01 00
		004d
		0000 000e 000c 00 0009 612e6578616d706c65
		000a 0004 0002 001d
		002b 0005 04 0304 0303
		0033 0026 0024 001d 0020 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`
	// ServerHello, TLS 1.2, ECDHE_RSA_WITH_AES_128_GCM_SHA256, empty
	// renegotiation_info.
	shBody12 = `0303
		404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f
		00 c02f 00
		0005 ff01 0001 00`
	// ServerHello, TLS 1.3 (supported_versions 0x0304), TLS_AES_128_GCM_SHA256,
	// key_share x25519.
	shBody13 = `0303
		404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f
		00 1301 00
		002e
		002b 0002 0304
		0033 0024 001d 0020 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb`
	// HelloRetryRequest: the special random (SHA-256 of
	// "HelloRetryRequest"), supported_versions 0x0304, key_share asking
	// for secp256r1 (0x0017).
	hrrBody = `0303
		cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c
		00 1301 00
		000c
		002b 0002 0304
		0033 0002 0017`
	certEmpty   = `000000`                        // Certificate: empty certificate_list
	certReqBody = `01 01 | 0004 0401 0403 | 0000` // CertificateRequest: rsa_sign; two signature algorithms; no CAs
	ckeBody     = `04 01020304`                   // ClientKeyExchange: a 4-octet ECDH public value
	// SSLv2-compatible ClientHello (RFC 5246 E.2): length 34, type 1,
	// version TLS 1.0, 9 octets of cipher specs, no session id, a
	// 16-octet challenge.
	sslv2Hello = `8022 01 0301 0009 0000 0010
		010080 000035 00002f
		c0c1c2c3c4c5c6c7c8c9cacbcccdcecf`
	// ServerHello, TLS 1.0, TLS_RSA_WITH_AES_256_CBC_SHA, no extensions.
	shBody10 = `0301
		404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f
		00 0035 00`
)

// rlFixture builds the messages and records of the table tests.
type rlFixture struct {
	ch12, ch13, sh12, sh13, hrr, cert, certReq, shd, cke []byte
	ccs, encFin, appC, appS, appS13                      []byte
}

func newRLFixture(t testing.TB) rlFixture {
	h := func(s string) []byte { return unhex(t, s) }
	return rlFixture{
		ch12:    rlMsg(hsClientHello, h(chBody12)),
		ch13:    rlMsg(hsClientHello, h(chBody13)),
		sh12:    rlMsg(hsServerHello, h(shBody12)),
		sh13:    rlMsg(hsServerHello, h(shBody13)),
		hrr:     rlMsg(hsServerHello, h(hrrBody)),
		cert:    rlMsg(hsCertificate, h(certEmpty)),
		certReq: rlMsg(hsCertificateRequest, h(certReqBody)),
		shd:     rlMsg(hsServerHelloDone, nil),
		cke:     rlMsg(hsClientKeyExchange, h(ckeBody)),
		// ChangeCipherSpec record: type 20, TLS 1.2, length 1, value 1.
		ccs: h("14 0303 0001 01"),
		// Encrypted Finished: a handshake record of 40 opaque octets
		// (0xee is no handshake type: parsing it would be noticed).
		encFin: rlRecord(ctHandshake, 0x0303, bytes.Repeat([]byte{0xee}, 40)),
		appC:   rlRecord(ctApplicationData, 0x0303, bytes.Repeat([]byte{0xdd}, 32)),
		appS:   rlRecord(ctApplicationData, 0x0303, bytes.Repeat([]byte{0xcc}, 48)),
		appS13: rlRecord(ctApplicationData, 0x0303, bytes.Repeat([]byte{0x16}, 100)),
	}
}

type rlCase struct {
	name      string
	opts      Options
	noSYN     bool // the flow was joined mid-stream
	chunks    []rlChunk
	want      []string
	wantMsgs  string // handshake messages decoded, "c1 s2 ..." (checked when set)
	wantApp   [2]uint64
	checkApp  bool
	skipSplit bool
}

func c(data ...[]byte) rlChunk { return rlChunk{dir: dissectors.ToServer, data: rlCat(data...)} }
func s(data ...[]byte) rlChunk { return rlChunk{dir: dissectors.ToClient, data: rlCat(data...)} }

func hs(parts ...[]byte) []byte { return rlRecord(ctHandshake, 0x0303, rlCat(parts...)) }

func rlCases(t testing.TB) []rlCase {
	x := newRLFixture(t)
	h := func(s string) []byte { return unhex(t, s) }
	rec12 := "s hs ch sh sni=a.example v=0303 certs=0/0"
	full12 := []rlChunk{
		c(hs(x.ch12)),
		s(hs(x.sh12, x.cert, x.shd)),
		c(hs(x.cke), x.ccs, x.encFin),
		s(x.ccs, x.encFin),
		c(x.appC), s(x.appS), c(x.appC),
	}
	shMsg := x.sh12
	big := rlMsg(hsCertificate, bytes.Repeat([]byte{0}, 100)) // 100-octet body: above MaxHandshake 64
	return []rlCase{
		{
			name:     "TLS 1.2 full handshake, server flight in one record",
			chunks:   full12,
			want:     []string{rec12},
			wantMsgs: "c1 s2 s11 s14 c16",
			checkApp: true, wantApp: [2]uint64{64, 48},
		},
		{
			name: "TLS 1.2, server flight in one record per message",
			chunks: []rlChunk{
				c(hs(x.ch12)),
				s(hs(x.sh12), hs(x.cert), hs(x.shd)),
				c(hs(x.cke), x.ccs, x.encFin), s(x.ccs, x.encFin),
			},
			want:     []string{rec12},
			wantMsgs: "c1 s2 s11 s14 c16",
		},
		{
			name: "ServerHello spanning three records, Certificate split across two",
			chunks: []rlChunk{
				c(hs(x.ch12)),
				s(hs(shMsg[:3]), hs(shMsg[3:20]), hs(shMsg[20:], x.cert[:2]), hs(x.cert[2:], x.shd)),
				s(x.ccs, x.encFin),
			},
			want:     []string{rec12},
			wantMsgs: "c1 s2 s11 s14",
		},
		{
			name: "TLS 1.3: compat ChangeCipherSpec, everything after the ServerHello encrypted",
			chunks: []rlChunk{
				c(hs(x.ch13)),
				// The ServerHello record carries trailing octets that
				// would be an EncryptedExtensions in clear: dropped.
				s(hs(x.sh13, rlMsg(hsEncryptedExtensions, h("0000"))), x.ccs, x.appS13, x.appS13),
				c(x.ccs, x.appC), c(x.appC), s(x.appS13),
			},
			want:     []string{"s hs ch sh sni=a.example v=0304 certs=0/0"},
			wantMsgs: "c1 s2",
		},
		{
			name: "HelloRetryRequest: the handshake ends after the second ServerHello",
			chunks: []rlChunk{
				c(hs(x.ch13)),
				s(hs(x.hrr), x.ccs),          // HRR and the server's compat CCS
				c(x.ccs, hs(x.ch13)),         // client compat CCS, second ClientHello in clear
				s(hs(x.sh13), x.ccs, x.appS), // the real ServerHello
				c(x.appC),
			},
			want:     []string{"s hs ch sh hrr sni=a.example v=0304 certs=0/0"},
			wantMsgs: "c1 s2 c1 s2",
		},
		{
			name: "TLS 1.2 resumption: ServerHello then ChangeCipherSpec from the server",
			chunks: []rlChunk{
				c(hs(x.ch12)),
				s(hs(x.sh12), x.ccs, x.encFin),
				c(x.ccs, x.encFin, x.appC),
			},
			want: []string{rec12},
		},
		{
			name: "a new ClientHello in clear after the record starts a new one",
			chunks: []rlChunk{
				c(hs(x.ch12)),
				s(hs(x.sh12, x.cert, x.shd)),
				c(hs(x.ch12)),
				s(hs(x.sh12, x.shd)),
			},
			want: []string{rec12, rec12},
		},
		{
			name: "fatal alert in clear from the server: handshake record, then the alert",
			chunks: []rlChunk{
				c(hs(x.ch12)),
				s(h("15 0303 0002 02 28")), // alert: fatal handshake_failure (40)
			},
			want: []string{"s hs ch sni=a.example certs=0/0", "s alert 2/40"},
		},
		{
			name: "encrypted alert only counted; 2-octet close_notify after encryption is in clear",
			chunks: append(slices.Clone(full12),
				c(rlRecord(ctAlert, 0x0303, bytes.Repeat([]byte{0xab}, 26))), // encrypted alert
				s(h("15 0303 0002 01 00")),                                   // warning close_notify
			),
			want: []string{rec12, "s alert 1/0"},
		},
		{
			name: "heartbeat records: one anomaly per direction",
			chunks: append(slices.Clone(full12),
				c(h("18 0303 0003 01 4000")), c(h("18 0303 0003 01 4000")), // Heartbleed-style requests
				s(h("18 0303 0003 02 4000")),
			),
			want: []string{rec12, "c !tls.heartbeat", "s !tls.heartbeat"},
		},
		{
			name:   "record longer than 2^14+2048: direction stopped",
			chunks: []rlChunk{c(h("17 0303 4801 dddddddd")), c(hs(x.ch12))},
			want:   []string{"c !tls.invalid_record_length"},
		},
		{
			name:   "empty handshake record: invalid length",
			chunks: []rlChunk{c(hs(x.ch12)), s(h("16 0303 0000"))},
			want:   []string{"s !tls.invalid_record_length", "c hs ch sni=a.example certs=0/0"},
		},
		{
			name:   "content type 25: direction stopped",
			chunks: []rlChunk{c(hs(x.ch12)), c(h("19 0303 0002 0000"), hs(x.ch12))},
			want:   []string{"c !tls.invalid_record_type", "c hs ch sni=a.example certs=0/0"},
		},
		{
			name: "handshake message above MaxHandshake skipped, the rest parsed",
			opts: Options{MaxHandshake: 64},
			chunks: []rlChunk{
				c(hs(x.ch12)),
				s(hs(x.sh12, big[:50]), hs(big[50:], x.shd)),
			},
			want:     []string{"s !tls.handshake_too_long", rec12},
			wantMsgs: "c1 s2 s14",
		},
		{
			name: "SSLv2-compatible ClientHello answered in TLS 1.0",
			chunks: []rlChunk{
				c(h(sslv2Hello)),
				s(rlRecord(ctHandshake, 0x0301, rlCat(rlMsg(hsServerHello, h(shBody10)), x.cert, x.shd))),
			},
			want:     []string{"s hs v2 ch sh v=0301 certs=0/0"},
			wantMsgs: "c1 s2 s11 s14",
		},
		{
			name: "gap in the server's flight: resynchronised on the next records",
			chunks: []rlChunk{
				c(hs(x.ch12)),
				s(hs(x.sh12, x.cert[:3])),
				{dir: dissectors.ToClient, gap: true},
				// the tail of a lost record, the end of the Certificate
				// (not a message start: dropped), ServerHelloDone
				s(h("eeeeee"), hs(x.cert[5:]), hs(x.shd)),
			},
			want:      []string{rec12},
			wantMsgs:  "c1 s2 s14",
			skipSplit: true,
		},
		{
			name:  "capture joined mid-connection on port 443: application data only",
			noSYN: true,
			chunks: []rlChunk{
				s(x.appS),
				c(bytes.Repeat([]byte{0x42}, 10), x.appC, x.appC), // the tail of a record first
				s(x.appS),
				s(rlRecord(ctAlert, 0x0303, bytes.Repeat([]byte{0x9a}, 26))), // an encrypted alert
			},
			checkApp: true, wantApp: [2]uint64{64, 96},
		},
		{
			name: "handshake message cut by a ChangeCipherSpec",
			chunks: []rlChunk{
				c(hs(x.ch12[:20]), x.ccs),
			},
			want: []string{"c !tls.invalid_handshake_length"},
		},
		{
			name: "CertificateRequest: the record waits for the client's Certificate and ClientKeyExchange",
			chunks: []rlChunk{
				c(hs(x.ch12)),
				s(hs(x.sh12, x.cert, x.certReq, x.shd)),
				c(hs(x.cert, x.cke), x.ccs, x.encFin),
				s(x.ccs, x.encFin),
			},
			want:     []string{"c hs ch sh sni=a.example v=0303 certs=0/0"},
			wantMsgs: "c1 s2 s11 s13 s14 c11 c16",
		},
		{
			name:   "ClientHello never answered: the record comes at Close",
			chunks: []rlChunk{c(hs(x.ch12))},
			want:   []string{"c hs ch sni=a.example certs=0/0"},
		},
	}
}

// rlMsgLog records the handshake messages a parser decodes.
func rlMsgLog(p *Parser) *[]string {
	var msgs []string
	p.msgHook = func(dir dissectors.Direction, typ uint8, body []byte) {
		d := "c"
		if dir == dissectors.ToClient {
			d = "s"
		}
		msgs = append(msgs, fmt.Sprintf("%s%d", d, typ))
	}
	return &msgs
}

func TestParse(t *testing.T) {
	for _, tc := range rlCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			f := newRLFeeder(t, tc.opts, !tc.noSYN)
			msgs := rlMsgLog(f.p)
			for _, ch := range tc.chunks {
				f.feed(ch)
			}
			got := f.close()
			if !slices.Equal(got, tc.want) {
				t.Errorf("events:\ngot  %q\nwant %q", got, tc.want)
			}
			if tc.wantMsgs != "" {
				if g := fmt.Sprint(*msgs); g != "["+tc.wantMsgs+"]" {
					t.Errorf("messages %s, want [%s]", g, tc.wantMsgs)
				}
			}
			if tc.checkApp {
				if g := [2]uint64{f.p.dir[0].appBytes, f.p.dir[1].appBytes}; g != tc.wantApp {
					t.Errorf("application data octets %v, want %v", g, tc.wantApp)
				}
			}
		})
	}
}

// TestParseSplit feeds every case with each chunk cut in two at every
// offset (the first piece's unconsumed rest coming back with the second),
// and in one byte at a time: the events must not change.
func TestParseSplit(t *testing.T) {
	for _, tc := range rlCases(t) {
		if tc.skipSplit {
			continue
		}
		want := rlRun(t, tc.opts, !tc.noSYN, tc.chunks)
		for i, ch := range tc.chunks {
			for cut := 1; cut < len(ch.data); cut++ {
				chunks := slices.Clone(tc.chunks)
				a, b := ch, ch
				a.data, b.data = ch.data[:cut], ch.data[cut:]
				chunks = slices.Replace(chunks, i, i+1, a, b)
				if got := rlRun(t, tc.opts, !tc.noSYN, chunks); !slices.Equal(got, want) {
					t.Fatalf("%s: chunk %d cut at %d:\ngot  %q\nwant %q", tc.name, i, cut, got, want)
				}
			}
		}
		var bytewise []rlChunk
		for _, ch := range tc.chunks {
			for j := range ch.data {
				bytewise = append(bytewise, rlChunk{dir: ch.dir, data: ch.data[j : j+1]})
			}
		}
		if got := rlRun(t, tc.opts, !tc.noSYN, bytewise); !slices.Equal(got, want) {
			t.Errorf("%s: byte at a time:\ngot  %q\nwant %q", tc.name, got, want)
		}
	}
}
