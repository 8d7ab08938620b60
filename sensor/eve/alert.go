package eve

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"time"
)

// Alert is one alert line of the events output:
//
//	timestamp   when the alert was first raised (packet time)
//	flow_id     the flow that raised it, when one did
//	event_type  "alert"
//	src_ip, src_port, dest_ip, dest_port   the alert's source and
//	            destination (a port only when the alert has one)
//	proto       "TCP", "UDP", ..., when known
//	app_proto   the protocol the alert is about, when there is one
//	alert       {"id", "rule", "title", "severity", "engine", "category",
//	            "mitre": {"id", "name"}, "count"}
//
// An alert line is written once, when the alert is first raised; its
// repeats raise the stored alert's count and are not written again.
// This package does not import the alerts package (it is an earlier
// stage): the caller fills Alert from alerts.Alert.
type Alert struct {
	Time      time.Time
	FlowID    uint64
	Src, Dest netip.AddrPort // an invalid address is left out, a zero port too
	Proto     string
	AppProto  string
	Alert     AlertInfo
}

// AlertInfo is the "alert" object of an alert line.
type AlertInfo struct {
	ID       string     `json:"id"`
	Rule     string     `json:"rule"`
	Title    string     `json:"title"`
	Severity string     `json:"severity"`
	Engine   string     `json:"engine"`
	Category string     `json:"category,omitempty"`
	MITRE    *Technique `json:"mitre,omitempty"`
	Count    uint64     `json:"count"`
}

// Technique is a MITRE ATT&CK for ICS technique.
type Technique struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// WriteAlert writes a as one line.
func (e *Writer) WriteAlert(a *Alert) {
	if e.err != nil {
		return
	}
	e.writeLine(AppendAlert(e.buf[:0], a))
}

// AppendAlert appends a's JSON object to b.
func AppendAlert(b []byte, a *Alert) ([]byte, error) {
	b = append(b, `{"timestamp":"`...)
	b = a.Time.UTC().AppendFormat(b, timeLayout)
	b = append(b, '"')
	if a.FlowID != 0 {
		b = append(b, `,"flow_id":`...)
		b = strconv.AppendUint(b, a.FlowID, 10)
	}
	b = append(b, `,"event_type":"alert"`...)
	b = appendAlertEndpoint(b, "src", a.Src)
	b = appendAlertEndpoint(b, "dest", a.Dest)
	if a.Proto != "" {
		b = append(b, `,"proto":`...)
		b = appendString(b, a.Proto)
	}
	if a.AppProto != "" {
		b = append(b, `,"app_proto":`...)
		b = appendString(b, a.AppProto)
	}
	obj, err := json.Marshal(&a.Alert)
	if err != nil {
		return b, err
	}
	b = append(b, `,"alert":`...)
	b = append(b, obj...)
	return append(b, '}'), nil
}

// appendAlertEndpoint appends side's ip and port, each when it is set.
func appendAlertEndpoint(b []byte, side string, ap netip.AddrPort) []byte {
	if ap.Addr().IsValid() {
		b = append(b, `,"`...)
		b = append(b, side...)
		b = append(b, `_ip":"`...)
		b = ap.Addr().AppendTo(b)
		b = append(b, '"')
	}
	if ap.Port() != 0 {
		b = append(b, `,"`...)
		b = append(b, side...)
		b = append(b, `_port":`...)
		b = strconv.AppendUint(b, uint64(ap.Port()), 10)
	}
	return b
}
