package alerts

import (
	"net/netip"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/otsensor/otsensor/dissectors"
	"github.com/otsensor/otsensor/dissectors/dnp3"
	"github.com/otsensor/otsensor/dissectors/modbus"
	"github.com/otsensor/otsensor/dissectors/mqtt"
	"github.com/otsensor/otsensor/dissectors/tls"
)

// ruleEndpoint is src or dest: one end of the event's flow, with its
// formatted values kept for the next events of the same flow.
type ruleEndpoint struct {
	ap      netip.AddrPort
	mac     [6]byte
	ip, hw  ref.Val // formatted on first use
	portVal ref.Val
}

func (e *ruleEndpoint) set(ap netip.AddrPort, mac [6]byte) {
	*e = ruleEndpoint{ap: ap, mac: mac}
}

// Boxed constants: returning them allocates nothing.
var (
	dirVals = [2]ref.Val{types.String(dissectors.ToServer.String()), types.String(dissectors.ToClient.String())}
	noVal   = types.NewStringList(types.DefaultTypeAdapter, nil)
)

func vInt[N ~uint8 | ~uint16 | ~uint32 | ~int](n N) (ref.Val, bool) { return types.Int(n), true }
func vStr(s string) (ref.Val, bool)                                 { return types.String(s), true }
func vBool(b bool) (ref.Val, bool)                                  { return types.Bool(b), true }

// vIf returns v when ok, else absent.
func vIf(ok bool, v ref.Val) (ref.Val, bool) {
	if !ok {
		return nil, false
	}
	return v, true
}

// structOf returns the CEL type of a Go value of a rule struct, nil for
// others.
func (p *ruleTypes) structOf(v any) *types.Type {
	var name string
	switch v.(type) {
	case *dissectors.Event:
		name = celEvent
	case *modbus.Record:
		name = celModbus
	case *dnp3.Record:
		name = celDNP3
	case *dnp3.Object:
		name = celDNP3Object
	case *mqtt.Record:
		name = celMQTT
	case *tls.Record:
		name = celTLS
	case *tls.Certificate:
		name = celCertificate
	case *dissectors.Anomaly:
		name = celAnomaly
	case *ruleEndpoint:
		name = celEndpoint
	case *dissectors.Flow:
		name = celFlow
	default:
		return nil
	}
	return p.structs[name].typ
}

