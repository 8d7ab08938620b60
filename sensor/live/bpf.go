package live

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/net/bpf"
)

// maxBPFInstructions is the kernel's limit on a classic BPF program
// (BPF_MAXINSNS).
const maxBPFInstructions = 4096

// Classic BPF instruction classes and the unconditional jump.
const (
	bpfJmp = 0x05
	bpfRet = 0x06
	bpfJA  = 0x00
)

// ParseBPF reads a classic BPF program in the format `tcpdump -ddd`
// prints: the instruction count, then one "code jt jf k" line (decimal)
// per instruction; lines may also be separated by commas, as iptables'
// bpf match writes them. It checks the count, the ranges, that jumps land
// inside the program and that it ends with a return; the kernel checks
// the rest when the filter is attached.
func ParseBPF(text string) ([]bpf.RawInstruction, error) {
	lines := strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' || r == ';' })
	var fields [][]string
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("empty program")
	}
	if len(fields[0]) != 1 {
		return nil, fmt.Errorf("first line %q is not an instruction count (expected `tcpdump -ddd` output)", strings.Join(fields[0], " "))
	}
	n, err := strconv.Atoi(fields[0][0])
	if err != nil || n < 1 || n > maxBPFInstructions {
		return nil, fmt.Errorf("instruction count %q is not a number from 1 to %d", fields[0][0], maxBPFInstructions)
	}
	if len(fields)-1 != n {
		return nil, fmt.Errorf("%d instructions announced, %d given", n, len(fields)-1)
	}
	prog := make([]bpf.RawInstruction, n)
	for i, f := range fields[1:] {
		if len(f) != 4 {
			return nil, fmt.Errorf("instruction %d: %q is not \"code jt jf k\"", i, strings.Join(f, " "))
		}
		code, err1 := strconv.ParseUint(f[0], 10, 16)
		jt, err2 := strconv.ParseUint(f[1], 10, 8)
		jf, err3 := strconv.ParseUint(f[2], 10, 8)
		k, err4 := strconv.ParseUint(f[3], 10, 32)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			return nil, fmt.Errorf("instruction %d: %q: a field is not a number in range", i, strings.Join(f, " "))
		}
		if code&0x07 == bpfJmp {
			far := int(max(jt, jf))
			if code&0xf0 == bpfJA {
				far = int(min(k, maxBPFInstructions))
			}
			if i+1+far >= n {
				return nil, fmt.Errorf("instruction %d jumps past the end", i)
			}
		}
		prog[i] = bpf.RawInstruction{Op: uint16(code), Jt: uint8(jt), Jf: uint8(jf), K: uint32(k)}
	}
	if prog[n-1].Op&0x07 != bpfRet {
		return nil, fmt.Errorf("the last instruction is not a return")
	}
	return prog, nil
}
