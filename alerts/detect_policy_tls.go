package alerts

import (
	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/tls"
)

func (e *Engine) policyTLS(ev *dissectors.Event, r *tls.Record) {
	if r.Alert != nil {
		return
	}
	b := e.cfg.Baseline
	p := &b.proto
	f := ev.Flow
	t := ev.Time
	if r.HasClientHello {
		c := hostOf(f.Client)
		k3 := tlsKey{host: c, kind: tlsJA3, value: r.JA3.Hash}
		k4 := tlsKey{host: c, kind: tlsJA4, value: r.JA4}
		new3 := k3.value != "" && !p.tlsHas(k3, t)
		new4 := k4.value != "" && !p.tlsHas(k4, t)
		if new3 || new4 {
			if p.tlsKnown(c, tlsJA3)+p.tlsKnown(c, tlsJA4) > 0 && !e.protoSilent(f, t) {
				ak := alertKey{rule: rulePolicyTLSFingerprint, src: c, s: "ja3=" + k3.value + ",ja4=" + k4.value}
				e.raise(ak, t, f, func(a *Alert) {
					a.Title = "New TLS client fingerprint on a known device: JA4 " + k4.value
					a.Evidence = evidence(map[string]any{
						"ja3": r.JA3, "ja4": r.JA4, "new_ja3": new3, "new_ja4": new4, "sni": r.SNI,
					})
				})
			}
			if new3 {
				b.learnTLS(k3, t)
			}
			if new4 {
				b.learnTLS(k4, t)
			}
		}
	}
	if !r.HasClientHello && len(r.Certificates) == 0 {
		return
	}
	s := serviceOf(f.Server)
	if r.SNI != "" {
		if k := (tlsKey{host: s, kind: tlsSNI, value: r.SNI}); !p.tlsHas(k, t) {
			b.learnTLS(k, t)
		}
	}
	if len(r.Certificates) == 0 || r.Certificates[0].FingerprintSHA256 == "" {
		return
	}
	leaf := &r.Certificates[0]
	k := tlsKey{host: s, kind: tlsCert, value: leaf.FingerprintSHA256}
	if p.tlsHas(k, t) {
		return
	}
	if p.tlsKnown(s, tlsCert) > 0 && !e.protoSilent(f, t) {
		ak := alertKey{rule: rulePolicyTLSCertificate, dst: s, s: k.value}
		e.raise(ak, t, f, func(a *Alert) {
			a.Title = "TLS server presents a new certificate: " + quoteName(leaf.SubjectCN)
			a.Evidence = evidence(map[string]any{
				"sni": r.SNI, "subject": leaf.Subject, "issuer": leaf.Issuer, "serial": leaf.Serial,
				"not_before": leaf.NotBefore, "not_after": leaf.NotAfter, "fingerprint_sha256": leaf.FingerprintSHA256,
			})
		})
	}
	b.learnTLS(k, t)
}
