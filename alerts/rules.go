package alerts

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	yaml "go.yaml.in/yaml/v3"
)

// Rule is one compiled custom rule.
type Rule struct {
	ID          string
	Title       string
	Severity    Severity
	Engine      string
	Category    string
	Description string
	MITRE       *Technique
	Condition   string
	// File and Line say where the rule was defined (the line of its id).
	File string
	Line int

	info   DetectionInfo // the defaults of r's alerts, set at load from the fields above
	prg    cel.Program
	protos protoMask // the protocols whose fields the condition reads; 0: all events
	stats  RuleStat
}

// RuleName is the alert rule name of r: "custom.<id>".
func (r *Rule) RuleName() string { return "custom." + r.ID }

// RuleError is a rule that could not be loaded.
type RuleError struct {
	File string
	Line int // 0 when unknown
	Col  int // 1-based; 0 when unknown
	ID   string
	Msg  string
}

func (e *RuleError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	if e.ID != "" {
		fmt.Fprintf(&b, "rule %q: ", e.ID)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// RuleErrors are the rules a load rejected. The rules that compiled are
// loaded all the same.
type RuleErrors []*RuleError

func (es RuleErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// RuleSet is a set of custom rules: alerts written by the user as CEL
// conditions, compiled, and given to an Engine through Config.Rules. It
// holds the rules' evaluation counters and a reused activation, so it is
// used by one Engine at a time.
//
// A rule file is YAML: one rule (a mapping), a list of rules, or several
// documents. Keys, all others being errors:
//
//	id:          required; letters, digits, '_', '-', '.'; the alert's rule is "custom.<id>"
//	title:       required; the alert's title
//	severity:    required; low, medium, high or critical
//	condition:   required; a CEL expression of type bool
//	engine:      policy (default), protocol, anomaly or operational
//	category:    default "custom"
//	description: free text
//	mitre:       {id: T0855, name: Unauthorized Command Message}
//
// Conditions are compiled and type-checked at load: a field that does not
// exist, a comparison between wrong types or a syntax error rejects the
// rule with the file and the YAML line. The variables (field names are
// those of the events output; numbers are CEL int unless said otherwise):
//
//	event.app_proto   string: "modbus", "dnp3", "mqtt", "tls", or the anomaly's protocol
//	event.direction   string: "to_server" or "to_client"
//	event.time        timestamp: packet time
//	event.modbus      transaction_id, unit_id, function_code, function (name),
//	                  response (bool), exception_code, exception (name),
//	                  address, quantity, read_address, read_quantity,
//	                  byte_count, values (list(int)), sub_function,
//	                  sub_function_name, mei_type, and_mask, or_mask
//	event.dnp3        src, dst (link addresses), from_master (bool),
//	                  link_function, link_function_code, link_only (bool),
//	                  function_code, function (name), response, unsolicited
//	                  (bool), iin (list(string): "device_restart", ...),
//	                  iin_value, objects (list of {group, variation,
//	                  qualifier, name, count, start, stop})
//	event.mqtt        type ("CONNECT", "SUBSCRIBE", ...), protocol_version,
//	                  client_id, packet_id, qos, retain, dup (bool),
//	                  topic, topics (list(string): the topic filters of a
//	                  SUBSCRIBE, UNSUBSCRIBE or their acks), username,
//	                  username_present, password_present, anonymous,
//	                  plaintext_credentials (bool), payload_length,
//	                  reason_code
//	event.tls         sni, version ("TLS 1.2"), version_code,
//	                  client_version, cipher_suite (name),
//	                  cipher_suite_code, alpn, alpn_offered (list(string)),
//	                  ja3, ja3s (MD5 hashes), ja4, alert (description name),
//	                  certificate {subject, issuer, subject_cn, issuer_cn,
//	                  serial, not_before, not_after (timestamps), sans
//	                  (list(string)), self_signed (bool), key_type,
//	                  key_bits, fingerprint_sha256}
//	event.anomaly     name ("modbus.invalid_length"), app_proto, detail
//	src, dest         ip (string), port, mac (string, "" without a link
//	                  layer): the flow's client and server, whatever the
//	                  direction of the event
//	flow              id (uint), transport ("TCP", "UDP")
//
// A field that does not apply to an event (event.modbus.address of a read
// response, event.modbus of a DNP3 event) is absent: reading it is an
// evaluation error and the rule does not fire; has(event.modbus.address)
// tests for it. A rule that reads event.<protocol> (other than inside
// has()) runs only on events of the protocols it reads, so that a Modbus
// rule costs nothing on other traffic; a rule that reads none runs on
// every event, anomalies included. Evaluation errors are counted per rule
// (Engine.RuleStats) and never stop the engine.
//
// Besides the standard CEL functions, conditions may use the cel-go
// string extensions (lowerAscii, split, ...) and the network extensions:
// cidr("10.1.0.0/16").containsIP(dest.ip), ip(src.ip).isLoopback().
type RuleSet struct {
	env   *cel.Env
	rules []*Rule
	ids   map[string]*Rule
	// byProto lists, for each protocol index, the rules to evaluate on
	// its events.
	byProto [numProtos][]*Rule
	vars    ruleVars
}

var ruleIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// NewRuleSet returns an empty rule set.
func NewRuleSet() (*RuleSet, error) {
	env, err := newRuleEnv()
	if err != nil {
		return nil, err
	}
	return &RuleSet{env: env, ids: map[string]*Rule{}}, nil
}

// LoadRules loads rule files: each path is a file, or a directory whose
// *.yaml and *.yml files (not recursive) are loaded in name order. A path
// that cannot be read is returned as a plain error with a nil set. Rules
// that do not compile are returned as RuleErrors, next to a set holding
// the others.
func LoadRules(paths ...string) (*RuleSet, error) {
	s, err := NewRuleSet()
	if err != nil {
		return nil, err
	}
	var files []string
	for _, p := range paths {
		fs, err := ruleFiles(p)
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	var bad RuleErrors
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := s.AddYAML(f, data); err != nil {
			var re RuleErrors
			if !errors.As(err, &re) {
				return nil, err
			}
			bad = append(bad, re...)
		}
	}
	if len(bad) > 0 {
		return s, bad
	}
	return s, nil
}

// ruleFiles expands path: a file is itself, a directory its YAML files.
func ruleFiles(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml")) {
			out = append(out, filepath.Join(path, n))
		}
	}
	slices.Sort(out)
	return out, nil
}

// Rules returns the loaded rules in load order.
func (s *RuleSet) Rules() []*Rule {
	if s == nil {
		return nil
	}
	return slices.Clone(s.rules)
}

// AddYAML parses and compiles the rules of one YAML file (file names it
// in errors) and adds those that compile. It returns RuleErrors for the
// others.
func (s *RuleSet) AddYAML(file string, data []byte) error {
	var bad RuleErrors
	lines := strings.Split(string(data), "\n")
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bad = append(bad, yamlError(file, err))
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		switch root.Kind {
		case yaml.MappingNode:
			if e := s.addNode(file, lines, root); e != nil {
				bad = append(bad, e)
			}
		case yaml.SequenceNode:
			for _, n := range root.Content {
				if e := s.addNode(file, lines, n); e != nil {
					bad = append(bad, e)
				}
			}
		default:
			bad = append(bad, &RuleError{File: file, Line: root.Line, Col: root.Column, Msg: "want a rule (a mapping) or a list of rules"})
		}
	}
	if len(bad) > 0 {
		return bad
	}
	return nil
}

