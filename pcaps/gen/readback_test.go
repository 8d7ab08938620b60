package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// frame is one packet read back from a capture file.
type frame struct {
	ci   gopacket.CaptureInfo
	data []byte
	link layers.LinkType
}

// readCapture reads a pcap, big-endian pcap, gzip'd pcap or pcapng file
// with pcapgo.
func readCapture(name string, b []byte) ([]frame, error) {
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		if b, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	var out []frame
	if strings.HasSuffix(name, ".pcapng") {
		r, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, err
		}
		for {
			data, ci, err := r.ReadPacketData()
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			if err != nil {
				return nil, err
			}
			intf, err := r.Interface(ci.InterfaceIndex)
			if err != nil {
				return nil, err
			}
			out = append(out, frame{ci: ci, data: data, link: intf.LinkType})
		}
	}
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, frame{ci: ci, data: data, link: r.LinkType()})
	}
}

// linkSet returns the link types of frames, in order of first use.
func linkSet(fs []frame) []layers.LinkType {
	var ls []layers.LinkType
	seen := map[layers.LinkType]bool{}
	for _, f := range fs {
		if !seen[f.link] {
			seen[f.link] = true
			ls = append(ls, f.link)
		}
	}
	return ls
}

func describe(fs []frame) string {
	return fmt.Sprintf("%d packets, link types %v", len(fs), linkSet(fs))
}
