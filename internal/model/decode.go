package model

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/gatehouse-dev/gatehouse/internal/hint"
	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/suggest"
)

// Load reads, decodes and validates the model at path, and checks that the
// files it refers to (SAML metadata) exist and hold what they should. On any
// problem it returns the partially decoded model and a Problems error
// listing them all, sorted. It reads at most MaxFileSize bytes (and one
// more, to tell a file that is too large), and never writes anything.
func Load(path string) (*Model, error) {
	data, err := readModel(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, hint.Wrap(fmt.Errorf("reading access model: %w", err),
			"name the model with -f FILE, or write one (docs/access-model.md; `gatehouse import -o gatehouse.yaml` starts from what Identity Center holds)")
	}
	if err != nil {
		return nil, fmt.Errorf("reading access model: %w", err)
	}
	m, probs := Parse(path, data)
	probs = append(probs, Validate(m)...)
	probs = append(probs, checkFiles(m)...)
	if len(probs) > 0 {
		return m, probs.Sort()
	}
	return m, nil
}

// readModel reads the model file, at most MaxFileSize+1 bytes of it, so a
// huge file (or /dev/zero) costs no more than a file just too large.
func readModel(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxFileSize+1))
}

// Parse decodes a model from YAML, reporting structural problems (syntax,
// unknown keys, wrong types, malformed values) with positions. It never
// panics on any input. Semantic checks are Validate's.
//
// Before the YAML parser runs, the input is checked against the limits
// (MaxFileSize, MaxItems, MaxDepth, MaxMappingKeys, MaxKeyWork), which
// bound the parser's time and memory, and must be UTF-8 text; after it,
// aliases must not expand the model beyond MaxExpandedNodes. A file beyond
// a limit gets one problem saying which, and is not decoded.
func Parse(file string, data []byte) (*Model, Problems) {
	d := &decoder{file: file, anchors: map[string]ast.Node{}}
	m := &Model{File: file}
	toks, p := tokenize(file, data)
	if p != nil {
		return m, Problems{*p}
	}
	// Duplicate keys are reported by the decoder, with the other problems,
	// rather than stopping the parser at the first.
	f, err := parser.Parse(toks, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		d.syntaxError(err)
		return m, d.probs.Sort()
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if body != nil {
			d.errorf(doc.Body, "put the whole model in one YAML document", "more than one YAML document in the file")
			break
		}
		body = doc.Body
	}
	if body == nil {
		d.probs = append(d.probs, Problem{Pos: Pos{File: file, Line: 1, Col: 1}, Message: "the file holds no access model", Hint: "start with `version: 1`"})
		return m, d.probs
	}
	if p := checkExpansion(file, body); p != nil {
		return m, append(d.probs, *p).Sort()
	}
	// Anchors may be defined anywhere, even under a key gatehouse does not
	// know (reported as unknown), and still serve the aliases that use them.
	ast.Walk(anchorCollector(d.anchors), body)
	d.decodeModel(body, m)
	m.Positions = map[string]Pos{}
	d.index(body, "", m.Positions, 0)
	return m, d.probs.Sort()
}

// anchorCollector records every anchor of a document, in document order.
type anchorCollector map[string]ast.Node

func (a anchorCollector) Visit(n ast.Node) ast.Visitor {
	if an, ok := n.(*ast.AnchorNode); ok && an.Name != nil {
		a[an.Name.String()] = an.Value
	}
	return a
}

type decoder struct {
	file    string
	probs   Problems
	anchors map[string]ast.Node
	depth   int
	// resolved is where the last value resolve was given is: a problem
	// about a value that resolved to nothing (an unknown alias) is
	// reported there.
	resolved Pos
}

var yamlErrPos = lazyRE(`^\[(\d+):(\d+)\]\s*(.*)`)

func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	first := strings.SplitN(msg, "\n", 2)[0]
	p := Problem{Pos: Pos{File: d.file, Line: 1, Col: 1}, Message: "YAML syntax error: " + first, Hint: "check indentation and quoting near this position"}
	if m := yamlErrPos.FindStringSubmatch(first); m != nil {
		p.Pos.Line, _ = strconv.Atoi(m[1])
		p.Pos.Col, _ = strconv.Atoi(m[2])
		p.Message = "YAML syntax error: " + m[3]
	}
	d.probs = append(d.probs, p)
}