// yamlLine finds "line N" in a yaml.v3 error.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func yamlError(file string, err error) *RuleError {
	re := &RuleError{File: file, Msg: err.Error()}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		fmt.Sscan(m[1], &re.Line)
		re.Msg = m[2]
	}
	return re
}

// ruleSpec is a rule as written, with the YAML nodes of its keys.
type ruleSpec struct {
	ID, Title, Severity, Condition, Engine, Category, Description string
	MITRE                                                         *Technique
	nodes                                                         map[string]*yaml.Node
}

// addNode parses, checks and compiles the rule in mapping n.
func (s *RuleSet) addNode(file string, lines []string, n *yaml.Node) *RuleError {
	errAt := func(at *yaml.Node, id, format string, args ...any) *RuleError {
		return &RuleError{File: file, Line: at.Line, Col: at.Column, ID: id, Msg: fmt.Sprintf(format, args...)}
	}
	if n.Kind != yaml.MappingNode {
		return errAt(n, "", "want a rule (a mapping with id, title, severity, condition)")
	}
	sp := ruleSpec{nodes: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if _, dup := sp.nodes[k.Value]; dup {
			return errAt(k, "", "key %q given twice", k.Value)
		}
		sp.nodes[k.Value] = v
		var dst *string
		switch k.Value {
		case "id":
			dst = &sp.ID
		case "title":
			dst = &sp.Title
		case "severity":
			dst = &sp.Severity
		case "condition":
			dst = &sp.Condition
		case "engine":
			dst = &sp.Engine
		case "category":
			dst = &sp.Category
		case "description":
			dst = &sp.Description
		case "mitre":
			var t Technique
			if err := v.Decode(&t); err != nil || t.ID == "" {
				return errAt(v, "", "mitre: want {id: T0855, name: ...}")
			}
			sp.MITRE = &t
			continue
		default:
			return errAt(k, "", "unknown key %q (want id, title, severity, condition, engine, category, description, mitre)", k.Value)
		}
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return errAt(v, "", "%s: want a string", k.Value)
		}
		*dst = v.Value
	}
	line := n.Line
	if idn := sp.nodes["id"]; idn != nil {
		line = idn.Line
	}
	for _, req := range []struct{ key, val string }{{"id", sp.ID}, {"title", sp.Title}, {"severity", sp.Severity}, {"condition", sp.Condition}} {
		if strings.TrimSpace(req.val) == "" {
			return &RuleError{File: file, Line: line, ID: sp.ID, Msg: "missing " + req.key}
		}
	}
	if !ruleIDPattern.MatchString(sp.ID) {
		return errAt(sp.nodes["id"], sp.ID, "id: use letters, digits, '_', '-' and '.'")
	}
	if prev := s.ids[sp.ID]; prev != nil {
		return errAt(sp.nodes["id"], sp.ID, "duplicate id: first defined at %s:%d", prev.File, prev.Line)
	}
	sev, err := ParseSeverity(sp.Severity)
	if err != nil {
		return errAt(sp.nodes["severity"], sp.ID, "%v", err)
	}
	engine := EnginePolicy
	if sp.Engine != "" {
		switch sp.Engine {
		case EnginePolicy, EngineProtocol, EngineAnomaly, EngineOperational:
			engine = sp.Engine
		default:
			return errAt(sp.nodes["engine"], sp.ID, "engine %q: want policy, protocol, anomaly or operational", sp.Engine)
		}
	}
	category := sp.Category
	if category == "" {
		category = "custom"
	}
	r := &Rule{ID: sp.ID, Title: sp.Title, Severity: sev, Engine: engine, Category: category,
		Description: sp.Description, MITRE: sp.MITRE, Condition: sp.Condition, File: file, Line: line}
	r.info = DetectionInfo{Rule: r.RuleName(), Title: r.Title, Severity: r.Severity, Engine: r.Engine,
		Category: r.Category, MITRE: r.MITRE, Description: r.Description}
	if e := s.compile(r, lines, sp.nodes["condition"]); e != nil {
		return e
	}
	s.rules = append(s.rules, r)
	s.ids[r.ID] = r
	for p := range numProtos {
		if r.protos == 0 || r.protos&(1<<p) != 0 {
			s.byProto[p] = append(s.byProto[p], r)
		}
	}
	return nil
}

