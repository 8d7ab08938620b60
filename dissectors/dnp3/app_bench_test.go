package dnp3

import "testing"

// benchFragments: a class 0 response (binary inputs with flags, analog
// inputs, counters), a CROB operate, and a g0 attribute response.
var benchFragments = []string{
	"C0 81 00 00 | 01 02 00 00 07 81 01 81 01 81 01 81 01 | 1E 01 00 00 03 01 E8 03 00 00 01 D0 07 00 00 01 B8 0B 00 00 01 A0 0F 00 00 | 14 01 00 00 01 01 05 00 00 00 01 06 00 00 00",
	"C2 04 0C 01 28 01 00 05 00 41 01 E8 03 00 00 00 00 00 00 00",
	"C0 81 00 00 | 00 FC 00 FC FC 01 04 41 43 4D 45 | 00 FA 00 FA FA 01 05 52 54 55 2D 31 | 00 F2 00 F2 F2 01 03 31 2E 32 | 00 F0 00 F0 F0 02 02 00 08",
}

func BenchmarkDecode(b *testing.B) {
	frags := make([][]byte, len(benchFragments))
	size := 0
	for i, h := range benchFragments {
		frags[i] = unhex(b, h)
		size += len(frags[i])
	}
	var d appDecoder
	var r Record
	var f findings
	b.ReportAllocs()
	b.SetBytes(int64(size / len(frags)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f.Reset()
		d.decode(frags[i%len(frags)], &r, &f)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frags/s")
}
