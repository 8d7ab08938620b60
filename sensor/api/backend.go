package api

import (
	"context"
	"strings"
	"time"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/alerts/outbox"
	"github.com/otsensor/otsensor/inventory"
)

// Backend is what the CLI reads from and does to a sensor: the daemon
// implements it over its live state, Client over the socket, and the CLI
// may implement it over the data dir when no daemon runs.
//
// The server calls it from many goroutines at once: an implementation
// must be safe for concurrent use. Errors that are the caller's fault
// should wrap one of ErrNotFound, ErrAmbiguous, ErrInvalid, ErrConflict
// (or alerts.ErrNotFound, alerts.ErrNotPolicy), or be an *Error: the
// server answers them with a 4xx status and the client returns them as
// an *Error that errors.Is matches against the same sentinels. Any other
// error is a 500.
type Backend interface {
	// Snapshot returns the inventory: devices and the links between them.
	Snapshot() (*inventory.Snapshot, error)
	// Alerts returns every alert, sorted by id.
	Alerts() ([]*alerts.Alert, error)
	// SetAlertState sets the state of the alert id names (its whole id or
	// a unique prefix, see FindAlert) and returns the alert.
	SetAlertState(id, state string) (*alerts.Alert, error)
	// LearnAlert adds the cause of the policy alert id names to the
	// baseline and sets its state to learned (alerts.Baseline.LearnAlert);
	// for an alert of another engine it returns an error wrapping
	// alerts.ErrNotPolicy.
	LearnAlert(id string) (*alerts.Alert, error)
	// Baseline returns what the baseline holds and its mode.
	Baseline() (alerts.BaselineStatus, error)
	// SwitchBaseline locks the baseline, puts it back in learning mode (for
	// learnFor of packet time when > 0, then it locks itself) or resets it
	// (verb "lock", "learn" or "reset"), and returns its new status.
	SwitchBaseline(verb string, learnFor time.Duration) (alerts.BaselineStatus, error)
	// Outbox returns the outbox's depth and each sink's delivery.
	Outbox() (outbox.Status, error)
	// Status returns the sensor's state at a glance.
	Status() (*Status, error)
	// Changes streams device and alert changes until ctx ends, then closes
	// the channel (it may close it earlier, e.g. when the daemon stops). A
	// slow reader must not hold up the sensor: the implementation drops
	// or coalesces changes rather than block its pipeline.
	Changes(ctx context.Context) (<-chan Change, error)
}

// The kinds of Change.
const (
	ChangeDevice = "device"
	ChangeAlert  = "alert"
)

// Change is a device or an alert as it is after a change: new, seen
// again, or set to another state. Readers ignore kinds they do not know.
type Change struct {
	Kind   string            `json:"kind"` // ChangeDevice or ChangeAlert
	Device *inventory.Device `json:"device,omitempty"`
	Alert  *alerts.Alert     `json:"alert,omitempty"`
}

// Status is the sensor's state at a glance (`otsensor status`).
type Status struct {
	SensorID string    `json:"sensor_id"`
	Version  string    `json:"version"`
	DataDir  string    `json:"data_dir"`
	Started  time.Time `json:"started,omitzero"` // wall clock; zero without a daemon
	// Uptime is the wall-clock time since Started.
	Uptime   time.Duration         `json:"uptime_ns"`
	Baseline alerts.BaselineStatus `json:"baseline"`
	Devices  int                   `json:"devices"`
	Alerts   AlertCounts           `json:"alerts"`
	Outbox   outbox.Status         `json:"outbox"`
	// Interfaces are the capture interfaces, by name; none without a
	// daemon.
	Interfaces []Interface `json:"interfaces"`
}

// AlertCounts counts alerts by state and by severity name.
type AlertCounts struct {
	Total      int            `json:"total"`
	ByState    map[string]int `json:"by_state"`
	BySeverity map[string]int `json:"by_severity"`
}

// CountAlerts counts list.
func CountAlerts(list []*alerts.Alert) AlertCounts {
	c := AlertCounts{Total: len(list), ByState: map[string]int{}, BySeverity: map[string]int{}}
	for _, a := range list {
		c.ByState[a.State]++
		c.BySeverity[a.Severity.String()]++
	}
	return c
}

// Interface is one capture interface's counters, summed over its
// sockets.
type Interface struct {
	Name         string    `json:"name"`
	Packets      uint64    `json:"packets"`
	Bytes        uint64    `json:"bytes"`
	KernelDrops  uint64    `json:"kernel_drops"`
	QueueFreezes uint64    `json:"queue_freezes"`
	Quiet        bool      `json:"quiet"`                // no packets for a while
	LastPacket   time.Time `json:"last_packet,omitzero"` // wall clock
}

// FindAlert returns the alert q names in list: its whole id, or a unique
// id prefix (case does not matter). It returns an error wrapping
// ErrNotFound when none matches and ErrAmbiguous when several do.
func FindAlert(list []*alerts.Alert, q string) (*alerts.Alert, error) {
	q = strings.ToLower(q)
	var found *alerts.Alert
	n := 0
	for _, a := range list {
		if a.ID == q {
			return a, nil
		}
		if q != "" && strings.HasPrefix(a.ID, q) {
			found = a
			n++
		}
	}
	switch n {
	case 1:
		return found, nil
	case 0:
		return nil, Errorf(CodeNotFound, "no alert matches %q (an ID or unique ID prefix)", q)
	}
	return nil, Errorf(CodeAmbiguous, "%q matches %d alerts: give more of the ID", q, n)
}
