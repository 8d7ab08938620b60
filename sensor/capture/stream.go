package capture

import (
	"io"
	"sync/atomic"
)

// diskCounter counts the bytes read from the file on disk, for Progress.
type diskCounter struct {
	r io.Reader
	n atomic.Int64
}

func (d *diskCounter) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.n.Add(int64(n))
	return n, err
}

// stream is the (decompressed) byte stream under the bufio.Reader that
// pcapgo reads. It counts the bytes it hands on, so that the offset of
// pcapgo's next byte is n minus what the bufio.Reader holds, remembers how
// the source ended, and lets the pcapng framer cut the stream in front of a
// block pcapgo must not read.
type stream struct {
	r   io.Reader
	n   int64 // bytes handed on
	err error // first error from r; io.EOF at a clean end
	fr  ngFramer
	cut error // set once the framer refused a block
}

func (s *stream) Read(p []byte) (int, error) {
	if s.cut != nil {
		return 0, s.cut
	}
	k, err := s.r.Read(p)
	if err != nil && s.err == nil {
		s.err = err
	}
	if k > 0 {
		if keep, cut := s.fr.scan(p[:k], s.n); cut != nil {
			s.cut = cut
			k, err = keep, nil
			if k == 0 {
				err = cut
			}
		}
	}
	s.n += int64(k)
	return k, err
}

// sourceFailed returns the source's error when it ended with anything but
// a clean io.EOF.
func (s *stream) sourceFailed() error {
	if s.err != nil && s.err != io.EOF {
		return s.err
	}
	return nil
}
