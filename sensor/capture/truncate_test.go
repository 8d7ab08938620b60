package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestTruncateEveryOffset cuts each test file at every byte offset and
// checks that the reader returns every packet that ends before the cut,
// then io.EOF when the cut is on a record (block) boundary and otherwise a
// *DamageError naming the file and the start of the cut record, then
// io.EOF for good.
func TestTruncateEveryOffset(t *testing.T) {
	for _, b := range allBuilt(t) {
		t.Run(b.name, func(t *testing.T) {
			for cut := 0; cut <= len(b.data); cut++ {
				if err := checkCut(t, b, cut); err != nil {
					t.Fatalf("cut at %d of %d: %v", cut, len(b.data), err)
				}
			}
		})
	}
}

func checkCut(t *testing.T, b built, cut int) error {
	f, err := NewReader(b.name, bytes.NewReader(b.data[:cut]))
	switch {
	case cut == 0:
		if !errors.Is(err, ErrNotCapture) {
			return fmt.Errorf("Open: %v, want ErrNotCapture", err)
		}
		return nil
	case cut < b.headerEnd:
		return wantDamage(err, b.name, 0, true)
	case err != nil:
		return fmt.Errorf("Open: %v", err)
	}

	boundary := cut == b.headerEnd
	var want []wantPacket
	damaged := -1 // start of the unit the cut falls in
	for _, u := range b.units {
		if u.end <= cut && u.packet >= 0 {
			want = append(want, b.packets[u.packet])
		}
		if u.end == cut {
			boundary = true
		}
		if u.start < cut && cut < u.end {
			damaged = u.start
		}
	}
	got, err := readAll(t, f, len(b.packets))
	if len(got) != len(want) {
		return fmt.Errorf("got %d packets, want %d (err %v)", len(got), len(want), err)
	}
	for i := range want {
		if !bytes.Equal(got[i].Data, want[i].data) || !got[i].Info.Timestamp.Equal(want[i].ts) {
			return fmt.Errorf("packet %d differs", i)
		}
	}
	if boundary {
		if err != nil {
			return fmt.Errorf("cut on a boundary: %v, want io.EOF", err)
		}
	} else if err := wantDamage(err, b.name, int64(damaged), true); err != nil {
		return err
	}
	var p Packet
	for range 2 {
		if err := f.Next(&p); err != io.EOF {
			return fmt.Errorf("Next after the end: %v", err)
		}
	}
	return nil
}

// wantDamage checks that err is a *DamageError for path at offset.
func wantDamage(err error, path string, offset int64, truncated bool) error {
	var de *DamageError
	if !errors.As(err, &de) {
		return fmt.Errorf("error %v (%T), want *DamageError", err, err)
	}
	if de.Path != path || de.Offset != offset {
		return fmt.Errorf("%v: path %q offset %d, want %q %d", err, de.Path, de.Offset, path, offset)
	}
	if truncated != errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%v: truncated = %v, want %v", err, !truncated, truncated)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "capture: "+path+": ") || !strings.Contains(msg, fmt.Sprintf(" at byte offset %d", offset)) {
		return fmt.Errorf("message %q does not name the file and offset", msg)
	}
	return nil
}

// TestTruncateGzipEveryOffset cuts the compressed form of each test file
// at every byte: the reader must return a prefix of the packets and then
// an error (a truncated gzip file is never a clean end), with the offset
// in the uncompressed stream of the first record it could not return.
func TestTruncateGzipEveryOffset(t *testing.T) {
	for _, b := range allBuilt(t) {
		gz := gzipped(t, b.data)
		name := b.name + ".gz"
		t.Run(name, func(t *testing.T) {
			for cut := 1; cut < len(gz); cut++ {
				if err := checkGzipCut(t, b, name, gz[:cut]); err != nil {
					t.Fatalf("cut at %d of %d: %v", cut, len(gz), err)
				}
			}
		})
	}
}

func checkGzipCut(t *testing.T, b built, name string, data []byte) error {
	f, err := NewReader(name, bytes.NewReader(data))
	if err != nil {
		var de *DamageError
		if !errors.As(err, &de) || de.Offset != 0 {
			return fmt.Errorf("Open: %v, want a *DamageError at 0", err)
		}
		return nil
	}
	got, err := readAll(t, f, len(b.packets))
	if err == nil {
		return fmt.Errorf("clean end after %d packets", len(got))
	}
	var de *DamageError
	if !errors.As(err, &de) || !de.Gzip || !strings.Contains(err.Error(), "(uncompressed)") {
		return fmt.Errorf("error %v, want a gzip *DamageError", err)
	}
	for i := range got {
		if !bytes.Equal(got[i].Data, b.packets[i].data) {
			return fmt.Errorf("packet %d differs", i)
		}
	}
	// The damaged unit starts after the last returned packet's unit and
	// no later than the next packet's unit.
	lo, hi := int64(b.headerEnd), int64(len(b.data))
	for _, u := range b.units {
		if u.packet >= 0 && u.packet == len(got)-1 {
			lo = int64(u.end)
		}
		if u.packet >= 0 && u.packet == len(got) {
			hi = int64(u.start)
		}
	}
	// When every packet came out, the gzip stream broke after the last
	// record: the offset is then the end of the uncompressed data.
	ok := hi == int64(len(b.data)) && de.Offset == hi
	for _, u := range b.units {
		if s := int64(u.start); s == de.Offset && lo <= s && s <= hi {
			ok = true
		}
	}
	if !ok {
		return fmt.Errorf("%v: offset not a record start in [%d, %d]", err, lo, hi)
	}
	var p Packet
	if err := f.Next(&p); err != io.EOF {
		return fmt.Errorf("Next after the error: %v", err)
	}
	return nil
}
