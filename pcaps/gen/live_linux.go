//go:build linux

package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/simonvetter/modbus"

	plive "github.com/otsensor/otsensor/pcaps/live"
)

// recordLive runs a real Modbus/TCP client and servers on 127.0.0.0/8 while
// capturing the loopback interface with AF_PACKET, and writes the TCP
// port 502 traffic to path. It returns the number of packets written.
func recordLive(path string) (int, error) {
	srv, err := modbus.NewServer(&modbus.ServerConfiguration{
		URL: "tcp://" + liveServer, Timeout: 5 * time.Second, MaxClients: 2,
		Logger: log.New(io.Discard, "", 0),
	}, &liveHandler{})
	if err != nil {
		return 0, err
	}
	if err := srv.Start(); err != nil {
		return 0, err
	}
	idl, err := net.Listen("tcp", liveIdentity)
	if err != nil {
		srv.Stop()
		return 0, err
	}
	idDone := make(chan error, 1)
	go func() { idDone <- serveIdentity(idl) }()

	// The capture starts once the servers listen; their FINs and last
	// ACKs end up in it.
	rec, err := plive.StartRecording(502)
	if err != nil {
		srv.Stop()
		idl.Close()
		<-idDone // the Accept error of the closed listener
		return 0, err
	}
	errClient := liveClient()
	errID := identityClient()
	time.Sleep(200 * time.Millisecond) // the clients' last ACKs
	srv.Stop()
	idl.Close()
	errServe := <-idDone
	if err := errors.Join(errClient, errID, errServe); err != nil {
		rec.Abort()
		return 0, err
	}
	return rec.Stop(path)
}

// liveClient is the SCADA side, using the simonvetter/modbus client.
func liveClient() error {
	c, err := modbus.NewClient(&modbus.ClientConfiguration{URL: "tcp://" + liveServer, Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	if err := c.Open(); err != nil {
		return err
	}
	c.SetUnitId(1)
	steps := []func() error{
		func() error { _, err := c.ReadCoils(0, 16); return err },
		func() error { _, err := c.ReadDiscreteInputs(0, 8); return err },
		func() error { _, err := c.ReadRegisters(0, 10, modbus.HOLDING_REGISTER); return err },
		func() error { _, err := c.ReadRegisters(0, 4, modbus.INPUT_REGISTER); return err },
		func() error { return c.WriteCoil(3, true) },
		func() error { return c.WriteRegister(5, 1234) },
		func() error {
			return c.WriteCoils(10, []bool{true, false, true, true, false, false, true, false, true})
		},
		func() error { return c.WriteRegisters(20, []uint16{100, 200, 300}) },
		func() error {
			_, err := c.ReadRegisters(liveBadAddr, 2, modbus.HOLDING_REGISTER)
			if !errors.Is(err, modbus.ErrIllegalDataAddress) {
				return fmt.Errorf("want illegal data address exception, got %v", err)
			}
			return nil
		},
		func() error { _, err := c.ReadRegisters(0, 10, modbus.HOLDING_REGISTER); return err },
	}
	for i, s := range steps {
		if err := s(); err != nil {
			c.Close()
			return fmt.Errorf("live client step %d: %w", i+1, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return c.Close()
}

// liveBadAddr is where the live server's holding registers end.
const liveBadAddr = 1000

// liveHandler is the PLC behind the simonvetter/modbus server.
type liveHandler struct {
	mu   sync.Mutex
	regs [liveBadAddr]uint16
	coil [256]bool
}

func (h *liveHandler) HandleCoils(r *modbus.CoilsRequest) ([]bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if int(r.Addr)+int(r.Quantity) > len(h.coil) {
		return nil, modbus.ErrIllegalDataAddress
	}
	if r.IsWrite {
		copy(h.coil[r.Addr:], r.Args)
		return nil, nil
	}
	return append([]bool(nil), h.coil[r.Addr:int(r.Addr)+int(r.Quantity)]...), nil
}

func (h *liveHandler) HandleDiscreteInputs(r *modbus.DiscreteInputsRequest) ([]bool, error) {
	out := make([]bool, r.Quantity)
	for i := range out {
		out[i] = (int(r.Addr)+i)%3 == 0
	}
	return out, nil
}

func (h *liveHandler) HandleHoldingRegisters(r *modbus.HoldingRegistersRequest) ([]uint16, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if int(r.Addr)+int(r.Quantity) > len(h.regs) {
		return nil, modbus.ErrIllegalDataAddress
	}
	if r.IsWrite {
		copy(h.regs[r.Addr:], r.Args)
		return nil, nil
	}
	return append([]uint16(nil), h.regs[r.Addr:int(r.Addr)+int(r.Quantity)]...), nil
}

func (h *liveHandler) HandleInputRegisters(r *modbus.InputRegistersRequest) ([]uint16, error) {
	out := make([]uint16, r.Quantity)
	for i := range out {
		out[i] = 2000 + uint16(r.Addr) + uint16(i)
	}
	return out, nil
}
