package capture

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// ErrNotCapture is matched (errors.Is) by the error Open returns for a file
// that is neither pcap nor pcapng, compressed or not, and for an empty file.
var ErrNotCapture = errors.New("not a capture file")

// notCaptureError names the file and shows what it starts with.
type notCaptureError struct {
	path   string
	head   []byte // up to 4 first bytes (after decompression when gzip)
	gzip   bool
	reason string // set instead of head for special cases
}

func (e *notCaptureError) Error() string {
	why := e.reason
	if why == "" {
		why = "no pcap or pcapng magic: starts with " + spacedHex(e.head)
	}
	if e.gzip {
		why = "gzip-compressed, " + why
	}
	return "capture: " + e.path + " is not a capture file (" + why + ")"
}

func (e *notCaptureError) Is(target error) bool { return target == ErrNotCapture }

func spacedHex(b []byte) string {
	s := make([]byte, 0, 3*len(b))
	for i, c := range b {
		if i > 0 {
			s = append(s, ' ')
		}
		s = hex.AppendEncode(s, []byte{c})
	}
	return string(s)
}

// DamageError reports a truncated or damaged part of a capture file. Every
// packet before it was returned. It unwraps to the underlying error, so
// errors.Is(err, io.ErrUnexpectedEOF) tells a truncation.
type DamageError struct {
	Path string // the file, as given to Open or NewReader
	// What was being read: "file header", "gzip header", "record" (pcap)
	// or "block" (pcapng).
	What string
	// Offset is where that part starts: a byte offset in the file, or in
	// the decompressed stream when Gzip is set (except for "gzip header",
	// which is at offset 0 of the file).
	Offset int64
	Gzip   bool  // the file is gzip-compressed
	Err    error // the cause: io.ErrUnexpectedEOF, a gzip or pcapgo error, a limit
}

func (e *DamageError) Error() string {
	kind := "damaged "
	if errors.Is(e.Err, io.ErrUnexpectedEOF) {
		kind = "truncated "
	}
	where := " at byte offset " + strconv.FormatInt(e.Offset, 10)
	if e.Gzip && e.What != "gzip header" {
		where += " (uncompressed)"
	}
	return fmt.Sprintf("capture: %s: %s%s%s: %v", e.Path, kind, e.What, where, e.Err)
}

// Unwrap returns the cause.
func (e *DamageError) Unwrap() error { return e.Err }
