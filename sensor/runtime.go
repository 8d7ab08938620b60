package sensor

import (
	"runtime/debug"
	"strconv"
)

// Runtime defaults for the sensor process, unless GOGC or GOMEMLIMIT say
// otherwise. The pipeline's heap is mostly long-lived flow state; the
// default GOGC=100 collects it every few seconds for little garbage, which
// costs ~15% of throughput on one core. A soft memory limit keeps the
// larger GOGC inside the appliance budget (300 MiB RSS).
const (
	DefaultGCPercent   = 400
	DefaultMemoryLimit = 256 << 20
)

// TuneRuntime applies the runtime defaults that getenv does not override,
// and reports what it set.
func TuneRuntime(getenv func(string) string) (gcPercent int, memLimit int64) {
	gcPercent, memLimit = -2, -1 // unchanged
	if getenv("GOGC") == "" {
		debug.SetGCPercent(DefaultGCPercent)
		gcPercent = DefaultGCPercent
	} else if n, err := strconv.Atoi(getenv("GOGC")); err == nil {
		gcPercent = n
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(DefaultMemoryLimit)
		memLimit = DefaultMemoryLimit
	}
	return gcPercent, memLimit
}
