package mqtt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// sasToken signs an IoT Hub device SAS token for resource
// ("{hub}/devices/{device}") that expires at expiry, as Microsoft's IoT Hub
// security guide describes: the HMAC-SHA256, keyed with the decoded device
// key, of the URL-encoded resource, a newline and the expiry in Unix
// seconds; then "SharedAccessSignature sr={encoded resource}&sig={URL-encoded
// base64 signature}&se={expiry}". Device keys carry no skn (policy name).
func sasToken(resource string, key []byte, expiry time.Time) string {
	sr := uriEscape(resource)
	se := strconv.FormatInt(expiry.Unix(), 10)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(sr + "\n" + se))
	sig := base64.StdEncoding.EncodeToString(m.Sum(nil))
	return "SharedAccessSignature sr=" + sr + "&sig=" + uriEscape(sig) + "&se=" + se
}

// tokenExpiry returns a SAS token's se (expiry) field.
func tokenExpiry(token string) (time.Time, error) {
	fields, ok := strings.CutPrefix(token, "SharedAccessSignature ")
	if !ok {
		return time.Time{}, errors.New("not a SharedAccessSignature token")
	}
	for f := range strings.SplitSeq(fields, "&") {
		if v, ok := strings.CutPrefix(f, "se="); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return time.Time{}, errors.New("token's se (expiry) is not a Unix time")
			}
			return time.Unix(n, 0), nil
		}
	}
	return time.Time{}, errors.New("token has no se (expiry) field")
}

// uriEscape percent-encodes every byte but RFC 3986's unreserved
// characters (ALPHA DIGIT - . _ ~), with upper-case hex digits: for device
// ids and base64 this equals JavaScript's encodeURIComponent, which
// Microsoft's samples use.
func uriEscape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
