package dissectortest

import (
	"time"

	"github.com/otsensor/otsensor/dissectors"
)

// Counter counts the records and anomalies emitted to it.
type Counter struct{ Records, Anomalies int }

// Emit counts ev.
func (c *Counter) Emit(ev *dissectors.Event) {
	if ev.Anomaly != nil {
		c.Anomalies++
	} else {
		c.Records++
	}
}

// Feeder parses the segments of one flow the way the flow layer does: the
// bytes a Parse call leaves unconsumed come back, per direction, in front
// of the next segment. Its buffers are reused, so feeding allocates
// nothing once they have grown; benchmarks rely on that.
type Feeder struct {
	P    dissectors.Parser
	Sink Counter // what P emitted
	left [2][]byte
	buf  []byte
}

// Feed parses seg, sent in direction dir at ts.
func (f *Feeder) Feed(dir dissectors.Direction, seg []byte, ts time.Time) {
	left := &f.left[dir&1]
	data := seg
	if len(*left) > 0 {
		f.buf = append(append(f.buf[:0], *left...), seg...)
		data = f.buf
	}
	n, _ := f.P.Parse(dir, data, ts, &f.Sink)
	*left = append((*left)[:0], data[n:]...)
}
