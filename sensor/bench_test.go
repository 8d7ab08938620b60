package sensor_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/gopacket/gopacket/reassembly"

	"github.com/otsensor/otsensor/alerts"
	"github.com/otsensor/otsensor/dissectors/all"
	"github.com/otsensor/otsensor/inventory"
	"github.com/otsensor/otsensor/pcaps/synth"
	"github.com/otsensor/otsensor/sensor"
	"github.com/otsensor/otsensor/sensor/capture"
	"github.com/otsensor/otsensor/sensor/decode"
	"github.com/otsensor/otsensor/sensor/flow"
	"go.uber.org/zap"
)

// benchMix is one synthetic benchmark capture, written once per machine.
type benchMix struct {
	file  string // under os.TempDir(); bump its version when the content changes
	write func(io.Writer, synth.BenchConfig) (int, error)

	once    sync.Once
	path    string
	packets int
	err     error
}

// The benchmark workloads: the Modbus plant mix and a DNP3 utility SCADA
// network, each 1.2M packets with the same IT background.
var (
	modbusMix = &benchMix{file: "otsensor-benchmix-v1.pcap", write: synth.WriteBenchMix}
	dnp3Mix   = &benchMix{file: "otsensor-benchdnp3-v1.pcap", write: synth.WriteBenchDNP3}
)

// benchCapture returns the Modbus mix's path and packet count.
func benchCapture(b *testing.B) (string, int) { return modbusMix.capture(b) }

// capture writes the mix once and returns its path and packet count. The
// content is deterministic, so a file left by an earlier run is reused.
func (m *benchMix) capture(b *testing.B) (string, int) {
	b.Helper()
	m.once.Do(func() {
		m.path = filepath.Join(os.TempDir(), m.file)
		m.packets = synth.DefaultBenchPackets
		if st, err := os.Stat(m.path); err == nil && st.Size() > 0 {
			return
		}
		tmp := m.path + ".tmp"
		f, err := os.Create(tmp)
		if err != nil {
			m.err = err
			return
		}
		w := bufio.NewWriterSize(f, 1<<20)
		if m.packets, m.err = m.write(w, synth.BenchConfig{}); m.err == nil {
			m.err = w.Flush()
		}
		f.Close()
		if m.err == nil {
			m.err = os.Rename(tmp, m.path)
		}
	})
	if m.err != nil {
		b.Fatal(m.err)
	}
	return m.path, m.packets
}

// reportPackets reports packets/s and allocations per packet for b.N runs
// over a capture of n packets.
func reportPackets(b *testing.B, n int, before *runtime.MemStats) {
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	total := float64(n) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "pkts/s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/pkt")
}

// BenchmarkBareLoop is the floor the pipeline is measured against: pcapgo
// reading, DecodingLayerParser and gopacket reassembly with empty stream
// handlers, over the same capture.
func BenchmarkBareLoop(b *testing.B) {
	b.Run("modbus", func(b *testing.B) { benchBareLoop(b, modbusMix) })
	b.Run("dnp3", func(b *testing.B) { benchBareLoop(b, dnp3Mix) })
}

func benchBareLoop(b *testing.B, mix *benchMix) {
	path, n := mix.capture(b)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		if err := bareLoop(path); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportPackets(b, n, &before)
}

func bareLoop(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return err
	}
	var (
		eth     layers.Ethernet
		vlan    layers.Dot1Q
		ip4     layers.IPv4
		ip6     layers.IPv6
		tcp     layers.TCP
		udp     layers.UDP
		arp     layers.ARP
		decoded []gopacket.LayerType
	)
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &vlan, &ip4, &ip6, &tcp, &udp, &arp)
	parser.IgnoreUnsupported = true
	asm := reassembly.NewAssembler(reassembly.NewStreamPool(emptyFactory{}))
	var ctx bareContext
	for {
		data, ci, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := parser.DecodeLayers(data, &decoded); err != nil {
			continue
		}
		for _, t := range decoded {
			if t != layers.LayerTypeTCP {
				continue
			}
			ctx.ci = ci
			if decoded[len(decoded)-2] == layers.LayerTypeIPv6 {
				asm.AssembleWithContext(ip6.NetworkFlow(), &tcp, &ctx)
			} else {
				asm.AssembleWithContext(ip4.NetworkFlow(), &tcp, &ctx)
			}
		}
	}
	asm.FlushAll()
	return nil
}

type bareContext struct{ ci gopacket.CaptureInfo }

func (c *bareContext) GetCaptureInfo() gopacket.CaptureInfo { return c.ci }

type emptyFactory struct{}