func (d *decoder) pos(n ast.Node) Pos {
	if n == nil {
		return Pos{File: d.file}
	}
	// A block mapping's token is the colon of its first entry; point at the
	// first key instead, where a reader's eye goes.
	switch v := n.(type) {
	case *ast.MappingValueNode:
		if v.Key != nil {
			return d.pos(v.Key)
		}
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 && v.Values[0] != nil && v.Values[0].Key != nil {
			return d.pos(v.Values[0].Key)
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: tk.Position.Line, Col: tk.Position.Column}
}

func (d *decoder) errorf(n ast.Node, hint, format string, args ...any) {
	p := d.pos(n)
	if p.Line == 0 && d.resolved.Line > 0 {
		p = d.resolved
	}
	if p.Line == 0 {
		p.Line, p.Col = 1, 1
	}
	d.probs = append(d.probs, Problem{Pos: p, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// resolve follows anchors, aliases and tags to the node that holds the value.
func (d *decoder) resolve(n ast.Node) ast.Node {
	if p := d.pos(n); p.Line > 0 {
		d.resolved = p
	}
	for i := 0; i < 32 && n != nil; i++ {
		switch v := n.(type) {
		case *ast.AnchorNode:
			if v.Name != nil {
				d.anchors[v.Name.String()] = v.Value
			}
			n = v.Value
		case *ast.AliasNode:
			name := ""
			if v.Value != nil {
				name = v.Value.String()
			}
			target, ok := d.anchors[name]
			if !ok {
				d.errorf(v, "define the anchor (&"+name+") before using it", "unknown alias *%s", name)
				return nil
			}
			n = target
		case *ast.TagNode:
			n = v.Value
		case *ast.CommentGroupNode:
			return nil
		default:
			return n
		}
	}
	return n
}

func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return n == nil || ok
}

// entry is one key: value pair of a mapping.
type entry struct {
	key   string
	keyN  ast.Node
	value ast.Node
}

// mapping returns the entries of a mapping node (merge keys expanded), or
// reports that a mapping was expected.
func (d *decoder) mapping(n ast.Node, what string) ([]entry, bool) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > 64 {
		d.errorf(n, "simplify the anchors and aliases", "%s nests too deeply", what)
		return nil, false
	}
	n = d.resolve(n)
	if isNull(n) {
		return nil, true
	}
	mn, ok := n.(*ast.MappingNode)
	if !ok {
		if mv, ok2 := n.(*ast.MappingValueNode); ok2 {
			mn = &ast.MappingNode{Values: []*ast.MappingValueNode{mv}}
		} else {
			d.errorf(n, "write it as `key: value` lines", "%s must be a mapping, not %s", what, describe(n))
			return nil, false
		}
	}
	var out []entry
	for _, mv := range mn.Values {
		if mv == nil || mv.Key == nil {
			continue
		}
		if _, merge := mv.Key.(*ast.MergeKeyNode); merge {
			inner, _ := d.mapping(mv.Value, what)
			out = append(out, inner...)
			continue
		}
		key, ok := keyString(d.resolve(mv.Key))
		if !ok {
			d.errorf(mv.Key, "use a plain name as the key", "%s has a key that is not a plain name", what)
			continue
		}
		out = append(out, entry{key: key, keyN: mv.Key, value: mv.Value})
	}
	return out, true
}

// fields walks a mapping, reporting unknown and duplicate keys (with a "did you
// mean" hint), and calls fn for each known key.
func (d *decoder) fields(n ast.Node, what string, known []string, fn func(key string, keyN, value ast.Node)) bool {
	entries, ok := d.mapping(n, what)
	if !ok {
		return false
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !contains(known, e.key) {
			h := "valid keys: " + strings.Join(known, ", ")
			if s := didYouMean(e.key, known); s != "" {
				h = "did you mean " + s + "?"
			}
			d.errorf(e.keyN, h, "unknown key %q in %s", e.key, what)
			continue
		}
		if seen[e.key] {
			d.errorf(e.keyN, "remove one of them", "key %q appears twice in %s", e.key, what)
			continue
		}
		seen[e.key] = true
		fn(e.key, e.keyN, e.value)
	}
	return true
}

// named walks a mapping of name: body (accounts, users, ...), reporting
// duplicate names.
func (d *decoder) named(n ast.Node, what string, fn func(name string, keyN, body ast.Node)) {
	entries, ok := d.mapping(n, what)
	if !ok {
		return
	}
	seen := map[string]ast.Node{}
	for _, e := range entries {
		if e.key == "" {
			d.errorf(e.keyN, "give it a name", "empty name in %s", what)
			continue
		}
		if first, dup := seen[e.key]; dup {
			d.errorf(e.keyN, "names must be unique; the first is at "+d.pos(first).String(), "duplicate name %q in %s", e.key, what)
			continue
		}
		seen[e.key] = e.keyN
		fn(e.key, e.keyN, e.value)
	}
}

func describe(n ast.Node) string {
	switch n.(type) {
	case nil, *ast.NullNode:
		return "empty"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.IntegerNode:
		return "a number"
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a decimal number"
	case *ast.BoolNode:
		return "true/false"
	default:
		return "a string"
	}
}

// str reads a scalar as a string. Numbers and booleans are accepted as their
// source text (description: 2024 is fine) unless strict is set.
func (d *decoder) str(n ast.Node, what string) string {
	n = d.resolve(n)
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return ""
	case *ast.StringNode:
		return v.Value
	case *ast.LiteralNode:
		if v.Value != nil {
			return v.Value.Value
		}
		return ""
	case ast.ScalarNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value
		}
		return fmt.Sprint(v.GetValue())
	default:
		d.errorf(n, "write a single value", "%s must be a string, not %s", what, describe(n))
		return ""
	}
}

