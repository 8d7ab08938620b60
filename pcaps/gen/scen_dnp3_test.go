package main

import (
	"slices"
	"strings"
	"testing"
)

// dnp3Truth is the part of a make_truth.py file the tests read.
type dnp3Truth struct {
	truthCommon
	DNP3 struct {
		Src        []int          `json:"source_link_addresses"`
		LinkFuncs  map[string]int `json:"link_function_counts"`
		AppFuncs   map[string]int `json:"application_function_counts"`
		UNSBit     int            `json:"al_uns_bit_set_count"`
		IIN        map[string]int `json:"iin_flags_seen"`
		Objects    map[string]int `json:"object_headers"`
		Endpoints  []string       `json:"transport_endpoints"`
		Malformed  int            `json:"malformed_frames"`
		LinkFrames int            `json:"link_frame_count"`
	} `json:"dnp3"`
}

// TestDNP3TruthFiles checks that every crafted DNP3 capture has a tshark
// truth file made from its current bytes, and that tshark saw what the
// scenario meant to write. Regenerate the truth files after changing a
// scenario:
//
//	python3 ../shared/tools/make_truth.py --force --decode-as pcaps/gen/testdata/dnp3_decode_as.json --root pcaps pcaps/dnp3_*.pcap
func TestDNP3TruthFiles(t *testing.T) {
	names := craftedWithPrefix("dnp3_")
	if len(names) < 3 {
		t.Errorf("DNP3 captures %v", names)
	}
	checkTruthFiles(t, names, checkDNP3Truth)
}

func checkDNP3Truth(t *testing.T, name string, tr *dnp3Truth) {
	d := tr.DNP3
	if d.LinkFrames == 0 {
		t.Fatal("tshark saw no DNP3")
	}
	if name != "dnp3_malformed.pcap" && d.Malformed != 0 {
		t.Errorf("tshark marks %d frames malformed", d.Malformed)
	}
	want := truthWant(t)
	switch name {
	case "dnp3_session.pcap":
		want("link status request and answer", d.LinkFuncs["PRM 9 (Request Link Status)"] == 1 && d.LinkFuncs["SEC 11 (Status of Link)"] == 1)
		// 3 confirms of the multi-fragment response + 1 unsolicited.
		want("4 confirms", d.AppFuncs["0 (Confirm)"] == 4)
		want("select and operate pairs", d.AppFuncs["3 (Select)"] == 2 && d.AppFuncs["4 (Operate)"] == 2)
		want("cold restart", d.AppFuncs["13 (Cold Restart)"] == 1)
		want("one unsolicited response and its confirm with UNS", d.AppFuncs["130 (Unsolicited Response)"] == 1 && d.UNSBit == 2)
		// Unsolicited, IIN write and time write responses carry class 1;
		// one response has restart, two need time.
		want("IIN restart, need time, class 1", d.IIN["rst"] == 1 && d.IIN["tsr"] == 2 && d.IIN["cls1d"] == 3)
		for _, v := range []string{"Acme Controls", "RTU-5000", "4.2.1", "B", "SN12345"} {
			want("attribute "+v, hasObject(d.Objects, "Value: "+v))
		}
		for _, o := range []string{"(Obj:41, Var:01)", "(Obj:41, Var:02)", "(Obj:41, Var:03)", "(Obj:41, Var:04)",
			"(Obj:12, Var:01)", "(Obj:50, Var:01)", "(Obj:80, Var:01)", "(Obj:52, Var:02)", "(Obj:02, Var:02)", "(Obj:32, Var:01)"} {
			want("object "+o, hasObject(d.Objects, o))
		}
	case "dnp3_udp.pcap":
		want("decode-as for port 20001", slices.Contains(tr.DecodeAs, "udp.port==20001,dnp3") && slices.Contains(tr.DecodeAs, "tcp.port==20001,dnp3"))
		for _, e := range []string{"udp 192.168.20.10:20000 -> 192.168.20.21:20000", "udp 192.168.20.10:51001 -> 192.168.20.22:20001",
			"tcp 192.168.20.10:50220 -> 192.168.20.22:20001"} {
			want(e, slices.Contains(d.Endpoints, e))
		}
		want("attributes of the port-20001 RTU", hasObject(d.Objects, "Value: NovaTech"))
	case "dnp3_malformed.pcap":
		want("the short response and the truncated datagram as malformed", d.Malformed >= 2)
		want("NO_FUNC_CODE_SUPPORT and OBJECT_UNKNOWN", d.IIN["fcni"] == 1 && d.IIN["obju"] == 1)
		want("the unknown object g99v1", hasObject(d.Objects, "(0x6301)"))
		want("function 70", d.AppFuncs["70 (Unknown function (0x46))"] == 1)
	case "dnp3_multi_outstation.pcap":
		want("link addresses 1, 10-12, 20, 21", slices.Equal(d.Src, []int{1, 10, 11, 12, 20, 21}))
		want("gateway attributes twice", d.Objects["Object(s): Device Attributes - Device Manufacturers Name (Obj:00, Var:252) (0x00fc), 1 point, Value: Moxa"] == 2)
	}
}

func hasObject(objs map[string]int, sub string) bool {
	for k := range objs {
		if strings.Contains(k, sub) {
			return true
		}
	}
	return false
}
