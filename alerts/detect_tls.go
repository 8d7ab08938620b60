package alerts

import (
	"strings"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// weakVersion reports whether v is SSL 2.0, SSL 3.0, TLS 1.0 or TLS 1.1.
func weakVersion(v uint16) bool {
	return v == 0x0002 || (v >= 0x0300 && v <= 0x0302)
}

// weakCipherMarks are the parts of an IANA suite name that make it weak:
// no encryption, export strength, no authentication, broken ciphers.
var weakCipherMarks = [...]string{"_NULL_", "EXPORT", "_anon_", "RC4", "3DES", "_DES_"}

// weakCipher reports whether the suite named name is weak.
func weakCipher(name string) bool {
	for _, m := range weakCipherMarks {
		if strings.Contains(name, m) {
			return true
		}
	}
	return false
}

// Certificate validity causes (alertKey.n of tls.certificate_validity).
const (
	certExpired     = 1
	certNotYetValid = 2
)

func (e *Engine) tls(ev *dissectors.Event, r *tls.Record) {
	if r.Alert != nil {
		return
	}
	f := ev.Flow
	if r.HasServerHello {
		if weakVersion(r.Version) {
			k := alertKey{rule: ruleTLSWeakVersion, src: hostOf(f.Client), dst: serviceOf(f.Server), n: uint32(r.Version)}
			e.raise(k, ev.Time, f, func(a *Alert) {
				a.Title = "TLS version below 1.2 negotiated: " + tls.VersionName(r.Version)
				a.Evidence = recordEvidence(ev)
			})
		}
		if name := tls.CipherSuiteName(r.CipherSuite); weakCipher(name) {
			k := alertKey{rule: ruleTLSWeakCipher, src: hostOf(f.Client), dst: serviceOf(f.Server), n: uint32(r.CipherSuite)}
			e.raise(k, ev.Time, f, func(a *Alert) {
				a.Title = "Weak TLS cipher suite negotiated: " + name
				a.Evidence = recordEvidence(ev)
			})
		}
	}
	if len(r.Certificates) == 0 {
		return
	}
	leaf := &r.Certificates[0]
	if leaf.ParseError != "" || leaf.FingerprintSHA256 == "" {
		return
	}
	var why uint32
	switch {
	case !leaf.NotAfter.IsZero() && ev.Time.After(leaf.NotAfter):
		why = certExpired
	case ev.Time.Before(leaf.NotBefore):
		why = certNotYetValid
	}
	if why != 0 {
		k := alertKey{rule: ruleTLSCertificateValidity, dst: serviceOf(f.Server), n: why, s: leaf.FingerprintSHA256}
		e.raise(k, ev.Time, f, func(a *Alert) {
			if why == certExpired {
				a.Title = "TLS server certificate expired"
			} else {
				a.Title = "TLS server certificate not yet valid"
			}
			a.Evidence = recordEvidence(ev)
		})
	}
	if leaf.SelfSigned {
		k := alertKey{rule: ruleTLSSelfSigned, dst: serviceOf(f.Server), s: leaf.FingerprintSHA256}
		e.raise(k, ev.Time, f, func(a *Alert) { a.Evidence = recordEvidence(ev) })
	}
}
