package mqtt

import (
	"encoding/base64"
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// testDeviceKey is a 32-byte device key, as IoT Hub makes them.
var testDeviceKey = []byte("this is a test device key 32byte")

// opensslSAS computes the token of Microsoft's IoT Hub security guide
// independently of sasToken: the HMAC comes from openssl, the URL-encoded
// resource is written by hand.
func opensslSAS(t *testing.T, encodedResource string, key []byte, expiry int64) string {
	t.Helper()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is not installed: %v", err)
	}
	se := time.Unix(expiry, 0).Unix()
	toSign := encodedResource + "\n" + itoa(se)
	cmd := exec.Command(openssl, "dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:"+hex.EncodeToString(key), "-binary")
	cmd.Stdin = strings.NewReader(toSign)
	mac, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl dgst: %v", err)
	}
	if len(mac) != 32 {
		t.Fatalf("openssl gave %d bytes, want a 32-byte HMAC-SHA256", len(mac))
	}
	sig := base64.StdEncoding.EncodeToString(mac)
	// Base64's three characters that are not URL-safe.
	sig = strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(sig)
	return "SharedAccessSignature sr=" + encodedResource + "&sig=" + sig + "&se=" + itoa(se)
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func TestSASTokenMatchesOpenSSL(t *testing.T) {
	for _, tc := range []struct {
		hub, device string
		encoded     string // the resource, URL-encoded by hand
		expiry      int64
		key         []byte
	}{
		{"myhub.azure-devices.net", "dev-1", "myhub.azure-devices.net%2Fdevices%2Fdev-1", 1893456000, testDeviceKey},
		{"hub.example.net", "sensor_7.a", "hub.example.net%2Fdevices%2Fsensor_7.a", 1700000000, []byte{0, 1, 2, 0xfe, 0xff}},
		// ':' and '@' are allowed in device ids and must be escaped.
		{"h.azure-devices.net", "plant:line@3", "h.azure-devices.net%2Fdevices%2Fplant%3Aline%403", 2000000001, testDeviceKey[:16]},
	} {
		h := &hubAuth{hub: tc.hub, device: tc.device}
		got := sasToken(h.resource(), tc.key, time.Unix(tc.expiry, 0))
		want := opensslSAS(t, tc.encoded, tc.key, tc.expiry)
		if got != want {
			t.Errorf("%s/%s:\n got %s\nwant %s", tc.hub, tc.device, got, want)
		}
		exp, err := tokenExpiry(got)
		if err != nil || exp.Unix() != tc.expiry {
			t.Errorf("tokenExpiry(%s) = %v, %v; want %d", got, exp, err, tc.expiry)
		}
	}
}

func TestTokenExpiry(t *testing.T) {
	for _, tc := range []struct {
		token string
		want  int64 // 0: error
	}{
		{"SharedAccessSignature sr=a%2Fdevices%2Fb&sig=abc%3D&se=1700000000", 1700000000},
		{"SharedAccessSignature se=42&sr=x&sig=y&skn=policy", 42},
		{"SharedAccessSignature sr=x&sig=y", 0},         // no se
		{"SharedAccessSignature sr=x&sig=y&se=soon", 0}, // not a number
		{"SharedAccessSignature sr=x&sig=y&se=-5", 0},   // negative
		{"sr=x&sig=y&se=1700000000", 0},                 // no prefix
		{"", 0},
	} {
		got, err := tokenExpiry(tc.token)
		if tc.want == 0 {
			if err == nil {
				t.Errorf("tokenExpiry(%q) = %v, want an error", tc.token, got)
			}
			continue
		}
		if err != nil || got.Unix() != tc.want {
			t.Errorf("tokenExpiry(%q) = %v, %v; want %d", tc.token, got, err, tc.want)
		}
	}
}

func TestURIEscape(t *testing.T) {
	for in, want := range map[string]string{
		"hub/devices/d":    "hub%2Fdevices%2Fd",
		"AZaz09-._~":       "AZaz09-._~",
		"a b+c=d&e":        "a%20b%2Bc%3Dd%26e",
		"application/json": "application%2Fjson",
		"\xff\x00é":        "%FF%00%C3%A9",
	} {
		if got := uriEscape(in); got != want {
			t.Errorf("uriEscape(%q) = %q, want %q", in, got, want)
		}
	}
}
