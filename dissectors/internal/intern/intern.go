// Package intern returns one Go string for equal byte strings, so that
// the strings a flow repeats (topics, client ids, SNI, ALPN) cost no
// allocation once seen.
package intern

// MaxLen is the longest byte string a Cache keeps; a longer one is
// converted on every call.
const MaxLen = 256

// DefaultMax is how many strings a Cache with Max 0 holds.
const DefaultMax = 256

// Cache returns the same string for equal byte strings. It holds at most
// Max strings (DefaultMax when Max is 0) of at most MaxLen bytes and is
// emptied when full: a flow whose strings keep changing then allocates,
// steady traffic does not. The zero Cache is ready to use.
type Cache struct {
	Max int
	m   map[string]string
}

// String returns b as a string, from the cache when it is there. Looking
// a []byte up as string(b) in a map does not allocate.
func (c *Cache) String(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > MaxLen {
		return string(b)
	}
	if s, ok := c.m[string(b)]; ok {
		return s
	}
	if c.m == nil {
		c.m = make(map[string]string, 16)
	} else if len(c.m) >= c.max() {
		clear(c.m)
	}
	s := string(b)
	c.m[s] = s
	return s
}

// Len is the number of strings held.
func (c *Cache) Len() int { return len(c.m) }

func (c *Cache) max() int {
	if c.Max <= 0 {
		return DefaultMax
	}
	return c.Max
}
