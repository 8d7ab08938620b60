package tls

import "encoding/json"

type alertJSON struct {
	Level       string `json:"level"`
	Description string `json:"description"`
	Code        uint8  `json:"code"`
}

type clientHelloJSON struct {
	CipherSuites        []uint16 `json:"cipher_suites"`
	Extensions          []uint16 `json:"extensions"`
	SupportedGroups     []uint16 `json:"supported_groups,omitempty"`
	ECPointFormats      []uint16 `json:"ec_point_formats,omitempty"`
	SignatureAlgorithms []uint16 `json:"signature_algorithms,omitempty"`
}

type certJSON struct {
	Subject            string   `json:"subject,omitempty"`
	Issuer             string   `json:"issuer,omitempty"`
	SubjectCN          string   `json:"subject_cn,omitempty"`
	IssuerCN           string   `json:"issuer_cn,omitempty"`
	Serial             string   `json:"serial,omitempty"`
	NotBefore          string   `json:"not_before,omitempty"`
	NotAfter           string   `json:"not_after,omitempty"`
	SANs               []string `json:"sans,omitempty"`
	SelfSigned         *bool    `json:"self_signed,omitempty"`
	KeyType            string   `json:"key_type,omitempty"`
	KeyBits            *int     `json:"key_bits,omitempty"`
	SignatureAlgorithm string   `json:"signature_algorithm,omitempty"`
	FingerprintSHA256  string   `json:"fingerprint_sha256"`
	ParseError         string   `json:"parse_error,omitempty"`
}

type recordJSON struct {
	Alert             *alertJSON       `json:"alert,omitempty"`
	SNI               string           `json:"sni,omitempty"`
	Version           string           `json:"version,omitempty"`
	VersionCode       *uint16          `json:"version_code,omitempty"`
	ClientVersion     string           `json:"client_version,omitempty"`
	ClientVersions    []string         `json:"client_versions,omitempty"`
	CipherSuite       string           `json:"cipher_suite,omitempty"`
	CipherSuiteCode   *uint16          `json:"cipher_suite_code,omitempty"`
	ALPN              string           `json:"alpn,omitempty"`
	ALPNOffered       []string         `json:"alpn_offered,omitempty"`
	JA3               *Fingerprint     `json:"ja3,omitempty"`
	JA3S              *Fingerprint     `json:"ja3s,omitempty"`
	JA4               string           `json:"ja4,omitempty"`
	HelloRetryRequest bool             `json:"hello_retry_request,omitempty"`
	SSLv2ClientHello  bool             `json:"sslv2_client_hello,omitempty"`
	ClientHello       *clientHelloJSON `json:"client_hello,omitempty"`
	ServerExtensions  []uint16         `json:"server_extensions,omitempty"`
	Certificate       *certJSON        `json:"certificate,omitempty"`
	Chain             []certJSON       `json:"chain,omitempty"`
	ClientCertificate *certJSON        `json:"client_certificate,omitempty"`
	ClientChain       []certJSON       `json:"client_chain,omitempty"`
}

// MarshalJSON writes the schema documented in the package comment.
func (r *Record) MarshalJSON() ([]byte, error) {
	var j recordJSON
	if a := r.Alert; a != nil {
		j.Alert = &alertJSON{AlertLevelName(a.Level), AlertDescriptionName(a.Description), a.Description}
	}
	j.SNI = r.SNI
	if r.HasServerHello {
		j.Version, j.VersionCode = VersionName(r.Version), &r.Version
		j.CipherSuite, j.CipherSuiteCode = CipherSuiteName(r.CipherSuite), &r.CipherSuite
		j.ALPN = r.ALPN
		if r.JA3S.Hash != "" {
			j.JA3S = &r.JA3S
		}
		j.ServerExtensions = r.ServerExtensions
		j.HelloRetryRequest = r.HelloRetryRequest
	}
	if r.HasClientHello {
		j.ClientVersion = VersionName(r.ClientVersion)
		if len(r.ClientVersions) > 0 {
			j.ClientVersions = make([]string, len(r.ClientVersions))
			for i, v := range r.ClientVersions {
				j.ClientVersions[i] = VersionName(v)
			}
		} else {
			j.ClientVersions = []string{j.ClientVersion}
		}
		j.ALPNOffered = r.ALPNOffered
		if r.JA3.Hash != "" {
			j.JA3 = &r.JA3
		}
		j.JA4 = r.JA4
		j.SSLv2ClientHello = r.SSLv2ClientHello
		ch := &clientHelloJSON{
			CipherSuites: nonNil(r.ClientCipherSuites), Extensions: nonNil(r.ClientExtensions),
			SupportedGroups: r.SupportedGroups, SignatureAlgorithms: r.SignatureAlgorithms,
		}
		if len(r.ECPointFormats) > 0 {
			ch.ECPointFormats = make([]uint16, len(r.ECPointFormats))
			for i, v := range r.ECPointFormats {
				ch.ECPointFormats[i] = uint16(v)
			}
		}
		j.ClientHello = ch
	}
	j.Certificate, j.Chain = chainJSON(r.Certificates)
	j.ClientCertificate, j.ClientChain = chainJSON(r.ClientCertificates)
	return json.Marshal(&j)
}

func nonNil(v []uint16) []uint16 {
	if v == nil {
		return []uint16{}
	}
	return v
}

// chainJSON returns the leaf and the whole chain (nil, nil when empty).
func chainJSON(cs []Certificate) (*certJSON, []certJSON) {
	if len(cs) == 0 {
		return nil, nil
	}
	out := make([]certJSON, len(cs))
	for i := range cs {
		out[i] = certToJSON(&cs[i])
	}
	leaf := out[0]
	return &leaf, out
}

const certTime = "2006-01-02T15:04:05Z07:00"

func certToJSON(c *Certificate) certJSON {
	j := certJSON{FingerprintSHA256: c.FingerprintSHA256, ParseError: c.ParseError}
	if c.ParseError != "" {
		return j
	}
	j.Subject, j.Issuer, j.SubjectCN, j.IssuerCN = c.Subject, c.Issuer, c.SubjectCN, c.IssuerCN
	j.Serial = c.Serial
	j.NotBefore, j.NotAfter = c.NotBefore.UTC().Format(certTime), c.NotAfter.UTC().Format(certTime)
	if n := len(c.DNSNames) + len(c.IPAddresses); n > 0 {
		j.SANs = make([]string, 0, n)
		j.SANs = append(append(j.SANs, c.DNSNames...), c.IPAddresses...)
	}
	ss, bits := c.SelfSigned, c.KeyBits
	j.SelfSigned, j.KeyBits = &ss, &bits
	j.KeyType, j.SignatureAlgorithm = c.KeyType, c.SignatureAlgorithm
	return j
}
