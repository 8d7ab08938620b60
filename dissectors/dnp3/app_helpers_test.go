package dnp3

import (
	"fmt"
	"strings"
	"testing"
)

// summarize writes the application fields of r in a compact form that the
// table tests spell out by hand from the specification.
func summarize(r *Record, f *findings) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", r.Function)
	if r.Response {
		fmt.Fprintf(&b, " iin=%s", strings.Join(IINNames(r.IIN, nil), ","))
	}
	for _, o := range r.Objects {
		fmt.Fprintf(&b, " | g%dv%d q%02x %s", o.Group, o.Variation, o.Qualifier, o.Name)
		if o.HasRange {
			fmt.Fprintf(&b, " [%d-%d]", o.Start, o.Stop)
		}
		fmt.Fprintf(&b, " n=%d", o.Count)
		for _, p := range o.Points {
			b.WriteString(" {" + pointSummary(p) + "}")
		}
	}
	for _, a := range f.Names(Anomalies) {
		b.WriteString(" !" + a)
	}
	return b.String()
}

func pointSummary(p Point) string {
	switch p.kind {
	case pkCROB:
		return fmt.Sprintf("i=%d cc=%02x n=%d on=%d off=%d st=%d", p.Index, p.ControlCode, p.Count, p.OnTime, p.OffTime, p.Status)
	case pkAnalogOut:
		return fmt.Sprintf("i=%d v=%g st=%d", p.Index, p.Value, p.Status)
	case pkTime:
		return fmt.Sprintf("t=%d iv=%d", p.Time, p.Interval)
	case pkAttribute:
		if isTextType(p.dtype) {
			return fmt.Sprintf("a=%d %s %q", p.vari, dataTypeName(p.dtype), p.Text)
		}
		return fmt.Sprintf("a=%d %s %g", p.vari, dataTypeName(p.dtype), p.Value)
	case pkIIN:
		return fmt.Sprintf("i=%d %v", p.Index, p.Bit)
	}
	return fmt.Sprintf("i=%d", p.Index)
}

// decodeHex runs a fresh decoder on one fragment.
func decodeHex(t testing.TB, h string) (*Record, *findings) {
	t.Helper()
	var d appDecoder
	var r Record
	var f findings
	d.decode(unhex(t, h), &r, &f)
	return &r, &f
}
