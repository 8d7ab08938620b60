package mqtt

import (
	"bytes"
	"unicode/utf8"
)

// internMax bounds the string caches of a flow: topics, client ids,
// filters and property strings repeat more than a TLS flow's names do.
const internMax = 512

// validString reports whether b is a well-formed MQTT UTF-8 string
// (MQTT 3.1.1 1.5.3, 5.0 1.5.4): valid UTF-8 (which excludes the
// surrogates U+D800-U+DFFF) without U+0000.
func validString(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}
