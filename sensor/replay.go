// Package sensor runs the capture → decode → flow → dissector pipeline
// over capture files (Replay) and reports what it did.
package sensor

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/sensor/capture"
	"github.com/otsensor/otsensor/sensor/flow"
)

// ReplayConfig is what Replay needs besides the files.
type ReplayConfig struct {
	Flow       flow.Config
	Dissectors []dissectors.Dissector
	Observer   flow.Observer
	// Progress, when set, is called now and then with the bytes of the
	// capture files read so far and their total size.
	Progress func(done, total int64)
	// Clock measures the replay's wall-clock duration for the summary
	// (never the pipeline's time, which comes from packets).
	Clock func() time.Time
}

// FileError is a capture file that could not be read to its end. Packets
// before the damage were processed.
type FileError struct {
	File string `json:"file"`
	Err  error  `json:"-"`
	Msg  string `json:"error"`
}

// progressEvery is how many packets pass between progress calls and
// cancellation checks.
const progressEvery = 1 << 14

// Replay feeds every packet of files, in order, through one worker and
// returns what happened. A damaged or unreadable file is recorded in the
// summary and the next file is read. Cancelling ctx stops reading; flows
// are still closed and reported. The error is ctx's, if any.
func Replay(ctx context.Context, files []string, cfg ReplayConfig) (*Summary, error) {
	clock := cfg.Clock
	if clock == nil {
		clock = time.Now
	}
	started := clock()
	sizes, total := fileSizes(files)
	w := flow.NewWorker(cfg.Flow, cfg.Dissectors, cfg.Observer)
	s := &Summary{}
	var done int64
	var pkt capture.Packet
	var err error
	for i, name := range files {
		if err = ctx.Err(); err != nil {
			break
		}
		s.Files++
		ferr := replayFile(ctx, name, w, &pkt, s, func(n int64) {
			if cfg.Progress != nil {
				cfg.Progress(done+n, total)
			}
		})
		done += sizes[i]
		if ferr != nil {
			if errors.Is(ferr, context.Canceled) || errors.Is(ferr, context.DeadlineExceeded) {
				err = ferr
				break
			}
			s.FileErrors = append(s.FileErrors, FileError{File: name, Err: ferr, Msg: ferr.Error()})
		}
	}
	w.Close()
	if cfg.Progress != nil {
		cfg.Progress(total, total)
	}
	s.fill(w, clock().Sub(started))
	return s, err
}

func replayFile(ctx context.Context, name string, w *flow.Worker, pkt *capture.Packet, s *Summary, progress func(int64)) error {
	f, err := capture.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	for n := 1; ; n++ {
		if err := f.Next(pkt); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		s.notePacketTime(pkt.Info.Timestamp)
		w.Handle(pkt.Data, pkt.Info, pkt.LinkType)
		if n%progressEvery == 0 {
			read, _ := f.Progress()
			progress(read)
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
}

// fileSizes returns each file's size on disk (0 when unknown) and the sum.
func fileSizes(files []string) ([]int64, int64) {
	sizes := make([]int64, len(files))
	var total int64
	for i, name := range files {
		if st, err := statSize(name); err == nil {
			sizes[i] = st
			total += st
		}
	}
	return sizes, total
}