// compile type-checks r's condition and plans its program. CEL's
// positions are mapped back to the YAML file through cond, the node of
// the condition.
func (s *RuleSet) compile(r *Rule, lines []string, cond *yaml.Node) *RuleError {
	ast, iss := s.env.Compile(r.Condition)
	if iss != nil && iss.Err() != nil {
		errs := iss.Errors()
		e := &RuleError{File: r.File, Line: cond.Line, Col: cond.Column, ID: r.ID}
		msgs := make([]string, 0, len(errs))
		for _, ce := range errs {
			msgs = append(msgs, ce.Message)
		}
		if len(errs) > 0 {
			e.Line, e.Col = yamlPos(lines, cond, errs[0].Location.Line(), errs[0].Location.Column())
		}
		e.Msg = "condition: " + strings.Join(msgs, "; ")
		return e
	}
	if !ast.OutputType().IsExactType(cel.BoolType) {
		return &RuleError{File: r.File, Line: cond.Line, Col: cond.Column, ID: r.ID,
			Msg: "condition: want a bool, the expression is " + ast.OutputType().String()}
	}
	prg, err := s.env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return &RuleError{File: r.File, Line: cond.Line, Col: cond.Column, ID: r.ID, Msg: "condition: " + err.Error()}
	}
	r.prg = prg
	r.protos = protosRead(ast)
	return nil
}

// yamlPos maps a CEL position (1-based line, 0-based column within the
// condition) to a 1-based line and column of the file, whose lines are
// lines. A literal block scalar (|) starts on the line after its
// indicator, indented; a plain scalar on the key's line is the
// condition's first line. In folded and quoted scalars, whose line breaks
// CEL does not see as written, the position is the scalar's own.
func yamlPos(lines []string, cond *yaml.Node, line, col int) (int, int) {
	if line < 1 {
		return cond.Line, cond.Column
	}
	if cond.Style&yaml.LiteralStyle != 0 {
		l := cond.Line + line // 1-based file line
		if l-1 < len(lines) {
			indent := blockIndent(lines, cond.Line)
			return l, indent + col + 1
		}
		return cond.Line, cond.Column
	}
	if cond.Style&(yaml.FoldedStyle|yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0 && line == 1 {
		return cond.Line, cond.Column + col
	}
	return cond.Line, cond.Column
}

// blockIndent is the indentation of a block scalar whose indicator is on
// 1-based line at: that of its first non-blank line.
func blockIndent(lines []string, at int) int {
	for _, l := range lines[min(at, len(lines)):] {
		if strings.TrimSpace(l) != "" {
			return len(l) - len(strings.TrimLeft(l, " "))
		}
	}
	return 0
}
