package mqtt

import (
	"testing"
)

// BenchmarkDecode decodes common packets with a warm decoder: the strings
// are interned after the first round, so steady traffic allocates nothing.
func BenchmarkDecode(b *testing.B) {
	cases := []struct {
		name string
		ver  uint8
		hex  string
	}{
		{"publish_qos0_3.1.1", 4, "30 1b 000e 73656e736f72732f312f74656d70 32312e35 7b2274223a317d"},
		{"publish_qos1_3.1.1", 4, "32 1d 000e 73656e736f72732f312f74656d70 0007 32312e35 7b2274223a317d"},
		// topic alias, message expiry, content type, user property
		{"publish_qos1_5.0_props", 5, "32 34 000e 73656e736f72732f312f74656d70 0007 16 23 0001 02 0000003c 03 0004 6a736f6e 26 0001 6b 0001 76 32312e35 7b2274223a317d"},
		{"puback_3.1.1", 4, "40 02 0007"},
		{"puback_5.0_reason", 5, "40 03 0007 10"},
		{"subscribe_3.1.1", 4, "82 16 0001 0003 612f23 01 0005 732f2b2f78 00 0003 612f62 02"},
		{"connect_5.0", 5, connectPassword},
	}
	for _, c := range cases {
		h, body, n, ok := pkSplit(unhex(b, c.hex))
		if !ok || len(body) != n {
			b.Fatalf("%s: bad packet", c.name)
		}
		b.Run(c.name, func(b *testing.B) {
			d := packetDecoder{}
			var r Record
			var f findings
			d.decode(h, body, n, c.ver, &r, &f)
			if !f.Empty() {
				b.Fatalf("anomalies %v", f.Names(Anomalies))
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				f.Reset()
				d.decode(h, body, n, c.ver, &r, &f)
			}
			if s := b.Elapsed().Seconds(); s > 0 {
				b.ReportMetric(float64(b.N)/s, "pkts/s")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/packet")
			}
		})
	}
}
