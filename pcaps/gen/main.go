// Command gen writes the captures bundled in pcaps/: crafted ones (always,
// deterministic) and, with -live, a real Modbus/TCP session recorded on the
// loopback interface (needs root or CAP_NET_RAW).
//
//	go run ./pcaps/gen [-out DIR] [-live]
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "", "directory to write captures to (default: the pcaps directory of the repository around the working directory)")
	live := flag.Bool("live", false, "also record "+liveFile+" from a real Modbus/TCP session on the loopback interface (needs root)")
	flag.Parse()
	if err := run(*out, *live); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out string, live bool) error {
	if out == "" {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		out = filepath.Join(root, "pcaps")
	}
	names, err := writeCrafted(out)
	if err != nil {
		return err
	}
	for _, n := range names {
		fmt.Println(filepath.Join(out, n))
	}
	if live {
		n, err := recordLive(filepath.Join(out, liveFile))
		if err != nil {
			return err
		}
		fmt.Printf("%s (%d packets)\n", filepath.Join(out, liveFile), n)
	}
	return nil
}

// repoRoot walks up from the working directory to the otsensor module root.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.Contains(string(b), "module github.com/otsensor/otsensor\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the otsensor repository: use -out")
		}
		dir = parent
	}
}
