package synth

import "time"

// Delays of Conn.Exchange.
const (
	defaultServerDelay = 1800 * time.Microsecond
	defaultPollGap     = 50 * time.Millisecond
)
