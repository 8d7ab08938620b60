package alerts

import (
	"errors"
	"reflect"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
)

// The CEL types of the rule variables (see RuleSet).
const (
	celEvent       = "otsensor.Event"
	celModbus      = "otsensor.Modbus"
	celDNP3        = "otsensor.DNP3"
	celDNP3Object  = "otsensor.DNP3Object"
	celMQTT        = "otsensor.MQTT"
	celTLS         = "otsensor.TLS"
	celCertificate = "otsensor.Certificate"
	celAnomaly     = "otsensor.Anomaly"
	celEndpoint    = "otsensor.Endpoint"
	celFlow        = "otsensor.Flow"
)

// protoMask is a set of protocol indexes.
type protoMask uint8

// Protocol indexes: the kinds of events rules are indexed by.
const (
	protoModbus = iota
	protoDNP3
	protoMQTT
	protoTLS
	protoAnomaly
	protoOther // a record of another protocol
	numProtos
)

// protoFields are the event fields that name a protocol.
var protoFields = map[string]int{
	"modbus": protoModbus, "dnp3": protoDNP3, "mqtt": protoMQTT, "tls": protoTLS, "anomaly": protoAnomaly,
}

// protosRead returns the protocols whose event.<proto> a checked
// condition reads outside has().
func protosRead(a *cel.Ast) protoMask {
	var m protoMask
	ast.PostOrderVisit(a.NativeRep().Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() != ast.SelectKind {
			return
		}
		s := e.AsSelect()
		if s.IsTestOnly() || s.Operand().Kind() != ast.IdentKind || s.Operand().AsIdent() != "event" {
			return
		}
		if p, ok := protoFields[s.FieldName()]; ok {
			m |= 1 << p
		}
	}))
	return m
}

// structDef is one CEL struct type over a Go type.
type structDef struct {
	typ    *types.Type
	fields map[string]*types.FieldType
	names  []string
}

// ruleTypes is the type provider and adapter of the rule environment: the
// registry's, plus the struct types of the rule variables, whose fields
// read the typed records directly.
type ruleTypes struct {
	*types.Registry
	structs map[string]*structDef
}

func (p *ruleTypes) def(name string) *structDef {
	d := &structDef{typ: types.NewObjectType(name), fields: map[string]*types.FieldType{}}
	p.structs[name] = d
	return d
}

// field declares a field of T whose value is a CEL value.
func field[T any](d *structDef, name string, t *types.Type, get func(*T) (ref.Val, bool)) {
	fieldAny(d, name, t, func(v *T) (any, bool) { return get(v) })
}

// fieldAny declares a field of T whose value is a CEL value or a Go value
// of a rule struct (given to the next field's getter as it is, without
// boxing).
func fieldAny[T any](d *structDef, name string, t *types.Type, get func(*T) (any, bool)) {
	g := func(o any) (any, bool) {
		v, ok := o.(*T)
		if !ok || v == nil {
			return nil, false
		}
		return get(v)
	}
	absent := &absentError{name}
	d.names = append(d.names, name)
	d.fields[name] = &types.FieldType{
		Type:  t,
		IsSet: func(o any) bool { _, ok := g(o); return ok },
		GetFrom: func(o any) (any, error) {
			v, ok := g(o)
			if !ok {
				return nil, absent
			}
			return v, nil
		},
	}
}

// absentError is the evaluation error of a field that does not apply to
// the event: the rule does not match, and it is counted apart from real
// errors (RuleStat.Absent).
type absentError struct{ field string }

func (e *absentError) Error() string { return "no such key: " + e.field }

// FindStructType implements types.Provider.
func (p *ruleTypes) FindStructType(name string) (*types.Type, bool) {
	if d := p.structs[name]; d != nil {
		return types.NewTypeTypeWithParam(d.typ), true
	}
	return p.Registry.FindStructType(name)
}

// FindStructFieldNames implements types.Provider.
func (p *ruleTypes) FindStructFieldNames(name string) ([]string, bool) {
	if d := p.structs[name]; d != nil {
		return d.names, true
	}
	return p.Registry.FindStructFieldNames(name)
}

// FindStructFieldType implements types.Provider.
func (p *ruleTypes) FindStructFieldType(name, field string) (*types.FieldType, bool) {
	if d := p.structs[name]; d != nil {
		ft, ok := d.fields[field]
		return ft, ok
	}
	return p.Registry.FindStructFieldType(name, field)
}

// NewValue implements types.Provider: rules cannot build these structs.
func (p *ruleTypes) NewValue(name string, fields map[string]ref.Val) ref.Val {
	if p.structs[name] != nil {
		return types.NewErr("%s cannot be created in a rule", name)
	}
	return p.Registry.NewValue(name, fields)
}

// NativeToValue implements types.Adapter: a Go value of a rule struct (a
// whole struct a condition names, a list element) becomes an opaque
// struct value whose fields the declared getters read.
func (p *ruleTypes) NativeToValue(v any) ref.Val {
	if t := p.structOf(v); t != nil {
		return &structVal{typ: t, v: v}
	}
	return p.Registry.NativeToValue(v)
}

// structVal is a Go value seen as a CEL struct of type typ.
type structVal struct {
	typ *types.Type
	v   any
}

func (s *structVal) ConvertToNative(reflect.Type) (any, error) { return s.v, nil }

func (s *structVal) ConvertToType(t ref.Type) ref.Val {
	if t.TypeName() == types.TypeType.TypeName() {
		return s.typ
	}
	if t.TypeName() == s.typ.TypeName() {
		return s
	}
	return types.NewErr("type conversion error from %s to %s", s.typ.TypeName(), t.TypeName())
}

func (s *structVal) Equal(o ref.Val) ref.Val {
	if os, ok := o.(*structVal); ok {
		return types.Bool(os.v == s.v)
	}
	return types.False
}

func (s *structVal) Type() ref.Type { return s.typ }
func (s *structVal) Value() any     { return s.v }

// newRuleEnv builds the CEL environment of custom rules.
func newRuleEnv() (*cel.Env, error) {
	p := &ruleTypes{Registry: types.NewEmptyRegistry(), structs: map[string]*structDef{}}
	declareRuleTypes(p)
	env, err := cel.NewEnv(
		cel.CustomTypeProvider(p),
		cel.CustomTypeAdapter(p),
		cel.Variable("event", types.NewObjectType(celEvent)),
		cel.Variable("src", types.NewObjectType(celEndpoint)),
		cel.Variable("dest", types.NewObjectType(celEndpoint)),
		cel.Variable("flow", types.NewObjectType(celFlow)),
		ext.Strings(),
		ext.Network(),
	)
	if err != nil {
		return nil, errors.New("custom rules: " + err.Error())
	}
	return env, nil
}
