package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"runtime/metrics"
	"testing"
)

// FuzzReader reads arbitrary bytes to the end, chunk+1 bytes per Read at
// most (or all at once when chunk is 0), so that headers straddle reads at
// random points. Invariants: no panic, no hang, errors of the documented
// kinds with offsets inside what was read, io.EOF after the end, packets
// no longer than MaxCaptureLength, and bounded allocation.
func FuzzReader(f *testing.F) {
	for i, b := range allBuilt(f) {
		f.Add(b.data, uint16(0))
		f.Add(gzipped(f, b.data), uint16(i))
	}
	for _, path := range smallestCaptures(f, 2, "modbus", "dnp3", "mqtt", "tls") {
		raw, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw, uint16(0))
		f.Add(raw, uint16(7))
		f.Add(gzipped(f, raw), uint16(0))
	}
	// Cumulative heap allocation; cheaper than runtime.ReadMemStats.
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	allocs := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16) {
		var r io.Reader = bytes.NewReader(data)
		if chunk != 0 {
			r = &chunkReader{r: r, max: int(chunk) + 1}
		}
		before := allocs()
		fuzzRead(t, r)
		// The read buffer and pcapgo's packet buffer, pcapng metadata up
		// to its limit, gzip state: far below this for any honest input.
		if alloc := allocs() - before; alloc > 256<<20 {
			t.Fatalf("allocated %d bytes for %d bytes of input", alloc, len(data))
		}
	})
}

// chunkReader returns at most max bytes per Read.
type chunkReader struct {
	r   io.Reader
	max int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.max {
		p = p[:c.max]
	}
	return c.r.Read(p)
}

func fuzzRead(t *testing.T, in io.Reader) {
	r, err := NewReader("fuzz", in)
	if err != nil {
		var de *DamageError
		if !errors.Is(err, ErrNotCapture) && !errors.As(err, &de) {
			t.Fatalf("Open: unexpected error type %T: %v", err, err)
		}
		return
	}
	var p Packet
	// Every packet takes at least 16 bytes of the (decompressed) stream.
	for i := 0; i < 1<<24; i++ {
		err := r.Next(&p)
		if err == nil {
			if len(p.Data) != p.Info.CaptureLength || len(p.Data) > MaxCaptureLength {
				t.Fatalf("packet %d: %d bytes, capture length %d", i, len(p.Data), p.Info.CaptureLength)
			}
			continue
		}
		if err != io.EOF {
			var de *DamageError
			if !errors.As(err, &de) {
				t.Fatalf("Next: unexpected error type %T: %v", err, err)
			}
			if de.Offset < 0 || de.Offset > r.s.n {
				t.Fatalf("offset %d outside the %d bytes read", de.Offset, r.s.n)
			}
		}
		if err := r.Next(&p); err != io.EOF {
			t.Fatalf("Next after %v: %v", err, err)
		}
		return
	}
	t.Fatal("no end after 2^24 packets")
}