func (emptyFactory) New(gopacket.Flow, gopacket.Flow, *layers.TCP, reassembly.AssemblerContext) reassembly.Stream {
	return emptyStream{}
}

type emptyStream struct{}

func (emptyStream) Accept(_ *layers.TCP, _ gopacket.CaptureInfo, _ reassembly.TCPFlowDirection, _ reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	*start = true
	return true
}
func (emptyStream) ReassembledSG(reassembly.ScatterGather, reassembly.AssemblerContext) {}
func (emptyStream) ReassemblyComplete(reassembly.AssemblerContext) bool                 { return true }

// BenchmarkPipeline is the whole replay as the CLI runs it: capture reader,
// decode, flows, reassembly, dissectors, inventory, alert engine, and both
// saved to Badger, on
// the Modbus plant mix and on the DNP3 SCADA network.
func BenchmarkPipeline(b *testing.B) {
	b.Run("modbus", func(b *testing.B) { benchPipeline(b, modbusMix) })
	b.Run("dnp3", func(b *testing.B) { benchPipeline(b, dnp3Mix) })
}

func benchPipeline(b *testing.B, mix *benchMix) {
	path, n := mix.capture(b)
	sensor.TuneRuntime(os.Getenv) // as cmd/otsensor does
	dir := b.TempDir()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for range b.N {
		runPipeline(b, path, n, dir, true)
	}
	b.StopTimer()
	reportPackets(b, n, &before)
}

// runPipeline replays path (n packets) into an inventory and, withAlerts,
// an alert engine with a learning baseline, and saves them in dir.
func runPipeline(b *testing.B, path string, n int, dir string, withAlerts bool) {
	inv := inventory.New()
	obs := flow.Tee{inv}
	var engine *alerts.Engine
	if withAlerts {
		engine = alerts.NewEngine(alerts.Config{Baseline: alerts.NewBaseline(alerts.BaselineConfig{})})
		obs = append(obs, engine)
	}
	sum, err := sensor.Replay(context.Background(), []string{path}, sensor.ReplayConfig{
		Flow:       flow.DefaultConfig(),
		Dissectors: all.Dissectors(all.Options{}),
		Observer:   obs,
	})
	if err != nil || len(sum.FileErrors) > 0 || sum.Packets != uint64(n) {
		b.Fatalf("replay: %v %v, %d packets", err, sum.FileErrors, sum.Packets)
	}
	db, err := inventory.OpenDB(dir, false, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := inventory.NewStore(db).Save(inv); err != nil {
		b.Fatal(err)
	}
	if engine != nil {
		if err := alerts.NewStore(db).Merge(engine.Alerts()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEngineCost measures what the alert engine (with a learning
// baseline) costs the pipeline: each iteration replays the Modbus mix
// without it, then with it, in the same process, and the metrics are the
// loss of throughput in wall time and the extra CPU time, in percent.
// Interleaving the two, in alternating order, keeps the machine's drift
// out of the comparison.
func BenchmarkEngineCost(b *testing.B) {
	path, n := modbusMix.capture(b)
	sensor.TuneRuntime(os.Getenv)
	dirs := [2]string{b.TempDir(), b.TempDir()}
	var wall, cpu [2]time.Duration
	for i := range b.N {
		for j := range 2 {
			v := (i + j) % 2 // alternate which runs first
			runtime.GC()
			w0, c0 := time.Now(), cpuTime()
			runPipeline(b, path, n, dirs[v], v == 1)
			wall[v] += time.Since(w0)
			cpu[v] += cpuTime() - c0
		}
	}
	pps := func(d time.Duration) float64 { return float64(n) * float64(b.N) / d.Seconds() }
	b.ReportMetric(pps(wall[0]), "pkts/s-without")
	b.ReportMetric(pps(wall[1]), "pkts/s-with")
	b.ReportMetric(100*(1-pps(wall[1])/pps(wall[0])), "%throughput-lost")
	b.ReportMetric(100*(float64(cpu[1])/float64(cpu[0])-1), "%cpu-added")
}

// cpuTime is the CPU time this process used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDecode measures the decoder alone on packets already in memory:
// it must not allocate.
func BenchmarkDecode(b *testing.B) {
	path, _ := benchCapture(b)
	f, err := capture.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	var frames [][]byte
	var infos []gopacket.CaptureInfo
	var p capture.Packet
	for len(frames) < 100_000 {
		if err := f.Next(&p); err != nil {
			break
		}
		frames = append(frames, append([]byte(nil), p.Data...))
		infos = append(infos, p.Info)
	}
	f.Close()
	d := decode.New()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		k := i % len(frames)
		d.Decode(frames[k], infos[k], layers.LinkTypeEthernet)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pkts/s")
}
