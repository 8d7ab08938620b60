package live

import (
	"context"
	"time"
)

// watchQuiet tells OnQuiet and OnTraffic when interfaces go quiet and
// come back, until ctx ends.
func (s *Sensor) watchQuiet(ctx context.Context) {
	every := min(max(s.cfg.QuietAfter/4, 10*time.Millisecond), time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	start := s.cfg.Now()
	quietSince := make([]int64, len(s.ifaces)) // last packet when it went quiet
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := s.cfg.Now()
		for i, ifc := range s.ifaces {
			last := ifc.lastNs()
			lastT := start
			if last != 0 {
				lastT = time.Unix(0, last)
			}
			switch {
			case !ifc.quiet.Load() && now.Sub(lastT) >= s.cfg.QuietAfter:
				ifc.quiet.Store(true)
				quietSince[i] = lastT.UnixNano()
				if s.cfg.OnQuiet != nil {
					s.cfg.OnQuiet(ifc.name, lastT)
				}
			case ifc.quiet.Load() && last > quietSince[i]:
				ifc.quiet.Store(false)
				if s.cfg.OnTraffic != nil {
					s.cfg.OnTraffic(ifc.name, time.Duration(last-quietSince[i]))
				}
			}
		}
	}
}
