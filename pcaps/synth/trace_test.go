package synth

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/ip4defrag"
	"github.com/gopacket/gopacket/layers"
)

// memSink keeps written frames.
type memSink struct {
	ci   []gopacket.CaptureInfo
	data [][]byte
}

func (m *memSink) WritePacket(ci gopacket.CaptureInfo, data []byte) error {
	m.ci = append(m.ci, ci)
	m.data = append(m.data, append([]byte(nil), data...))
	return nil
}

func (m *memSink) Flush() error { return nil }

var (
	testClient = Host{MAC: MAC(OUIDell, 1), IP: net.IP{10, 0, 0, 1}}
	testServer = Host{MAC: MAC(OUISchneider, 2), IP: net.IP{10, 0, 0, 2}}
)

func decodeTCP(t *testing.T, frame []byte, link Link) *layers.TCP {
	t.Helper()
	p := gopacket.NewPacket(frame, link.LinkType(), gopacket.Default)
	if el := p.ErrorLayer(); el != nil {
		t.Fatalf("decode: %v", el.Error())
	}
	tcp, ok := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if !ok {
		t.Fatalf("no TCP layer in % x", frame)
	}
	return tcp
}

// TestConnSequence follows RFC 793 numbering: SYN and FIN take one
// sequence number, data takes its length, and every ACK names the next
// byte expected from the peer.
func TestConnSequence(t *testing.T) {
	var s memSink
	tr := NewTrace(&s, LinkEthernet, BaseTime)
	c := tr.NewConn(L2{}, testClient, 40000, testServer, 502, 1000, 5000)
	c.Handshake()
	c.Send(ToServer, make([]byte, 12))
	c.Send(ToClient, make([]byte, 11))
	c.Close(ToServer)
	if tr.Err() != nil {
		t.Fatal(tr.Err())
	}
	type seg struct {
		syn, ack, fin bool
		seq, ackNo    uint32
		n             int
		sport         uint16
	}
	want := []seg{
		{syn: true, seq: 1000, sport: 40000},
		{syn: true, ack: true, seq: 5000, ackNo: 1001, sport: 502},
		{ack: true, seq: 1001, ackNo: 5001, sport: 40000},
		{ack: true, seq: 1001, ackNo: 5001, n: 12, sport: 40000},
		{ack: true, seq: 5001, ackNo: 1013, n: 11, sport: 502},
		{ack: true, fin: true, seq: 1013, ackNo: 5012, sport: 40000},
		{ack: true, fin: true, seq: 5012, ackNo: 1014, sport: 502},
		{ack: true, seq: 1014, ackNo: 5013, sport: 40000},
	}
	if len(s.data) != len(want) {
		t.Fatalf("%d packets, want %d", len(s.data), len(want))
	}
	for i, w := range want {
		tcp := decodeTCP(t, s.data[i], LinkEthernet)
		got := seg{syn: tcp.SYN, ack: tcp.ACK, fin: tcp.FIN, seq: tcp.Seq, ackNo: tcp.Ack, n: len(tcp.Payload), sport: uint16(tcp.SrcPort)}
		if got != w {
			t.Errorf("packet %d: got %+v, want %+v", i+1, got, w)
		}
	}
	// The clock: one DefaultStep per packet, plus Exchange/Advance calls.
	if d := s.ci[1].Timestamp.Sub(s.ci[0].Timestamp); d != DefaultStep {
		t.Errorf("step %v, want %v", d, DefaultStep)
	}
	if !s.ci[0].Timestamp.Equal(BaseTime) {
		t.Errorf("first packet at %v, want %v", s.ci[0].Timestamp, BaseTime)
	}
}

func TestConnPrepareEmit(t *testing.T) {
	var s memSink
	tr := NewTrace(&s, LinkEthernet, BaseTime)
	c := tr.NewConn(L2{}, testClient, 40000, testServer, 502, 1, 1)
	a := c.Prepare(ToServer, ACK, []byte("abc"))
	b := c.Prepare(ToServer, PSH|ACK, []byte("de"))
	c.Emit(b)
	c.Emit(a)
	c.Emit(a) // a retransmission
	if got := c.Next(ToServer); got != 6 {
		t.Errorf("next sequence %d, want 6", got)
	}
	seqs := []uint32{4, 1, 1}
	for i, w := range seqs {
		if tcp := decodeTCP(t, s.data[i], LinkEthernet); tcp.Seq != w {
			t.Errorf("packet %d: seq %d, want %d", i+1, tcp.Seq, w)
		}
	}
}

