package main

import (
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/otsensor/otsensor/inventory"
)

func (a *app) linksCmd() *cobra.Command {
	return listCmd(a, &cobra.Command{
		Use:   "links",
		Short: "List who talks to whom: client → server port, per protocol",
	}, func(s *inventory.Snapshot) []*inventory.LinkView { return s.Links }, writeLinkTable)
}

func writeLinkTable(w io.Writer, links []*inventory.LinkView, wide bool) error {
	header := []string{"CLIENT", "SERVER", "PROTO", "PORT", "APP", "FLOWS", "PACKETS", "EVENTS", "LAST SEEN"}
	if wide {
		header = append(header, "CLIENT ID", "SERVER ID", "FIRST SEEN", "BYTES", "ANOMALIES", "FUNCTION CODES")
	}
	t := newTable(w, header...)
	for _, l := range links {
		row := []string{l.ClientIP.String(), l.ServerIP.String(), l.Transport, strconv.Itoa(int(l.Port)), l.AppProto,
			u64(l.Flows), u64(l.Packets), u64(l.Events), stamp(l.LastSeen)}
		if wide {
			row = append(row, l.ClientID, l.ServerID, stamp(l.FirstSeen), u64(l.Bytes), u64(l.Anomalies), functionCodes(l))
		}
		t.row(row...)
	}
	return t.flush()
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

// functionCodes lists the link's function codes, per protocol when it
// carried several.
func functionCodes(l *inventory.LinkView) string {
	var parts []string
	if l.Modbus != nil {
		parts = append(parts, codes(l.Modbus.FunctionCodes))
	}
	if l.DNP3 != nil {
		parts = append(parts, codes(l.DNP3.FunctionCodes))
	}
	return strings.Join(parts, " ")
}

func codes(m map[uint8]uint64) string {
	fcs := slices.Sorted(maps.Keys(m))
	s := make([]string, len(fcs))
	for i, fc := range fcs {
		s[i] = strconv.Itoa(int(fc))
	}
	return strings.Join(s, ",")
}
