// Command otsensor is a passive network sensor for OT/IoT networks: it
// replays captures (or, later, captures live), builds a device inventory
// and writes protocol events.
package main

import "os"

func main() {
	os.Exit(newApp(os.Stdout, os.Stderr).run(os.Args[1:]))
}
