package intern

import (
	"strconv"
	"testing"
	"unsafe"
)

func TestCache(t *testing.T) {
	for _, limit := range []int{0, 512} {
		c := Cache{Max: limit}
		a := c.String([]byte("sensors/temp"))
		b := c.String([]byte("sensors/temp"))
		if a != "sensors/temp" || unsafe.StringData(a) != unsafe.StringData(b) {
			t.Fatalf("not interned: %q %q", a, b)
		}
		if n := testing.AllocsPerRun(100, func() { c.String([]byte("sensors/temp")) }); n != 0 {
			t.Errorf("lookup allocates %v times", n)
		}
		want := limit
		if want == 0 {
			want = DefaultMax
		}
		grew := 0
		for i := 0; i < 3*want; i++ {
			c.String([]byte("t/" + strconv.Itoa(i)))
			grew = max(grew, c.Len())
		}
		if grew != want {
			t.Errorf("Max %d: cache grew to %d, want %d", limit, grew, want)
		}
		long := make([]byte, MaxLen+1)
		c.String(long)
		if _, ok := c.m[string(long)]; ok {
			t.Errorf("long string cached")
		}
		if c.String(nil) != "" {
			t.Errorf("empty")
		}
	}
}