func TestSendSplit(t *testing.T) {
	var s memSink
	tr := NewTrace(&s, LinkEthernet, BaseTime)
	c := tr.NewConn(L2{}, testClient, 40000, testServer, 502, 100, 1)
	c.SendSplit(ToServer, []byte("0123456789"), 3, 7)
	var joined []byte
	for i, w := range []uint32{100, 103, 107} {
		tcp := decodeTCP(t, s.data[i], LinkEthernet)
		if tcp.Seq != w {
			t.Errorf("segment %d: seq %d, want %d", i+1, tcp.Seq, w)
		}
		joined = append(joined, tcp.Payload...)
	}
	if string(joined) != "0123456789" {
		t.Errorf("payload %q", joined)
	}
	c.SendSplit(ToServer, []byte("xy"), 5)
	if tr.Err() == nil {
		t.Error("a cut outside the payload must fail")
	}
}

// TestLinks checks each link type's header.
func TestLinks(t *testing.T) {
	payload := []byte{1, 2, 3}
	for _, tt := range []struct {
		link   Link
		header string // expected first bytes
		hlen   int
	}{
		// Destination MAC, source MAC, EtherType IPv4.
		{LinkEthernet, "0080f4000002" + "001422000001" + "0800", 14},
		// AF_INET (2), little-endian.
		{LinkNull, "02000000", 4},
		// No link header: IPv4 version 4, IHL 5.
		{LinkRaw, "45", 0},
		// Outgoing (4), ARPHRD_ETHER, address length 6, source MAC + 2 pad, IPv4.
		{LinkSLL, "0004" + "0001" + "0006" + "0014220000010000" + "0800", 16},
		// IPv4, reserved, ifindex 2, ARPHRD_ETHER, outgoing, length 6, MAC + pad.
		{LinkSLL2, "0800" + "0000" + "00000002" + "0001" + "04" + "06" + "0014220000010000", 20},
	} {
		b := NewBuilder(tt.link)
		b.Local = testClient.MAC
		frame, err := b.UDP(nil, testClient, testServer, 1000, 2000, payload)
		if err != nil {
			t.Fatalf("%v: %v", tt.link, err)
		}
		want := unhex(t, tt.header)
		if !bytes.HasPrefix(frame, want) {
			t.Errorf("%v: header % x, want % x", tt.link, frame[:len(want)], want)
		}
		p := gopacket.NewPacket(frame, tt.link.LinkType(), gopacket.Default)
		udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok || !bytes.Equal(udp.Payload, payload) {
			t.Errorf("%v: UDP payload not decoded: %v", tt.link, p)
		}
		ip := frame[tt.hlen:]
		if n := int(binary.BigEndian.Uint16(ip[2:])); n != 20+8+len(payload) {
			t.Errorf("%v: IPv4 total length %d", tt.link, n)
		}
	}
}

