//go:build linux

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/simonvetter/modbus"
	"golang.org/x/net/bpf"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// recordLive runs a real Modbus/TCP client and servers on 127.0.0.0/8 while
// capturing the loopback interface with AF_PACKET, and writes the TCP
// port 502 traffic to path. It returns the number of packets written.
func recordLive(path string) (int, error) {
	capt, err := startCapture()
	if err != nil {
		return 0, fmt.Errorf("capture on lo (needs root or CAP_NET_RAW): %w", err)
	}
	srv, err := modbus.NewServer(&modbus.ServerConfiguration{
		URL: "tcp://" + liveServer, Timeout: 5 * time.Second, MaxClients: 2,
		Logger: log.New(io.Discard, "", 0),
	}, &liveHandler{})
	if err != nil {
		capt.stop()
		return 0, err
	}
	if err := srv.Start(); err != nil {
		capt.stop()
		return 0, err
	}
	idl, err := net.Listen("tcp", liveIdentity)
	if err != nil {
		srv.Stop()
		capt.stop()
		return 0, err
	}
	idDone := make(chan error, 1)
	go func() { idDone <- serveIdentity(idl) }()

	time.Sleep(100 * time.Millisecond) // let the capture settle
	errClient := liveClient()
	errID := identityClient()
	time.Sleep(200 * time.Millisecond) // the servers' FINs and last ACKs
	srv.Stop()
	idl.Close()
	errServe := <-idDone
	time.Sleep(100 * time.Millisecond)
	pkts := capt.stop()
	if err := errors.Join(errClient, errID, errServe); err != nil {
		return 0, err
	}
	return len(pkts), writeLive(path, pkts)
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

// loCapture records loopback frames in the background.
type loCapture struct {
	tp   *afpacket.TPacket
	done chan struct{}
	out  chan []livePacket
}

type livePacket struct {
	ci   gopacket.CaptureInfo
	data []byte
}

func startCapture() (*loCapture, error) {
	tp, err := afpacket.NewTPacket(afpacket.OptInterface("lo"), afpacket.OptPollTimeout(50*time.Millisecond))
	if err != nil {
		return nil, err
	}
	// On lo every frame is seen twice, as sent and as received: keep
	// only the received copy (what libpcap does).
	prog, err := bpf.Assemble([]bpf.Instruction{
		bpf.LoadExtension{Num: bpf.ExtType},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: 4 /* PACKET_OUTGOING */, SkipTrue: 1},
		bpf.RetConstant{Val: 262144},
		bpf.RetConstant{Val: 0},
	})
	if err == nil {
		err = tp.SetBPF(prog)
	}
	if err != nil {
		tp.Close()
		return nil, err
	}
	c := &loCapture{tp: tp, done: make(chan struct{}), out: make(chan []livePacket, 1)}
	go c.run()
	return c, nil
}

func (c *loCapture) run() {
	var pkts []livePacket
	for {
		data, ci, err := c.tp.ReadPacketData()
		if err == nil {
			if keepLive(data) {
				pkts = append(pkts, livePacket{ci: ci, data: data})
			}
			continue
		}
		select {
		case <-c.done:
			c.out <- pkts
			return
		default:
		}
	}
}

// stop ends the capture and returns what it kept.
func (c *loCapture) stop() []livePacket {
	close(c.done)
	pkts := <-c.out
	c.tp.Close()
	return pkts
}

// keepLive keeps IPv4 TCP frames to or from port 502.
func keepLive(frame []byte) bool {
	var eth layers.Ethernet
	var ip layers.IPv4
	var tcp layers.TCP
	p := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip, &tcp)
	p.IgnoreUnsupported = true
	var found []gopacket.LayerType
	if err := p.DecodeLayers(frame, &found); err != nil {
		return false
	}
	for _, l := range found {
		if l == layers.LayerTypeTCP {
			return tcp.SrcPort == 502 || tcp.DstPort == 502
		}
	}
	return false
}

func writeLive(path string, pkts []livePacket) error {
	if len(pkts) == 0 {
		return errors.New("the live capture saw no packets")
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	w := pcapgo.NewWriter(bw)
	err = w.WriteFileHeader(synth.Snaplen, layers.LinkTypeEthernet)
	for _, p := range pkts {
		if err != nil {
			break
		}
		p.ci.InterfaceIndex = 0
		p.ci.AncillaryData = nil
		err = w.WritePacket(p.ci, p.data)
	}
	if err == nil {
		err = bw.Flush()
	}
	return errors.Join(err, f.Close())
}
