package mqtt

import "testing"

func TestPreview(t *testing.T) {
	cases := []struct {
		name    string
		preview int
		pkt     string
		text    string
		enc     string
	}{
		{"off", 0, "30 0c 0005 612f622f63 68656c6c6f", "", ""},
		{"text", 64, "30 0c 0005 612f622f63 68656c6c6f", "hello", PreviewUTF8},
		{"text capped", 3, "30 0c 0005 612f622f63 68656c6c6f", "hel", PreviewUTF8},
		{"text with newline", 64, "30 06 0001 74 6f 0a 6b", "o\nk", PreviewUTF8},
		// payload 00 01 ff: not text
		{"binary as hex", 64, "30 06 0001 74 0001ff", "0001ff", PreviewHex},
		{"binary capped", 2, "30 06 0001 74 0001ff", "0001", PreviewHex},
		// "é" is c3 a9: a cap of 2 cuts it after "a", which stays text
		{"rune cut by the cap", 2, "30 06 0001 74 61c3a9", "a", PreviewUTF8},
		// invalid UTF-8 (a lone continuation byte)
		{"invalid utf-8 as hex", 64, "30 05 0001 74 61a9", "61a9", PreviewHex},
		{"empty payload", 64, "30 03 0001 74", "", ""},
		// 5.0: the properties are not part of the payload
		{"5.0 after properties", 64, "30 09 0001 74 03 23 0001 6f6b", "ok", PreviewUTF8},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := packetDecoder{preview: c.preview}
			ver := uint8(4)
			if c.name == "5.0 after properties" {
				ver = 5
			}
			r, anom := pkDecode(t, &d, ver, c.pkt)
			if len(anom) != 0 {
				t.Fatalf("anomalies %v", anom)
			}
			if r.Preview != c.text || r.PreviewEncoding != c.enc {
				t.Errorf("preview %q (%s), want %q (%s)", r.Preview, r.PreviewEncoding, c.text, c.enc)
			}
			m, _ := pkJSON(t, r)
			if c.text != "" && (m["payload_preview"] != c.text || m["payload_preview_encoding"] != c.enc) {
				t.Errorf("JSON preview %v %v", m["payload_preview"], m["payload_preview_encoding"])
			}
			if _, ok := m["payload_preview"]; c.text == "" && ok {
				t.Errorf("JSON has a preview: %v", m)
			}
		})
	}
}

// A cut packet previews the bytes it has.
func TestPreviewCut(t *testing.T) {
	d := packetDecoder{preview: 8}
	var r Record
	var f findings
	d.decode(0x30, unhex(t, "0001 74 616263"), 100, 4, &r, &f)
	if r.Preview != "abc" || r.PayloadLength != 97 {
		t.Fatalf("preview %q length %d", r.Preview, r.PayloadLength)
	}
}
