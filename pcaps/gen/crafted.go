package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// capture is one crafted file: its name, format and content.
type capture struct {
	name   string
	link   synth.Link
	format format
	// build writes the packets. For pcapng files it gets one trace per
	// interface in ifs order.
	build func(ts ...*synth.Trace)
	ifs   []synth.NgInterface
}

type format uint8

const (
	pcapMicro format = iota
	pcapBENano
	pcapNG
	pcapGzip
)

// captures lists every crafted file, in the order they are written.
func captures() []capture {
	return []capture{
		{name: "modbus_functions.pcap", link: synth.LinkEthernet, build: one(functions)},
		{name: "modbus_malformed.pcap", link: synth.LinkEthernet, build: one(malformed)},
		{name: "modbus_segmentation.pcap", link: synth.LinkEthernet, build: one(segmentation)},
		{name: "modbus_midstream.pcap", link: synth.LinkEthernet, build: one(midstream)},
		{name: "non_modbus_port502.pcap", link: synth.LinkEthernet, build: one(notModbus)},
		{name: "modbus_port5020.pcap", link: synth.LinkEthernet, build: one(port5020)},
		{name: "modbus_vlan_ipv6_frag.pcap", link: synth.LinkEthernet, build: one(vlanIPv6Frag)},
		{name: "modbus_sll.pcap", link: synth.LinkSLL, build: one(cooked)},
		{name: "modbus_sll2.pcap", link: synth.LinkSLL2, build: one(cooked)},
		{name: "modbus_rawip.pcap", link: synth.LinkRaw, build: one(rawIP)},
		{name: "modbus_null.pcap", link: synth.LinkNull, build: one(loopback)},
		{name: "modbus_multi_if.pcapng", format: pcapNG, build: multiIf,
			ifs: []synth.NgInterface{{Name: "eth0", Link: synth.LinkEthernet}, {Name: "tun0", Link: synth.LinkRaw}}},
		{name: "modbus_bigendian_ns.pcap", link: synth.LinkEthernet, format: pcapBENano, build: one(bigEndianNanos)},
		{name: "modbus_plant.pcap.gz", link: synth.LinkEthernet, format: pcapGzip, build: one(plant)},
		{name: "dnp3_session.pcap", link: synth.LinkEthernet, build: one(dnp3Session)},
		{name: "dnp3_udp.pcap", link: synth.LinkEthernet, build: one(dnp3UDP)},
		{name: "dnp3_malformed.pcap", link: synth.LinkEthernet, build: one(dnp3Malformed)},
		{name: "dnp3_multi_outstation.pcap", link: synth.LinkEthernet, build: one(dnp3MultiOutstation)},
		{name: "mqtt_malformed.pcap", link: synth.LinkEthernet, build: one(mqttMalformed)},
		{name: "mqtt_port.pcap", link: synth.LinkEthernet, build: one(mqttPort)},
		{name: "tls_malformed.pcap", link: synth.LinkEthernet, build: one(tlsMalformed)},
		{name: scenNormalFile, link: synth.LinkEthernet, build: one(func(t *synth.Trace) { attackScenario(t, false) })},
		{name: scenSuspectFile, link: synth.LinkEthernet, build: one(func(t *synth.Trace) { attackScenario(t, true) })},
	}
}

func one(f func(t *synth.Trace)) func(...*synth.Trace) {
	return func(ts ...*synth.Trace) { f(ts[0]) }
}

// writeCrafted writes every crafted capture into dir and returns their names.
func writeCrafted(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var names []string
	for _, c := range captures() {
		b, _, err := c.bytes()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		path := filepath.Join(dir, c.name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return nil, err
		}
		names = append(names, c.name)
	}
	labels, err := writeScenarioLabels(dir)
	if err != nil {
		return nil, err
	}
	return append(names, labels), nil
}

// bytes renders the capture and returns its file content and packet count.
func (c capture) bytes() ([]byte, int, error) {
	var buf bytes.Buffer
	var sink synth.Sink
	var err error
	switch c.format {
	case pcapMicro, pcapGzip:
		sink, err = synth.NewPcapSink(&buf, c.link, false)
	case pcapBENano:
		sink, err = synth.NewBigEndianNanoSink(&buf, c.link)
	case pcapNG:
		sink, err = synth.NewNgSink(&buf, c.ifs...)
	}
	if err != nil {
		return nil, 0, err
	}
	var ts []*synth.Trace
	if c.format == pcapNG {
		for i, f := range c.ifs {
			t := synth.NewTrace(sink, f.Link, synth.BaseTime)
			t.SetInterface(i)
			ts = append(ts, t)
		}
	} else {
		ts = append(ts, synth.NewTrace(sink, c.link, synth.BaseTime))
	}
	c.build(ts...)
	n := 0
	for _, t := range ts {
		if err := t.Err(); err != nil {
			return nil, 0, err
		}
		n += t.Packets()
	}
	if err := sink.Flush(); err != nil {
		return nil, 0, err
	}
	if c.format != pcapGzip {
		return buf.Bytes(), n, nil
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return nil, 0, err
	}
	// A fixed header (no name, zero mtime) keeps the file reproducible.
	zw.Header = gzip.Header{OS: 255}
	if _, err := io.Copy(zw, &buf); err != nil {
		return nil, 0, err
	}
	if err := zw.Close(); err != nil {
		return nil, 0, err
	}
	return gz.Bytes(), n, nil
}

// Time helpers for scenarios.
const (
	ms = time.Millisecond
	us = time.Microsecond
)
