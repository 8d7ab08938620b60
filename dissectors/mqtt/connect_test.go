package mqtt

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// connectPassword is the 5.0 CONNECT of decodeCases ("5.0 connect
// properties user+pass"): its password is "s3cr3t!" (73336372337421).
const connectPassword = "10 46 0004 4d515454 05 c2 001e 28 | 11 0000003c | 21 0014 | 26 0001 61 0001 62 | 15 0005 5343524 14d | 16 0002 7878 | 17 01 | 19 00 | 22 000a | 27 00001000 | 0002 6335 | 0004 75736572 | 0007 73336372337421"

// TestPasswordNeverKept checks that neither the Record nor its JSON holds
// the password, in any form, and that changing the password's bytes
// changes nothing in the output.
func TestPasswordNeverKept(t *testing.T) {
	var d packetDecoder
	r, anom := pkDecode(t, &d, 0, connectPassword)
	if len(anom) != 0 {
		t.Fatalf("anomalies %v", anom)
	}
	if !r.PasswordPresent || !r.UsernamePresent || !r.PlaintextCredentials || r.Anonymous {
		t.Errorf("credential flags: %+v", r)
	}
	_, js := pkJSON(t, r)
	for _, s := range []string{"s3cr3t", "73336372337421", "czNjcjN0"} { // text, hex, base64
		if strings.Contains(js, s) {
			t.Errorf("JSON holds %q: %s", s, js)
		}
	}
	if strings.Contains(js, "password_length") {
		t.Errorf("JSON has a password length: %s", js)
	}
	walkStrings(reflect.ValueOf(r).Elem(), func(s string) {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("Record string holds the password: %q", s)
		}
	})
	// Same packet, other password bytes of the same length: same JSON.
	other := bytes.Replace(unhex(t, connectPassword), []byte("s3cr3t!"), []byte("XXXXXXX"), 1)
	h, body, length, _ := pkSplit(other)
	var r2 Record
	var f findings
	(&packetDecoder{}).decode(h, body, length, 0, &r2, &f)
	js2, _ := json.Marshal(&r2)
	if string(js2) != js {
		t.Errorf("JSON depends on the password:\n%s\n%s", js, js2)
	}
}

// walkStrings calls fn on every string reachable from v.
func walkStrings(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.String:
		fn(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			walkStrings(v.Field(i), fn)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkStrings(v.Index(i), fn)
		}
	}
}

// TestConnectSetsVersionAndClientID checks that a CONNECT replaces the
// version and client id carried in the Record, and that other packets
// keep them.
func TestConnectSetsVersionAndClientID(t *testing.T) {
	var d packetDecoder
	r := Record{ProtocolVersion: 4, ClientID: "old"}
	var f findings
	b := unhex(t, "10 0e 0004 4d515454 05 02 003c 00 0001 63") // 5.0 CONNECT, client "c"
	h, body, n, _ := pkSplit(b)
	d.decode(h, body, n, 4, &r, &f)
	if r.ProtocolVersion != 5 || r.ClientID != "c" || r.DecodedVersion != 5 {
		t.Fatalf("after CONNECT: version %d client %q decoded %d", r.ProtocolVersion, r.ClientID, r.DecodedVersion)
	}
	h, body, n, _ = pkSplit(unhex(t, "c0 00"))
	d.decode(h, body, n, 5, &r, &f)
	if r.Type != PingReq || r.ProtocolVersion != 5 || r.ClientID != "c" {
		t.Fatalf("PINGREQ lost the carried fields: %+v", r)
	}
	// A CONNECT with an empty client id clears the carried one.
	h, body, n, _ = pkSplit(unhex(t, "10 0c 0004 4d515454 04 02 003c 0000"))
	d.decode(h, body, n, 5, &r, &f)
	if r.ClientID != "" || r.ProtocolVersion != 4 {
		t.Fatalf("empty client id: %q version %d", r.ClientID, r.ProtocolVersion)
	}
}

// TestCutPackets decodes packets whose remaining length is larger than
// the bytes given (too large to keep): headers are decoded, the payload
// length comes from the remaining length, and nothing is malformed.
func TestCutPackets(t *testing.T) {
	cases := []struct {
		name   string
		ver    uint8
		h      byte
		body   string
		length int
		want   string
		anom   []string
	}{
		{"3.1.1 publish qos1", 4, 0x32,
			// topic "a/b" | packet id 7 | first 3 payload bytes of 993
			"0003 612f62 0007 414243", 1000,
			`{"topic":"a/b","packet_id":7,"payload_length":993}`, nil},
		{"5.0 publish cut in properties", 5, 0x30,
			// topic "t" | properties (16) of which 3 bytes given: message_expiry_interval cut
			"0001 74 10 02 0000", 500,
			`{"topic":"t","payload_length":480}`, nil},
		{"publish cut in topic", 4, 0x30,
			// topic length 300, 2 bytes given
			"012c 6162", 1000,
			`{"topic":"","payload_length":698}`, nil},
		{"3.1.1 connect cut after client id", 0, 0x10,
			// "MQTT" 4 | flags c6: user, pass, will, clean | keep alive 60 | client "big" | will topic "w" | will payload 5000 bytes (cut)
			"0004 4d515454 04 c6 003c 0003 626967 0001 77 1388 0102", 6000,
			`{"client_id":"big","username_present":true,"password_present":true,"will":{"topic":"w","qos":0,"retain":false,"payload_length":5000},"username":""}`, nil},
		{"connect length field past the announced end", 0, 0x10,
			// will payload length 5000 but remaining length 100: malformed, not cut
			"0004 4d515454 04 06 003c 0003 626967 0001 77 1388 0102", 100,
			`{"client_id":"big"}`, []string{aMal}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d packetDecoder
			d.preview = 16
			var r Record
			var f findings
			d.decode(c.h, unhex(t, c.body), c.length, c.ver, &r, &f)
			if got := f.Names(Anomalies); !sameStrings(got, c.anom) {
				t.Errorf("anomalies %v, want %v", got, c.anom)
			}
			m, js := pkJSON(t, &r)
			checkSubset(t, m, c.want)
			if t.Failed() {
				t.Logf("JSON %s", js)
			}
		})
	}
}
