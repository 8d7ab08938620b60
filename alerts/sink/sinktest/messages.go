package sinktest

import (
	"fmt"
	"time"

	"github.com/otsensor/otsensor/alerts/sink"
)

// Messages makes n alert messages with sequence numbers first, first+1,
// ... and ids "m%04d" of those numbers (so that every body has the same
// length), whose bodies follow the otsensor message schema.
func Messages(first, n int) []sink.Message {
	out := make([]sink.Message, n)
	for i := range out {
		id := fmt.Sprintf("m%04d", first+i)
		out[i] = sink.Message{
			Seq:  uint64(first + i),
			ID:   id,
			Type: sink.TypeAlert,
			Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
			Body: fmt.Appendf(nil, `{"schema":"otsensor.message","v":1,"id":%q,"type":"alert","sensor_id":"s1","time":"2025-01-02T03:04:05Z","alert":{"rule":"modbus.write","severity":"high"}}`, id),
		}
	}
	return out
}
