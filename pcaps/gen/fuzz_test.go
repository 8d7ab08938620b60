package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// FuzzIdentityServer feeds the live identity server's parser (readADU and
// identityAnswer) arbitrary bytes: no panic, and every answer is a
// well-formed ADU for the request's transaction. Seeds are the real
// client payloads of the live loopback capture.
func FuzzIdentityServer(f *testing.F) {
	b, err := os.ReadFile(filepath.Join(committedDir, liveFile))
	if err != nil {
		f.Fatal(err)
	}
	fs, err := readCapture(liveFile, b)
	if err != nil {
		f.Fatal(err)
	}
	for _, fr := range fs {
		p := gopacket.NewPacket(fr.data, fr.link, gopacket.Default)
		if tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && tcp.DstPort == 502 && len(tcp.Payload) > 0 {
			f.Add(tcp.Payload)
		}
	}
	f.Add([]byte{0, 1, 0, 0, 0, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			adu, err := readADU(r)
			if err != nil {
				return
			}
			if len(adu) < 8 || len(adu) != 6+int(binary.BigEndian.Uint16(adu[4:])) {
				t.Fatalf("readADU returned % x", adu)
			}
			resp := identityAnswer(adu)
			if len(resp) < 9 || !bytes.Equal(resp[:2], adu[:2]) || len(resp) != 6+int(binary.BigEndian.Uint16(resp[4:])) {
				t.Fatalf("answer % x to % x", resp, adu)
			}
		}
	})
}

func TestIdentityAnswer(t *testing.T) {
	// Transaction 5, unit 1, FC 43 MEI 14, individual access, object 2.
	req := []byte{0x00, 0x05, 0x00, 0x00, 0x00, 0x05, 0x01, 0x2B, 0x0E, 0x04, 0x02}
	got := identityAnswer(req)
	// Code 4, conformity 0x81, no more, next 0, one object: 02, len 5, "v3.10".
	want := append([]byte{0x00, 0x05, 0x00, 0x00, 0x00, 0x0F, 0x01, 0x2B, 0x0E, 0x04, 0x81, 0x00, 0x00, 0x01, 0x02, 0x05}, "v3.10"...)
	if !bytes.Equal(got, want) {
		t.Errorf("got % x\nwant % x", got, want)
	}
	// FC 3: illegal function.
	got = identityAnswer([]byte{0x00, 0x06, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x01})
	if want := []byte{0x00, 0x06, 0x00, 0x00, 0x00, 0x03, 0x01, 0x83, 0x01}; !bytes.Equal(got, want) {
		t.Errorf("got % x\nwant % x", got, want)
	}
}
