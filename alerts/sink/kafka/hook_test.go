package kafka

import (
	"crypto/x509"
	"errors"
	"math"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestHookDown: down closes only when every broker refuses; a connection
// that succeeds resets the count.
func TestHookDown(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	seed := func(port int32) kgo.BrokerMetadata {
		return kgo.BrokerMetadata{NodeID: math.MinInt32 + port, Host: "10.0.0.1", Port: port}
	}
	broker := func(id int32) kgo.BrokerMetadata {
		return kgo.BrokerMetadata{NodeID: id, Host: "10.0.0.2", Port: 9092 + id}
	}

	// Two seeds: one refusing is not an outage, both are.
	h := newLastError(2)
	h.OnBrokerConnect(seed(1), 0, nil, refused)
	if closed(h.downChan()) {
		t.Fatal("down after one of two seeds refused")
	}
	h.OnBrokerConnect(seed(2), 0, nil, refused)
	if !closed(h.downChan()) {
		t.Fatal("not down after both seeds refused")
	}

	// Three known brokers: one refusing signals, but rearm finds the other
	// two untried, so Send keeps waiting.
	h = newLastError(1)
	h.OnBrokerConnect(broker(0), 0, nil, refused)
	if !closed(h.downChan()) {
		t.Fatal("a refusing broker did not make Send look")
	}
	if closed(h.rearm(3)) {
		t.Fatal("down with 1 of 3 brokers refusing")
	}
	h.OnBrokerConnect(broker(1), 0, nil, refused)
	if closed(h.downChan()) {
		t.Fatal("down with 2 of 3 brokers refusing")
	}
	h.OnBrokerConnect(broker(1), 0, nil, nil) // broker 1 is back: reset
	h.OnBrokerConnect(broker(2), 0, nil, refused)
	h.OnBrokerConnect(broker(0), 0, nil, refused)
	if closed(h.downChan()) {
		t.Fatal("down although broker 1 connected since")
	}
	h.OnBrokerConnect(broker(1), 0, nil, refused)
	if !closed(h.downChan()) || !closed(h.rearm(3)) {
		t.Fatal("not down with all 3 brokers refusing")
	}
	if !errors.Is(h.get(), syscall.ECONNREFUSED) {
		t.Errorf("last error %v", h.get())
	}
	if closed(h.fatal) {
		t.Error("refused connections are not fatal")
	}
}

// TestHookFatal: a refused login or certificate closes fatal and is kept
// as the error to report, whatever follows.
func TestHookFatal(t *testing.T) {
	for _, err := range []error{kerr.SaslAuthenticationFailed, x509.UnknownAuthorityError{}} {
		h := newLastError(1)
		h.OnBrokerConnect(kgo.BrokerMetadata{NodeID: 0}, 0, nil, err)
		h.OnBrokerE2E(kgo.BrokerMetadata{NodeID: 0}, 0, kgo.BrokerE2E{ReadErr: errors.New("EOF")})
		if !closed(h.fatal) {
			t.Errorf("%v: not fatal", err)
		}
		if !errors.Is(h.get(), err) {
			t.Errorf("%v: kept %v instead", err, h.get())
		}
	}
}
