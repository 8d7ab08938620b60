// Command otsensor is a passive network sensor for OT/IoT networks: it
// replays captures (or, later, captures live), builds a device inventory
// and writes protocol events.
package main

import (
	"os"

	"github.com/otsensor/otsensor/sensor"
)

func main() {
	sensor.TuneRuntime(os.Getenv)
	os.Exit(newApp(os.Stdout, os.Stderr).run(os.Args[1:]))
}
