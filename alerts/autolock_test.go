package alerts

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/otsensor/otsensor/inventory"
	"go.uber.org/zap"
)

// TestLearnForLocksItself: a baseline learning for 10 minutes of packet
// time counts from the first flow it learns, locks at the first update 10
// minutes later, and from then on raises policy alerts; the period and its
// start survive a save and a load.
func TestLearnForLocksItself(t *testing.T) {
	b := NewBaseline(BaselineConfig{})
	b.LearnFor(10 * time.Minute)
	e := NewEngine(Config{Baseline: b})
	known := newFlow(1, "modbus", "10.0.0.10:50000", "10.0.0.21:502")
	feed(e, []input{newFlowUpdate(known, at(time.Minute), 3)})
	if b.Mode() != ModeLearning || !b.Status().LearnFrom.Equal(at(time.Minute)) {
		t.Fatalf("after the first flow: %s, learning from %v", b.Mode(), b.Status().LearnFrom)
	}

	dir := t.TempDir()
	db, err := inventory.OpenDB(filepath.Join(dir, "db"), false, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := NewStore(db)
	if err := st.SaveBaseline(b); err != nil {
		t.Fatal(err)
	}
	b, err = st.LoadBaseline(BaselineConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if s := b.Status(); s.LockAfter != 10*time.Minute || !s.LearnFrom.Equal(at(time.Minute)) {
		t.Fatalf("loaded: lock after %v from %v", s.LockAfter, s.LearnFrom)
	}

	e = NewEngine(Config{Baseline: b})
	feed(e, []input{newFlowUpdate(known, at(10*time.Minute), 3)}) // 9 minutes in
	if b.Mode() != ModeLearning {
		t.Fatalf("locked after 9 minutes")
	}
	stranger := newFlow(2, "modbus", "10.0.0.66:50001", "10.0.0.21:502")
	feed(e, []input{newFlowUpdate(known, at(11*time.Minute), 3), newFlowUpdate(stranger, at(12*time.Minute), 3)})
	if b.Mode() != ModeOperational || !b.LockedAt().Equal(at(11*time.Minute)) {
		t.Fatalf("after 10 minutes: %s, locked at %v", b.Mode(), b.LockedAt())
	}
	var newDevice int
	for _, a := range e.Alerts() {
		if a.Rule == "policy.new_device" && a.Source.IP.String() == "10.0.0.66" {
			newDevice++
		}
	}
	if newDevice != 1 {
		t.Errorf("new device alerts for 10.0.0.66 after the lock: %d, want 1", newDevice)
	}
}
