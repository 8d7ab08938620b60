package mqtt

import (
	"bytes"
	"unicode/utf8"
)

// Interning bounds: a cache holds at most internMaxEntries strings of at
// most internMaxLen bytes; when full it is emptied (a flow whose topics
// keep changing then allocates, steady traffic does not).
const (
	internMaxEntries = 512
	internMaxLen     = 256
)

// internCache returns the same Go string for equal byte strings, so that
// topics, client ids, filters and property strings that repeat cost no
// allocation. Looking a []byte up as string(b) in a map does not allocate.
type internCache struct {
	m map[string]string
}

// intern returns b as a string, from the cache when it is there.
func (c *internCache) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > internMaxLen {
		return string(b)
	}
	if s, ok := c.m[string(b)]; ok {
		return s
	}
	if c.m == nil {
		c.m = make(map[string]string, 64)
	} else if len(c.m) >= internMaxEntries {
		clear(c.m)
	}
	s := string(b)
	c.m[s] = s
	return s
}

// validString reports whether b is a well-formed MQTT UTF-8 string
// (MQTT 3.1.1 1.5.3, 5.0 1.5.4): valid UTF-8 (which excludes the
// surrogates U+D800-U+DFFF) without U+0000.
func validString(b []byte) bool {
	return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0
}
