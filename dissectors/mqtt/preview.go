package mqtt

import (
	"encoding/hex"
	"unicode"
	"unicode/utf8"
)

// Preview encodings (Record.PreviewEncoding).
const (
	PreviewUTF8 = "utf-8"
	PreviewHex  = "hex"
)

// setPreview sets r's payload preview from the available payload bytes p
// (total is the whole payload's length): at most d.preview bytes, as text
// when they are valid, printable UTF-8 (tab, CR and LF allowed), else as
// lower-case hex. A rune cut by the cap is dropped from the text.
func (d *packetDecoder) setPreview(r *Record, p []byte, total int) {
	if len(p) > total {
		p = p[:total]
	}
	if len(p) > d.preview {
		p = p[:d.preview]
		if j := lastRuneStart(p); j >= 0 && !utf8.FullRune(p[j:]) {
			if t := p[:j]; len(t) > 0 && printable(t) {
				p = t
			}
		}
	}
	if len(p) == 0 {
		return
	}
	if printable(p) {
		r.Preview, r.PreviewEncoding = d.previews.String(p), PreviewUTF8
		return
	}
	d.hexBuf = hex.AppendEncode(d.hexBuf[:0], p)
	r.Preview, r.PreviewEncoding = d.previews.String(d.hexBuf), PreviewHex
}

// lastRuneStart is the index of the start of p's last (possibly partial)
// rune, looking back at most 3 octets; -1 when there is none.
func lastRuneStart(p []byte) int {
	for j := len(p) - 1; j >= 0 && j >= len(p)-utf8.UTFMax; j-- {
		if utf8.RuneStart(p[j]) {
			return j
		}
	}
	return -1
}

// printable reports whether p is valid UTF-8 made of printable runes,
// tabs, CRs and LFs.
func printable(p []byte) bool {
	for len(p) > 0 {
		c, n := utf8.DecodeRune(p)
		if c == utf8.RuneError && n <= 1 {
			return false
		}
		if !unicode.IsPrint(c) && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
		p = p[n:]
	}
	return true
}
