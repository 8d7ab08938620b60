package metrics

import (
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// values gathers c and returns every sample as `name{l1="v1",...}` → value,
// labels in name order (the exposition's form).
func values(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			slices.Sort(ls)
			key := mf.GetName()
			if len(ls) > 0 {
				key += "{" + strings.Join(ls, ",") + "}"
			}
			var v float64
			switch {
			case m.GetCounter() != nil:
				v = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				v = m.GetGauge().GetValue()
			default:
				t.Fatalf("%s: neither counter nor gauge", key)
			}
			if _, dup := out[key]; dup {
				t.Fatalf("%s reported twice", key)
			}
			out[key] = v
		}
	}
	return out
}

// nonZero returns the samples of vs, of the metrics named, that are not 0.
func nonZero(vs map[string]float64, names ...string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range vs {
		name, _, _ := strings.Cut(k, "{")
		if v != 0 && slices.Contains(names, name) {
			out[k] = v
		}
	}
	return out
}

// unhex decodes hex with spaces.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}
