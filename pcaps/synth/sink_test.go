package synth

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestBigEndianNanos checks the hand-written header and record against the
// pcap format (magic a1b23c4d stored big-endian, version 2.4) and reads the
// file back with pcapgo.
func TestBigEndianNanos(t *testing.T) {
	var buf bytes.Buffer
	s, err := NewBigEndianNanoSink(&buf, LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2024, 3, 1, 8, 0, 0, 123456789, time.UTC)
	data := []byte{0xde, 0xad}
	if err := s.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 2, Length: 2}, data); err != nil {
		t.Fatal(err)
	}
	// Header: magic, 2.4, zone 0, sigfigs 0, snaplen 262144, Ethernet.
	// Record: 1709280000 s (0x65e18b00), 123456789 ns (0x075bcd15), 2, 2, data.
	want := unhex(t, "a1b23c4d 0002 0004 00000000 00000000 00040000 00000001"+
		"65e18b00 075bcd15 00000002 00000002 dead")
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("got  % x\nwant % x", buf.Bytes(), want)
	}
	r, err := pcapgo.NewReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	got, ci, err := r.ReadPacketData()
	if err != nil || !bytes.Equal(got, data) || !ci.Timestamp.Equal(ts) || r.LinkType() != layers.LinkTypeEthernet {
		t.Errorf("read back %x %v %v %v", got, ci.Timestamp, r.LinkType(), err)
	}
}

func TestPcapSinkNanos(t *testing.T) {
	var buf bytes.Buffer
	s, err := NewPcapSink(&buf, LinkSLL2, true)
	if err != nil {
		t.Fatal(err)
	}
	ts := BaseTime.Add(987654321)
	if err := s.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: 1, Length: 1}, []byte{1}); err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	_, ci, err := r.ReadPacketData()
	if err != nil || !ci.Timestamp.Equal(ts) || r.LinkType() != layers.LinkTypeLinuxSLL2 {
		t.Errorf("read back %v %v %v", ci.Timestamp, r.LinkType(), err)
	}
}

// TestNgSink writes one packet per interface and reads the interfaces'
// link types back.
func TestNgSink(t *testing.T) {
	var buf bytes.Buffer
	s, err := NewNgSink(&buf, NgInterface{"eth0", LinkEthernet}, NgInterface{"tun0", LinkRaw})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		ci := gopacket.CaptureInfo{Timestamp: BaseTime, CaptureLength: 1, Length: 1, InterfaceIndex: i}
		if err := s.WritePacket(ci, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewNgReader(&buf, pcapgo.NgReaderOptions{WantMixedLinkType: true})
	if err != nil {
		t.Fatal(err)
	}
	var links []layers.LinkType
	for {
		_, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		intf, err := r.Interface(ci.InterfaceIndex)
		if err != nil {
			t.Fatal(err)
		}
		links = append(links, intf.LinkType)
	}
	if len(links) != 2 || links[0] != layers.LinkTypeEthernet || links[1] != layers.LinkTypeRaw {
		t.Errorf("link types %v", links)
	}
}