// declareRuleTypes declares the struct types of the rule variables. The
// field list is documented on RuleSet: keep both in step.
func declareRuleTypes(p *ruleTypes) {
	obj := func(name string) *types.Type { return types.NewObjectType(name) }
	strList := types.NewListType(types.StringType)
	I, S, B := types.IntType, types.StringType, types.BoolType

	ev := p.def(celEvent)
	field(ev, "app_proto", S, func(e *dissectors.Event) (ref.Val, bool) {
		if e.Anomaly != nil {
			return vStr(e.Anomaly.AppProto)
		}
		if e.Record != nil {
			return vStr(e.Record.AppProto())
		}
		return nil, false
	})
	field(ev, "direction", S, func(e *dissectors.Event) (ref.Val, bool) { return dirVals[e.Dir&1], true })
	field(ev, "time", types.TimestampType, func(e *dissectors.Event) (ref.Val, bool) {
		return types.Timestamp{Time: e.Time}, true
	})
	fieldAny(ev, "modbus", obj(celModbus), func(e *dissectors.Event) (any, bool) {
		r, ok := e.Record.(*modbus.Record)
		return r, ok
	})
	fieldAny(ev, "dnp3", obj(celDNP3), func(e *dissectors.Event) (any, bool) {
		r, ok := e.Record.(*dnp3.Record)
		return r, ok
	})
	fieldAny(ev, "mqtt", obj(celMQTT), func(e *dissectors.Event) (any, bool) {
		r, ok := e.Record.(*mqtt.Record)
		return r, ok
	})
	fieldAny(ev, "tls", obj(celTLS), func(e *dissectors.Event) (any, bool) {
		r, ok := e.Record.(*tls.Record)
		return r, ok
	})
	fieldAny(ev, "anomaly", obj(celAnomaly), func(e *dissectors.Event) (any, bool) {
		return e.Anomaly, e.Anomaly != nil
	})

	mb := p.def(celModbus)
	field(mb, "transaction_id", I, func(r *modbus.Record) (ref.Val, bool) { return vInt(r.TransactionID) })
	field(mb, "unit_id", I, func(r *modbus.Record) (ref.Val, bool) { return vInt(r.UnitID) })
	field(mb, "function_code", I, func(r *modbus.Record) (ref.Val, bool) { return vInt(r.FunctionCode) })
	field(mb, "function", S, func(r *modbus.Record) (ref.Val, bool) { return vStr(r.Function) })
	field(mb, "response", B, func(r *modbus.Record) (ref.Val, bool) { return vBool(r.Response) })
	field(mb, "exception_code", I, func(r *modbus.Record) (ref.Val, bool) { return vIf(r.Exception, types.Int(r.ExceptionCode)) })
	field(mb, "exception", S, func(r *modbus.Record) (ref.Val, bool) { return vIf(r.Exception, types.String(r.ExceptionName)) })
	mbOpt := func(name string, f modbus.Field, get func(*modbus.Record) int) {
		field(mb, name, I, func(r *modbus.Record) (ref.Val, bool) {
			if !r.Has(f) {
				return nil, false
			}
			return types.Int(get(r)), true
		})
	}
	mbOpt("address", modbus.FieldAddress, func(r *modbus.Record) int { return int(r.Address) })
	mbOpt("quantity", modbus.FieldQuantity, func(r *modbus.Record) int { return int(r.Quantity) })
	mbOpt("read_address", modbus.FieldReadAddress, func(r *modbus.Record) int { return int(r.ReadAddress) })
	mbOpt("read_quantity", modbus.FieldReadAddress, func(r *modbus.Record) int { return int(r.ReadQuantity) })
	mbOpt("byte_count", modbus.FieldByteCount, func(r *modbus.Record) int { return int(r.ByteCount) })
	mbOpt("sub_function", modbus.FieldSubFunction, func(r *modbus.Record) int { return int(r.SubFunction) })
	mbOpt("mei_type", modbus.FieldMEIType, func(r *modbus.Record) int { return int(r.MEIType) })
	mbOpt("and_mask", modbus.FieldMasks, func(r *modbus.Record) int { return int(r.AndMask) })
	mbOpt("or_mask", modbus.FieldMasks, func(r *modbus.Record) int { return int(r.OrMask) })
	field(mb, "sub_function_name", S, func(r *modbus.Record) (ref.Val, bool) {
		return vIf(r.Has(modbus.FieldSubFunction), types.String(r.SubFunctionName))
	})
	field(mb, "values", types.NewListType(I), func(r *modbus.Record) (ref.Val, bool) {
		vals := make([]int64, len(r.Values))
		for i, v := range r.Values {
			vals[i] = int64(v)
		}
		return types.DefaultTypeAdapter.NativeToValue(vals), true
	})

	dn := p.def(celDNP3)
	app := func(r *dnp3.Record) bool { return !r.LinkOnly }
	field(dn, "src", I, func(r *dnp3.Record) (ref.Val, bool) { return vInt(r.Src) })
	field(dn, "dst", I, func(r *dnp3.Record) (ref.Val, bool) { return vInt(r.Dst) })
	field(dn, "from_master", B, func(r *dnp3.Record) (ref.Val, bool) { return vBool(r.FromMaster) })
	field(dn, "link_function_code", I, func(r *dnp3.Record) (ref.Val, bool) { return vInt(r.LinkFunctionCode) })
	field(dn, "link_function", S, func(r *dnp3.Record) (ref.Val, bool) { return vStr(r.LinkFunction) })
	field(dn, "link_only", B, func(r *dnp3.Record) (ref.Val, bool) { return vBool(r.LinkOnly) })
	field(dn, "function_code", I, func(r *dnp3.Record) (ref.Val, bool) { return vIf(app(r), types.Int(r.FunctionCode)) })
	field(dn, "function", S, func(r *dnp3.Record) (ref.Val, bool) { return vIf(app(r), types.String(r.Function)) })
	field(dn, "response", B, func(r *dnp3.Record) (ref.Val, bool) { return vIf(app(r), types.Bool(r.Response)) })
	field(dn, "unsolicited", B, func(r *dnp3.Record) (ref.Val, bool) { return vIf(app(r), types.Bool(r.Unsolicited)) })
	field(dn, "iin_value", I, func(r *dnp3.Record) (ref.Val, bool) { return vInt(r.IIN) })
	field(dn, "iin", strList, func(r *dnp3.Record) (ref.Val, bool) {
		if r.IIN == 0 {
			return noVal, true
		}
		return types.NewStringList(types.DefaultTypeAdapter, dnp3.IINNames(r.IIN, nil)), true
	})
	objType := p.def(celDNP3Object).typ
	field(dn, "objects", types.NewListType(obj(celDNP3Object)), func(r *dnp3.Record) (ref.Val, bool) {
		vals := make([]ref.Val, len(r.Objects))
		for i := range r.Objects {
			vals[i] = &structVal{typ: objType, v: &r.Objects[i]}
		}
		return types.NewRefValList(types.DefaultTypeAdapter, vals), true
	})
	do := p.structs[celDNP3Object]
	field(do, "group", I, func(o *dnp3.Object) (ref.Val, bool) { return vInt(o.Group) })
	field(do, "variation", I, func(o *dnp3.Object) (ref.Val, bool) { return vInt(o.Variation) })
	field(do, "qualifier", I, func(o *dnp3.Object) (ref.Val, bool) { return vInt(o.Qualifier) })
	field(do, "name", S, func(o *dnp3.Object) (ref.Val, bool) { return vStr(o.Name) })
	field(do, "count", I, func(o *dnp3.Object) (ref.Val, bool) { return vIf(true, types.Int(o.Count)) })
	field(do, "start", I, func(o *dnp3.Object) (ref.Val, bool) { return vIf(o.HasRange, types.Int(o.Start)) })
	field(do, "stop", I, func(o *dnp3.Object) (ref.Val, bool) { return vIf(o.HasRange, types.Int(o.Stop)) })

	mq := p.def(celMQTT)
	connect := func(r *mqtt.Record) bool { return r.Type == mqtt.Connect }
	publish := func(r *mqtt.Record) bool { return r.Type == mqtt.Publish }
	field(mq, "type", S, func(r *mqtt.Record) (ref.Val, bool) {
		v := r.DecodedVersion
		if v == 0 {
			v = r.ProtocolVersion
		}
		return vStr(mqtt.TypeName(r.Type, v))
	})
	field(mq, "protocol_version", I, func(r *mqtt.Record) (ref.Val, bool) { return vInt(r.ProtocolVersion) })
	field(mq, "client_id", S, func(r *mqtt.Record) (ref.Val, bool) { return vStr(r.ClientID) })
	field(mq, "packet_id", I, func(r *mqtt.Record) (ref.Val, bool) { return vIf(r.HasPacketID, types.Int(r.PacketID)) })
	field(mq, "qos", I, func(r *mqtt.Record) (ref.Val, bool) { return vIf(publish(r), types.Int(r.QoS)) })
	field(mq, "retain", B, func(r *mqtt.Record) (ref.Val, bool) { return vIf(publish(r), types.Bool(r.Retain)) })
	field(mq, "dup", B, func(r *mqtt.Record) (ref.Val, bool) { return vIf(publish(r), types.Bool(r.DUP)) })
	field(mq, "payload_length", I, func(r *mqtt.Record) (ref.Val, bool) { return vIf(publish(r), types.Int(r.PayloadLength)) })
	field(mq, "topic", S, func(r *mqtt.Record) (ref.Val, bool) {
		return vIf(publish(r) || r.Topic != "", types.String(r.Topic))
	})
	field(mq, "topics", strList, func(r *mqtt.Record) (ref.Val, bool) {
		if len(r.Topics) == 0 {
			return noVal, true
		}
		fs := make([]string, len(r.Topics))
		for i := range r.Topics {
			fs[i] = r.Topics[i].Filter
		}
		return types.NewStringList(types.DefaultTypeAdapter, fs), true
	})
	field(mq, "username", S, func(r *mqtt.Record) (ref.Val, bool) {
		return vIf(connect(r) && r.UsernamePresent, types.String(r.Username))
	})
	mqConnect := func(name string, get func(*mqtt.Record) bool) {
		field(mq, name, B, func(r *mqtt.Record) (ref.Val, bool) { return vIf(connect(r), types.Bool(get(r))) })
	}
	mqConnect("username_present", func(r *mqtt.Record) bool { return r.UsernamePresent })
	mqConnect("password_present", func(r *mqtt.Record) bool { return r.PasswordPresent })
	mqConnect("anonymous", func(r *mqtt.Record) bool { return r.Anonymous })
	mqConnect("plaintext_credentials", func(r *mqtt.Record) bool { return r.PlaintextCredentials })
	field(mq, "reason_code", I, func(r *mqtt.Record) (ref.Val, bool) { return vIf(r.HasReasonCode, types.Int(r.ReasonCode)) })

	tl := p.def(celTLS)
	ch := func(r *tls.Record) bool { return r.HasClientHello }
	sh := func(r *tls.Record) bool { return r.HasServerHello }
	field(tl, "sni", S, func(r *tls.Record) (ref.Val, bool) { return vIf(ch(r), types.String(r.SNI)) })
	field(tl, "client_version", S, func(r *tls.Record) (ref.Val, bool) {
		return vIf(ch(r), types.String(tls.VersionName(r.ClientVersion)))
	})
	field(tl, "ja3", S, func(r *tls.Record) (ref.Val, bool) { return vIf(ch(r) && r.JA3.Hash != "", types.String(r.JA3.Hash)) })
	field(tl, "ja4", S, func(r *tls.Record) (ref.Val, bool) { return vIf(ch(r) && r.JA4 != "", types.String(r.JA4)) })
	field(tl, "alpn_offered", strList, func(r *tls.Record) (ref.Val, bool) {
		return vIf(ch(r), types.NewStringList(types.DefaultTypeAdapter, r.ALPNOffered))
	})
	field(tl, "version", S, func(r *tls.Record) (ref.Val, bool) { return vIf(sh(r), types.String(tls.VersionName(r.Version))) })
	field(tl, "version_code", I, func(r *tls.Record) (ref.Val, bool) { return vIf(sh(r), types.Int(r.Version)) })
	field(tl, "cipher_suite", S, func(r *tls.Record) (ref.Val, bool) {
		return vIf(sh(r), types.String(tls.CipherSuiteName(r.CipherSuite)))
	})
	field(tl, "cipher_suite_code", I, func(r *tls.Record) (ref.Val, bool) { return vIf(sh(r), types.Int(r.CipherSuite)) })
	field(tl, "alpn", S, func(r *tls.Record) (ref.Val, bool) { return vIf(sh(r), types.String(r.ALPN)) })
	field(tl, "ja3s", S, func(r *tls.Record) (ref.Val, bool) { return vIf(sh(r) && r.JA3S.Hash != "", types.String(r.JA3S.Hash)) })
	field(tl, "alert", S, func(r *tls.Record) (ref.Val, bool) {
		if r.Alert == nil {
			return nil, false
		}
		return vStr(tls.AlertDescriptionName(r.Alert.Description))
	})
	certType := p.def(celCertificate).typ
	fieldAny(tl, "certificate", certType, func(r *tls.Record) (any, bool) {
		if len(r.Certificates) == 0 {
			return nil, false
		}
		return &r.Certificates[0], true
	})
	ce := p.structs[celCertificate]
	parsed := func(c *tls.Certificate) bool { return c.ParseError == "" }
	ceStr := func(name string, get func(*tls.Certificate) string) {
		field(ce, name, S, func(c *tls.Certificate) (ref.Val, bool) { return vIf(parsed(c), types.String(get(c))) })
	}
	ceStr("subject", func(c *tls.Certificate) string { return c.Subject })
	ceStr("issuer", func(c *tls.Certificate) string { return c.Issuer })
	ceStr("subject_cn", func(c *tls.Certificate) string { return c.SubjectCN })
	ceStr("issuer_cn", func(c *tls.Certificate) string { return c.IssuerCN })
	ceStr("serial", func(c *tls.Certificate) string { return c.Serial })
	ceStr("key_type", func(c *tls.Certificate) string { return c.KeyType })
	field(ce, "fingerprint_sha256", S, func(c *tls.Certificate) (ref.Val, bool) { return vStr(c.FingerprintSHA256) })
	field(ce, "not_before", types.TimestampType, func(c *tls.Certificate) (ref.Val, bool) {
		return vIf(parsed(c), types.Timestamp{Time: c.NotBefore})
	})
	field(ce, "not_after", types.TimestampType, func(c *tls.Certificate) (ref.Val, bool) {
		return vIf(parsed(c), types.Timestamp{Time: c.NotAfter})
	})
	field(ce, "self_signed", B, func(c *tls.Certificate) (ref.Val, bool) { return vIf(parsed(c), types.Bool(c.SelfSigned)) })
	field(ce, "key_bits", I, func(c *tls.Certificate) (ref.Val, bool) { return vIf(parsed(c), types.Int(c.KeyBits)) })
	field(ce, "sans", strList, func(c *tls.Certificate) (ref.Val, bool) {
		sans := append(append([]string{}, c.DNSNames...), c.IPAddresses...)
		return vIf(parsed(c), types.NewStringList(types.DefaultTypeAdapter, sans))
	})

	an := p.def(celAnomaly)
	field(an, "name", S, func(a *dissectors.Anomaly) (ref.Val, bool) { return vStr(a.Name) })
	field(an, "app_proto", S, func(a *dissectors.Anomaly) (ref.Val, bool) { return vStr(a.AppProto) })
	field(an, "detail", S, func(a *dissectors.Anomaly) (ref.Val, bool) { return vStr(a.Detail) })

	ep := p.def(celEndpoint)
	field(ep, "ip", S, func(e *ruleEndpoint) (ref.Val, bool) {
		if e.ip == nil {
			e.ip = types.String(e.ap.Addr().Unmap().String())
		}
		return e.ip, true
	})
	field(ep, "port", I, func(e *ruleEndpoint) (ref.Val, bool) {
		if e.portVal == nil {
			e.portVal = types.Int(e.ap.Port())
		}
		return e.portVal, true
	})
	field(ep, "mac", S, func(e *ruleEndpoint) (ref.Val, bool) {
		if e.hw == nil {
			e.hw = types.String(macString(e.mac))
		}
		return e.hw, true
	})

	fl := p.def(celFlow)
	field(fl, "id", types.UintType, func(f *dissectors.Flow) (ref.Val, bool) { return types.Uint(f.ID), true })
	field(fl, "transport", S, func(f *dissectors.Flow) (ref.Val, bool) { return vStr(f.Transport.String()) })
}
