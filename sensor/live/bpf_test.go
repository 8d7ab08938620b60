package live

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/bpf"
)

// arpProgram is `tcpdump -ddd arp`: ldh [12]; jeq #0x806 jt 2 jf 3;
// ret #262144; ret #0.
const arpProgram = "4\n40 0 0 12\n21 0 1 2054\n6 0 0 262144\n6 0 0 0\n"

func TestParseBPF(t *testing.T) {
	arp := []bpf.RawInstruction{{Op: 0x28, K: 12}, {Op: 0x15, Jt: 0, Jf: 1, K: 0x806}, {Op: 0x06, K: 262144}, {Op: 0x06}}
	for _, c := range []struct {
		name, in string
		want     []bpf.RawInstruction
		err      string
	}{
		{"tcpdump -ddd", arpProgram, arp, ""},
		{"commas (iptables)", "4,40 0 0 12,21 0 1 2054,6 0 0 262144,6 0 0 0", arp, ""},
		{"CRLF and blank lines", "4\r\n\r\n40 0 0 12\r\n21 0 1 2054\r\n6 0 0 262144\r\n6 0 0 0\r\n\r\n", arp, ""},
		{"empty", " \n ", nil, "empty"},
		{"an expression", "tcp port 502", nil, "tcpdump -ddd"},
		{"count too small", "3\n40 0 0 12\n21 0 1 2054\n6 0 0 262144\n6 0 0 0", nil, "4 given"},
		{"count zero", "0", nil, "instruction count"},
		{"count huge", "5000", nil, "instruction count"},
		{"three fields", "1\n6 0 0", nil, "code jt jf k"},
		{"code out of range", "1\n65536 0 0 0", nil, "range"},
		{"jt out of range", "2\n21 256 0 1\n6 0 0 0", nil, "range"},
		{"negative k", "1\n6 0 0 -1", nil, "range"},
		// jeq jumping 2 ahead from instruction 0 of a 2-instruction program
		{"jump past the end", "2\n21 2 0 1\n6 0 0 0", nil, "past the end"},
		// ja +5 in a 2-instruction program
		{"ja past the end", "2\n5 0 0 5\n6 0 0 0", nil, "past the end"},
		// ld #0 last: no return
		{"no return", "1\n0 0 0 0", nil, "not a return"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseBPF(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
		})
	}
}

// FuzzParseBPF: any text is parsed or refused without panicking, and a
// parsed program stays inside its bounds.
func FuzzParseBPF(f *testing.F) {
	f.Add(arpProgram)
	f.Add("4,40 0 0 12,21 0 1 2054,6 0 0 262144,6 0 0 0")
	// tcpdump -ddd 'tcp port 502' on Ethernet
	f.Add("20\n40 0 0 12\n21 0 6 34525\n48 0 0 20\n21 0 15 6\n40 0 0 54\n21 12 0 502\n40 0 0 56\n21 10 11 502\n21 0 10 2048\n48 0 0 23\n21 0 8 6\n40 0 0 20\n69 6 0 8191\n177 0 0 14\n72 0 0 14\n21 2 0 502\n72 0 0 16\n21 0 1 502\n6 0 0 262144\n6 0 0 0\n")
	f.Fuzz(func(t *testing.T, s string) {
		prog, err := ParseBPF(s)
		if err != nil {
			return
		}
		if len(prog) == 0 || len(prog) > maxBPFInstructions || prog[len(prog)-1].Op&0x07 != bpfRet {
			t.Fatalf("accepted %d instructions ending %+v", len(prog), prog[len(prog)-1])
		}
		for i, in := range prog {
			if in.Op&0x07 == bpfJmp && in.Op&0xf0 != bpfJA && (i+1+int(in.Jt) >= len(prog) || i+1+int(in.Jf) >= len(prog)) {
				t.Fatalf("instruction %d %+v jumps out", i, in)
			}
		}
	})
}