// strList reads a list of strings; a single string is a list of one.
func (d *decoder) strList(n ast.Node, what string) ([]string, []Pos) {
	n = d.resolve(n)
	if isNull(n) {
		return nil, nil
	}
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		if _, scalar := n.(ast.ScalarNode); scalar {
			return []string{d.str(n, what)}, []Pos{d.pos(n)}
		}
		d.errorf(n, "write a list such as [a, b]", "%s must be a list, not %s", what, describe(n))
		return nil, nil
	}
	var out []string
	var pos []Pos
	for _, item := range seq.Values {
		switch rn := d.resolve(item); rn.(type) {
		case *ast.MappingNode, *ast.MappingValueNode:
			hint := "write one name or ARN per entry"
			if text, ok := colonText(rn); ok {
				hint = fmt.Sprintf("quote it as %q: inside brackets YAML can read text with a colon as key: value", text)
			}
			d.errorf(item, hint, "%s entry is a mapping, not a string", what)
			continue
		}
		s := d.str(item, what+" entry")
		if s == "" {
			d.errorf(item, "remove the empty entry", "empty entry in %s", what)
			continue
		}
		out = append(out, s)
		pos = append(pos, d.pos(item))
	}
	return out, pos
}

// colonText rebuilds the text of a one-entry mapping of two plain scalars,
// such as arn:aws:iam::aws:policy/X that YAML split at its first colon.
func colonText(n ast.Node) (string, bool) {
	var mv *ast.MappingValueNode
	switch v := n.(type) {
	case *ast.MappingValueNode:
		mv = v
	case *ast.MappingNode:
		if len(v.Values) != 1 {
			return "", false
		}
		mv = v.Values[0]
	}
	if mv == nil {
		return "", false
	}
	k, ok1 := mv.Key.(*ast.StringNode)
	val, ok2 := mv.Value.(*ast.StringNode)
	if !ok1 || !ok2 || mv.Start == nil || val.Token == nil || mv.Start.Position == nil || val.Token.Position == nil {
		return "", false
	}
	sep := ":"
	if val.Token.Position.Column > mv.Start.Position.Column+1 {
		sep = ": "
	}
	return k.Value + sep + val.Value, true
}

