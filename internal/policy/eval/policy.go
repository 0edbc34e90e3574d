package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// Policy is a parsed policy document: statements compiled once (globs,
// condition values, principals), immutable and safe for concurrent use by
// any number of evaluations.
type Policy struct {
	statements []statement
}

type effect uint8

const (
	effectIgnored effect = iota // neither "Allow" nor "Deny"
	effectAllow
	effectDeny
)

// statement is one compiled statement. A malformed one is kept with never
// set, so that it applies to nothing (spec section 5).
type statement struct {
	effect effect
	never  bool

	actions   []glob // valid values only, lower-cased
	notAction bool

	anyResource bool // neither Resource nor NotResource: every resource
	resources   []resourceValue
	notResource bool

	principal principalSpec
	conds     []condEntry
}

// ParsePolicy parses one policy document (AWS policy JSON). The document
// must be a JSON object with a Statement that is an object or an array;
// Version is optional (policy variables are resolved only when it is
// 2012-10-17). Malformed statements are not errors: they never apply.
func ParsePolicy(doc []byte) (*Policy, error) {
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 || doc[0] != '{' {
		return nil, errors.New("a policy document must be a JSON object")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, fmt.Errorf("a policy document must be a JSON object: %v", err)
	}
	variables := false
	if raw, ok := top["Version"]; ok {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			return nil, fmt.Errorf("Version: expected a string such as \"2012-10-17\", got %s", describeJSON(raw))
		}
		variables = v == "2012-10-17"
	}
	raw, ok := top["Statement"]
	if !ok {
		return nil, errors.New("Statement is missing: a policy document needs a Statement (an object or an array of them)")
	}
	raw = trimSpace(raw)
	var items []json.RawMessage
	switch {
	case len(raw) > 0 && raw[0] == '{':
		items = []json.RawMessage{raw}
	case len(raw) > 0 && raw[0] == '[':
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("Statement: %v", err)
		}
	default:
		return nil, fmt.Errorf("Statement: expected an object or an array of objects, got %s", describeJSON(raw))
	}
	p := &Policy{statements: make([]statement, 0, len(items))}
	for _, it := range items {
		p.statements = append(p.statements, compileStatement(it, variables))
	}
	return p, nil
}

// describeJSON names the JSON type of raw, for error messages.
func describeJSON(raw json.RawMessage) string {
	raw = trimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch c := raw[0]; {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	}
	return "a number"
}

// compileStatement compiles one statement; anything malformed makes it
// never apply rather than fail the document.
func compileStatement(raw json.RawMessage, variables bool) statement {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return statement{never: true}
	}
	var s statement
	var eff string
	if json.Unmarshal(m["Effect"], &eff) == nil {
		switch eff {
		case "Allow":
			s.effect = effectAllow
		case "Deny":
			s.effect = effectDeny
		}
	}
	if s.effect == effectIgnored {
		return statement{never: true}
	}

	act, hasAct := m["Action"]
	notAct, hasNotAct := m["NotAction"]
	switch {
	case hasAct == hasNotAct:
		// neither (never applies) or both (malformed)
		return statement{never: true}
	case hasNotAct:
		act, s.notAction = notAct, true
	}
	items := stringList(act)
	if items == nil {
		return statement{never: true}
	}
	for _, it := range items {
		if g, ok := compileAction(it); ok {
			s.actions = append(s.actions, g)
		}
	}

	res, hasRes := m["Resource"]
	notRes, hasNotRes := m["NotResource"]
	switch {
	case hasRes && hasNotRes:
		return statement{never: true}
	case !hasRes && !hasNotRes:
		s.anyResource = true
	default:
		if hasNotRes {
			res, s.notResource = notRes, true
		}
		items := stringList(res)
		if items == nil {
			return statement{never: true}
		}
		for _, it := range items {
			if !it.ok {
				s.resources = append(s.resources, resourceValue{})
				continue
			}
			s.resources = append(s.resources, compileResource(it.s, variables))
		}
	}

	pr, hasPr := m["Principal"]
	notPr, hasNotPr := m["NotPrincipal"]
	switch {
	case hasPr && hasNotPr:
		s.principal.broken = true
	case hasPr || hasNotPr:
		if hasNotPr {
			pr, s.principal.not = notPr, true
		}
		s.principal.present = true
		var ok bool
		s.principal.entries, ok = compilePrincipal(pr)
		s.principal.broken = !ok
	}

	if c, ok := m["Condition"]; ok {
		s.conds = compileCondition(c, variables)
	}
	return s
}

// compileAction compiles an Action/NotAction value. A value with a comma
// or whitespace, or without a non-empty service and name, matches nothing
// and is dropped (as a NotAction entry it excludes nothing).
func compileAction(it listItem) (glob, bool) {
	if !it.ok {
		return glob{}, false
	}
	if it.s == "*" {
		return glob{kind: globAll}, true
	}
	if strings.IndexFunc(it.s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) >= 0 {
		return glob{}, false
	}
	svc, name, ok := strings.Cut(it.s, ":")
	if !ok || svc == "" || name == "" {
		return glob{}, false
	}
	return compileGlob(strings.ToLower(it.s)), true
}
