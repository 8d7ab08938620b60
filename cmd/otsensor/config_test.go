package main

import (
	"strings"
	"testing"
)

func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1024": 1024, "64MiB": 64 << 20, "512 KiB": 512 << 10, "1GiB": 1 << 30, "2MB": 2e6, "10B": 10, "0": 0,
	} {
		var s byteSize
		if err := s.UnmarshalText([]byte(in)); err != nil || int64(s) != want {
			t.Errorf("%q: %d, %v; want %d", in, s, err, want)
		}
	}
	for _, in := range []string{"", "lots", "-1", "1.5MiB", "99999999999GiB", "MiB"} {
		var s byteSize
		if err := s.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("%q accepted as %d", in, s)
		}
	}
}

func FuzzByteSize(f *testing.F) {
	for _, s := range []string{"64MiB", "1024", "1GB", " 3 KiB "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var s byteSize
		if err := s.UnmarshalText([]byte(in)); err == nil && s < 0 {
			t.Errorf("%q read as %d", in, s)
		}
	})
}

// TestCompileFilter compiles tcpdump expressions with tcpdump (installed by
// .ci/run): the program for "arp" checks the EtherType 0x0806 and ends in
// returns; a bad expression is reported with tcpdump's reason.
func TestCompileFilter(t *testing.T) {
	prog, err := compileFilter("arp")
	if err != nil {
		t.Fatal(err)
	}
	// 4 instructions: ldh [12]; jeq #0x806; ret #262144; ret #0.
	if want := "4\n40 0 0 12\n21 0 1 2054\n6 0 0 262144\n6 0 0 0\n"; prog != want {
		t.Errorf("arp compiled to\n%s\nwant\n%s", prog, want)
	}
	if _, err := compileFilter("port 22 and and"); err == nil || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("a bad expression: %v", err)
	}
}
