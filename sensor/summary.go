package sensor

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/otsensor/otsensor/sensor/flow"
)

// Summary is what a replay did. Its JSON form is part of the CLI's
// output (`otsensor replay -o json`).
type Summary struct {
	Files            int               `json:"files"`
	FileErrors       []FileError       `json:"file_errors"`
	Packets          uint64            `json:"packets"`
	Bytes            uint64            `json:"bytes"`
	Duration         time.Duration     `json:"-"`
	DurationSeconds  float64           `json:"duration_seconds"`
	PacketsPerSecond float64           `json:"packets_per_second"`
	FirstPacket      time.Time         `json:"first_packet"`
	LastPacket       time.Time         `json:"last_packet"`
	Flows            uint64            `json:"flows"`
	FlowsTCP         uint64            `json:"flows_tcp"`
	FlowsUDP         uint64            `json:"flows_udp"`
	FlowsOther       uint64            `json:"flows_other"`
	Devices          int               `json:"devices"`
	Events           uint64            `json:"events"`
	Anomalies        uint64            `json:"anomalies"`
	DecodeErrors     uint64            `json:"decode_errors"`
	Truncated        uint64            `json:"truncated_packets"`
	NonIP            uint64            `json:"non_ip_packets"`
	Fragments        uint64            `json:"ip_fragments"`
	Reassembled      uint64            `json:"ip_reassembled"`
	UnsupportedLinks map[string]uint64 `json:"unsupported_link_types"`
	StreamGaps       uint64            `json:"stream_gaps"`
	ParserPanics     uint64            `json:"parser_panics"`
	FlowTableFull    uint64            `json:"flow_table_full"`
}

func (s *Summary) notePacketTime(t time.Time) {
	if s.FirstPacket.IsZero() || t.Before(s.FirstPacket) {
		s.FirstPacket = t
	}
	if t.After(s.LastPacket) {
		s.LastPacket = t
	}
}

func (s *Summary) fill(w *flow.Worker, d time.Duration) {
	ds, fs := &w.Decoder.Stats, &w.Stats
	s.Packets, s.Bytes = ds.Packets, ds.Bytes
	s.Duration = d
	s.DurationSeconds = d.Seconds()
	if d > 0 {
		s.PacketsPerSecond = float64(s.Packets) / d.Seconds()
	}
	s.FlowsTCP, s.FlowsUDP, s.FlowsOther = fs.FlowsTCP, fs.FlowsUDP, fs.FlowsOther
	s.Flows = fs.FlowsTCP + fs.FlowsUDP + fs.FlowsOther
	s.Events, s.Anomalies = fs.Events, fs.Anomalies
	s.DecodeErrors, s.Truncated, s.NonIP = ds.DecodeErrors, ds.Truncated, ds.NonIP
	s.Fragments, s.Reassembled = ds.Fragments, ds.Reassembled
	s.StreamGaps, s.ParserPanics, s.FlowTableFull = fs.Gaps, fs.ParserPanics, fs.FlowTableFull
	s.UnsupportedLinks = map[string]uint64{}
	for lt, n := range ds.UnsupportedLinks {
		s.UnsupportedLinks[fmt.Sprintf("%s (%d)", lt, uint32(lt))] = n
	}
	if s.FileErrors == nil {
		s.FileErrors = []FileError{}
	}
}

// WriteText writes the summary for people.
func (s *Summary) WriteText(w io.Writer) {
	p := func(k string, v any) { fmt.Fprintf(w, "  %-16s %v\n", k, v) }
	fmt.Fprintln(w, "replay summary:")
	p("files", fmt.Sprintf("%d (%d with errors)", s.Files, len(s.FileErrors)))
	p("packets", s.Packets)
	p("bytes", s.Bytes)
	p("duration", s.Duration.Round(time.Millisecond))
	p("packets/s", fmt.Sprintf("%.0f", s.PacketsPerSecond))
	if !s.FirstPacket.IsZero() {
		p("capture time", s.FirstPacket.UTC().Format(time.RFC3339)+" .. "+s.LastPacket.UTC().Format(time.RFC3339))
	}
	p("flows", fmt.Sprintf("%d (tcp %d, udp %d, other %d)", s.Flows, s.FlowsTCP, s.FlowsUDP, s.FlowsOther))
	p("devices", s.Devices)
	p("protocol events", s.Events)
	p("anomalies", s.Anomalies)
	p("decode errors", s.DecodeErrors)
	if len(s.UnsupportedLinks) > 0 {
		keys := make([]string, 0, len(s.UnsupportedLinks))
		for k, n := range s.UnsupportedLinks {
			keys = append(keys, fmt.Sprintf("%s: %d", k, n))
		}
		slices.Sort(keys)
		p("unsupported links", strings.Join(keys, ", "))
	}
	if s.StreamGaps > 0 {
		p("stream gaps", s.StreamGaps)
	}
	if s.ParserPanics > 0 {
		p("parser panics", s.ParserPanics)
	}
	if s.FlowTableFull > 0 {
		p("flow table full", s.FlowTableFull)
	}
	for _, fe := range s.FileErrors {
		fmt.Fprintf(w, "  error: %s\n", fe.Msg)
	}
}

func statSize(name string) (int64, error) {
	st, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
