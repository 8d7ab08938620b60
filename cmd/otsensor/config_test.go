package main

import "testing"

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
