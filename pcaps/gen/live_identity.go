package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/otsensor/otsensor/pcaps/synth"
)

// serveIdentity answers one connection on l as a PLC that implements Read
// Device Identification (FC 43 / MEI 14) and refuses everything else with
// exception 1. It returns when the client closes.
func serveIdentity(l net.Listener) error {
	conn, err := l.Accept()
	if err != nil {
		return err
	}
	defer conn.Close()
	for {
		adu, err := readADU(conn)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := conn.Write(identityAnswer(adu)); err != nil {
			return err
		}
	}
}

// identityAnswer returns the response to adu (as returned by readADU, at
// least 8 bytes): Read Device ID for FC 43 / MEI 14, exception 1 for
// anything else.
func identityAnswer(adu []byte) []byte {
	objects := []synth.DeviceObject{
		{ID: synth.ObjVendorName, Value: "Schneider Electric"},
		{ID: synth.ObjProductCode, Value: "BMX P34 2020"},
		{ID: synth.ObjMajorMinorRevision, Value: "v3.10"},
	}
	h := synth.MBAP{TID: binary.BigEndian.Uint16(adu), Unit: adu[6]}
	pdu := adu[7:]
	if len(pdu) != 4 || pdu[0] != synth.FCEncapsulatedInterface || pdu[1] != synth.MEIReadDeviceID {
		return h.Exception(nil, pdu[0], synth.ExIllegalFunction)
	}
	r := synth.DeviceIDResponse{Code: pdu[2], Conformity: 0x81, Objects: objects}
	switch pdu[2] {
	case synth.DeviceIDBasic:
	case synth.DeviceIDIndividual:
		if int(pdu[3]) >= len(objects) {
			return h.Exception(nil, pdu[0], synth.ExIllegalDataAddress)
		}
		r.Objects = objects[pdu[3] : pdu[3]+1]
	default:
		return h.Exception(nil, pdu[0], synth.ExIllegalDataValue)
	}
	return h.ReadDeviceIDResponse(nil, r)
}

// readADU reads one Modbus/TCP ADU of 8 to 260 bytes.
func readADU(r io.Reader) ([]byte, error) {
	hdr := make([]byte, 7, 260)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(hdr[4:]))
	if n < 2 || n > 254 {
		return nil, fmt.Errorf("bad MBAP length %d", n)
	}
	adu := append(hdr, make([]byte, n-1)...)
	_, err := io.ReadFull(r, adu[7:])
	return adu, err
}

// identityClient reads the identity server's basic objects, then one
// object individually, over a plain socket.
func identityClient() error {
	conn, err := net.DialTimeout("tcp", liveIdentity, 2*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	for i, req := range [][]byte{
		synth.MBAP{TID: 1, Unit: 1}.ReadDeviceID(nil, synth.DeviceIDBasic, synth.ObjVendorName),
		synth.MBAP{TID: 2, Unit: 1}.ReadDeviceID(nil, synth.DeviceIDIndividual, synth.ObjProductCode),
	} {
		if _, err := conn.Write(req); err != nil {
			return err
		}
		resp, err := readADU(conn)
		if err != nil {
			return err
		}
		if resp[7] != synth.FCEncapsulatedInterface {
			return fmt.Errorf("identity request %d: function code %#x in response", i+1, resp[7])
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}