func TestVLANTags(t *testing.T) {
	b := NewBuilder(LinkEthernet)
	frame, err := b.TCP(&L2{VLANs: []uint16{100, 20}, QinQ: true}, testClient, testServer, 1, 502, 0, 0, ACK, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	// After the MACs: 88a8, outer tag 100 then 8100, inner tag 20 then 0800.
	if want := unhex(t, "88a8 0064 8100 0014 0800"); !bytes.Equal(frame[12:22], want) {
		t.Errorf("tags % x, want % x", frame[12:22], want)
	}
	frame, err = b.TCP(&L2{VLANs: []uint16{10}}, testClient, testServer, 1, 502, 0, 0, ACK, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, "8100 000a 0800"); !bytes.Equal(frame[12:18], want) {
		t.Errorf("tag % x, want % x", frame[12:18], want)
	}
	if _, err := b.TCP(&L2{VLANs: []uint16{1, 2, 3}}, testClient, testServer, 1, 502, 0, 0, ACK, 10, nil); err == nil {
		t.Error("three tags must fail")
	}
}

func TestIPv6(t *testing.T) {
	a := Host{MAC: testClient.MAC, IP: net.ParseIP("fd00::1")}
	z := Host{MAC: testServer.MAC, IP: net.ParseIP("fd00::2")}
	b := NewBuilder(LinkEthernet)
	frame, err := b.TCP(nil, a, z, 1, 502, 7, 0, SYN, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := gopacket.NewPacket(frame, layers.LinkTypeEthernet, gopacket.Default)
	ip, ok := p.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
	if !ok || !ip.DstIP.Equal(z.IP) || ip.HopLimit != 64 {
		t.Fatalf("IPv6 layer %+v", ip)
	}
	if _, err := b.TCP(nil, a, testServer, 1, 502, 7, 0, SYN, 10, nil); err == nil {
		t.Error("mixing IPv4 and IPv6 must fail")
	}
}

// TestFragments reassembles SendFragmented's output with gopacket's
// defragmenter and compares it with the unfragmented segment.
func TestFragments(t *testing.T) {
	var s memSink
	tr := NewTrace(&s, LinkEthernet, BaseTime)
	c := tr.NewConn(L2{VLANs: []uint16{5}}, testClient, 40000, testServer, 502, 77, 1)
	payload := bytes.Repeat([]byte("modbus!"), 19) // 133 bytes
	c.SendFragmented(ToServer, payload, 64)
	if tr.Err() != nil {
		t.Fatal(tr.Err())
	}
	// 20 + 133 = 153 bytes of TCP: fragments of 64, 64, 25.
	if len(s.data) != 3 {
		t.Fatalf("%d fragments, want 3", len(s.data))
	}
	d := ip4defrag.NewIPv4Defragmenter()
	var whole *layers.IPv4
	for i, f := range s.data {
		p := gopacket.NewPacket(f, layers.LinkTypeEthernet, gopacket.Default)
		ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if want := uint16(i * 8); ip.FragOffset != want {
			t.Errorf("fragment %d offset %d, want %d", i, ip.FragOffset, want)
		}
		out, err := d.DefragIPv4(ip)
		if err != nil {
			t.Fatal(err)
		}
		if out != nil {
			whole = out
		}
	}
	if whole == nil {
		t.Fatal("not reassembled")
	}
	tcp := gopacket.NewPacket(whole.Payload, layers.LayerTypeTCP, gopacket.Default).Layer(layers.LayerTypeTCP).(*layers.TCP)
	if tcp.Seq != 77 || !bytes.Equal(tcp.Payload, payload) {
		t.Errorf("reassembled seq %d payload %q", tcp.Seq, tcp.Payload)
	}
	// The checksum covers the whole segment.
	if err := tcp.SetNetworkLayerForChecksum(whole); err != nil {
		t.Fatal(err)
	}
	sum := tcp.Checksum
	buf := gopacket.NewSerializeBuffer()
	tcp.Checksum = 0
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{ComputeChecksums: true}, tcp, gopacket.Payload(tcp.Payload)); err != nil {
		t.Fatal(err)
	}
	if got := binary.BigEndian.Uint16(buf.Bytes()[16:]); got != sum {
		t.Errorf("checksum %#04x, recomputed %#04x", sum, got)
	}
}

func TestARP(t *testing.T) {
	var s memSink
	tr := NewTrace(&s, LinkEthernet, BaseTime)
	tr.ARPExchange(nil, testClient, testServer)
	p := gopacket.NewPacket(s.data[0], layers.LinkTypeEthernet, gopacket.Default)
	eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	arp := p.Layer(layers.LayerTypeARP).(*layers.ARP)
	if !bytes.Equal(eth.DstMAC, Broadcast) || arp.Operation != layers.ARPRequest || !net.IP(arp.DstProtAddress).Equal(testServer.IP) {
		t.Errorf("request: eth dst %v, op %d, target %v", eth.DstMAC, arp.Operation, net.IP(arp.DstProtAddress))
	}
	p = gopacket.NewPacket(s.data[1], layers.LinkTypeEthernet, gopacket.Default)
	arp = p.Layer(layers.LayerTypeARP).(*layers.ARP)
	if arp.Operation != layers.ARPReply || !bytes.Equal(arp.SourceHwAddress, testServer.MAC) || !bytes.Equal(arp.DstHwAddress, testClient.MAC) {
		t.Errorf("reply %+v", arp)
	}
	if _, err := NewBuilder(LinkRaw).ARP(nil, 1, Broadcast, testClient, nil, testServer.IP); err == nil {
		t.Error("ARP on a raw IP link must fail")
	}
}

func TestStickyError(t *testing.T) {
	var s memSink
	tr := NewTrace(&s, LinkEthernet, BaseTime)
	tr.UDP(&L2{VLANs: []uint16{5000}}, testClient, testServer, 1, 2, nil) // VLAN id > 4095
	tr.UDP(nil, testClient, testServer, 1, 2, nil)
	if tr.Err() == nil || tr.Packets() != 0 || len(s.data) != 0 {
		t.Errorf("err %v, %d packets written", tr.Err(), tr.Packets())
	}
}