func (d *decoder) strMap(n ast.Node, what string) map[string]string {
	entries, ok := d.mapping(n, what)
	if !ok || len(entries) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, e := range entries {
		if _, dup := out[e.key]; dup {
			d.errorf(e.keyN, "remove one of them", "key %q appears twice in %s", e.key, what)
			continue
		}
		out[e.key] = d.str(e.value, what+" value")
	}
	return out
}

func (d *decoder) boolean(n ast.Node, what string) bool {
	n = d.resolve(n)
	switch v := n.(type) {
	case nil, *ast.NullNode:
		return false
	case *ast.BoolNode:
		return v.Value
	default:
		d.errorf(n, "write true or false", "%s must be true or false, not %s", what, describe(n))
		return false
	}
}

var isoDuration = lazyRE(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$`)

// duration reads "8h", "90m", "1h30m" or ISO 8601 "PT8H".
func (d *decoder) duration(n ast.Node, what string) time.Duration {
	n = d.resolve(n)
	if isNull(n) {
		return 0
	}
	const hint = "write a duration such as 8h, 90m or PT8H"
	s, ok := n.(*ast.StringNode)
	if !ok {
		d.errorf(n, hint, "%s must be a duration, not %s", what, describe(n))
		return 0
	}
	v := strings.TrimSpace(s.Value)
	if m := isoDuration.FindStringSubmatch(strings.ToUpper(v)); m != nil && v != "PT" && len(v) > 2 {
		var total time.Duration
		for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
			if m[i+1] != "" {
				x, _ := strconv.Atoi(m[i+1])
				total += time.Duration(x) * unit
			}
		}
		return total
	}
	dur, err := time.ParseDuration(v)
	if err != nil || dur <= 0 {
		d.errorf(n, hint, "%s: %q is not a duration", what, v)
		return 0
	}
	return dur
}

// accountID reads a 12-digit account ID, catching YAML's number traps.
func (d *decoder) accountID(n ast.Node, what string) string {
	n = d.resolve(n)
	hint := `quote account IDs: id: "012345678901"`
	if tk := tokenOf(n); tk != nil && tk.Value != "" {
		hint = fmt.Sprintf("quote it, as every account ID should be: %q", tk.Value)
	}
	switch v := n.(type) {
	case nil, *ast.NullNode:
		d.errorf(n, `write the 12 digits, quoted: id: "012345678901"`, "%s is empty", what)
		return ""
	case *ast.StringNode:
		quoted := v.Token != nil && (v.Token.Type == token.DoubleQuoteType || v.Token.Type == token.SingleQuoteType)
		if !quoted && strings.HasPrefix(v.Value, "0") && isDigits(v.Value) {
			// goccy keeps 0-led digit strings as text, but YAML 1.1 readers
			// (and the next person's editor) take them as octal numbers.
			d.errorf(n, hint, "%s %s is an unquoted number with a leading zero: YAML does not keep it as written", what, v.Value)
			return v.Value
		}
		if !isAccountID(v.Value) {
			d.errorf(n, "an AWS account ID is exactly 12 digits", "%s %q is not a 12-digit account ID", what, v.Value)
		}
		return v.Value
	case *ast.IntegerNode:
		raw := v.Token.Value
		if strings.HasPrefix(raw, "0") && raw != "0" {
			d.errorf(n, hint, "%s %s is an unquoted number with a leading zero: YAML does not keep it as written", what, raw)
			return raw
		}
		if !isAccountID(raw) {
			d.errorf(n, "an AWS account ID is exactly 12 digits", "%s %s is not a 12-digit account ID", what, raw)
		}
		return raw
	case *ast.FloatNode:
		d.errorf(n, "write the 12 digits, quoted: id: \"012345678901\"", "%s %s is read by YAML as a decimal number, not an account ID", what, v.Token.Value)
		return v.Token.Value
	default:
		d.errorf(n, `write the 12 digits, quoted: id: "012345678901"`, "%s must be a 12-digit account ID, not %s", what, describe(n))
		return ""
	}
}

// tokenOf returns the token of a node, or nil.
func tokenOf(n ast.Node) *token.Token {
	if n == nil {
		return nil
	}
	return n.GetToken()
}

func isAccountID(s string) bool { return len(s) == 12 && isDigits(s) }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// maxPolicyJSON bounds an inline policy as JSON: twice the largest policy
// AWS accepts (a permission set's inline policy, 32,768 bytes). A larger
// one can never be applied, and is not built nor checked further: aliases
// could otherwise make one of megabytes from a few lines.
const maxPolicyJSON = 64 << 10

// policyJSON reads an IAM policy written as YAML or as a JSON string and
// returns it as compact JSON (keys in the order written).
func (d *decoder) policyJSON(n ast.Node, what string) string {
	n = d.resolve(n)
	const tooLarge = "AWS accepts at most 32,768 bytes: split it into managed policies"
	switch n.(type) {
	case nil, *ast.NullNode:
		return ""
	case *ast.StringNode, *ast.LiteralNode:
		text := strings.TrimSpace(d.str(n, what))
		if len(text) > maxPolicyJSON {
			d.errorf(n, tooLarge, "%s is %d bytes, more than twice the largest policy AWS accepts", what, len(text))
			return ""
		}
		out, err := policy.Compact(text)
		if err != nil {
			d.errorf(n, "write the policy as YAML, or as a JSON string that parses", "%s is not valid JSON: %v", what, err)
			return ""
		}
		return out
	case *ast.MappingNode, *ast.MappingValueNode:
		var b strings.Builder
		d.writeJSON(&b, n, what)
		if b.Len() > maxPolicyJSON {
			d.errorf(n, tooLarge, "%s is more than %d bytes as JSON, more than twice the largest policy AWS accepts", what, maxPolicyJSON)
			return ""
		}
		return b.String()
	default:
		d.errorf(n, "write the policy as a mapping with Version and Statement", "%s must be a policy document, not %s", what, describe(n))
		return ""
	}
}

// writeJSON converts a YAML node to JSON, preserving key order.
func (d *decoder) writeJSON(b *strings.Builder, n ast.Node, what string) {
	if b.Len() > maxPolicyJSON {
		return // policyJSON reports it
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > 64 {
		d.errorf(n, "simplify the document", "%s nests too deeply", what)
		b.WriteString("null")
		return
	}
	n = d.resolve(n)
	switch v := n.(type) {
	case nil, *ast.NullNode:
		b.WriteString("null")
	case *ast.MappingNode, *ast.MappingValueNode:
		entries, _ := d.mapping(n, what)
		b.WriteByte('{')
		for i, e := range entries {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(e.key)
			b.Write(k)
			b.WriteByte(':')
			d.writeJSON(b, e.value, what)
		}
		b.WriteByte('}')
	case *ast.SequenceNode:
		b.WriteByte('[')
		for i, item := range v.Values {
			if i > 0 {
				b.WriteByte(',')
			}
			d.writeJSON(b, item, what)
		}
		b.WriteByte(']')
	case *ast.BoolNode:
		b.WriteString(strconv.FormatBool(v.Value))
	case *ast.IntegerNode:
		b.WriteString(fmt.Sprint(v.Value))
	case *ast.FloatNode:
		if math.IsInf(v.Value, 0) || math.IsNaN(v.Value) {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.FormatFloat(v.Value, 'f', -1, 64))
		}
	default:
		s, _ := json.Marshal(d.str(n, what))
		b.Write(s)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns the known word closest to s, when it is close enough.
func didYouMean(s string, known []string) string {
	best, bestD := "", 1<<30
	for _, k := range known {
		if dist := suggest.Distance(strings.ToLower(s), strings.ToLower(k)); dist < bestD {
			best, bestD = k, dist
		}
	}
	limit := 2
	if len(s) > 8 {
		limit = 3
	}
	if bestD <= limit || (best != "" && (strings.Contains(best, s) || strings.Contains(s, best)) && len(s) >= 3) {
		return best
	}
	return ""
}
