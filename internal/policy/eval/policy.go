package eval

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/gatehouse-dev/gatehouse/internal/policy/eval/jsontree"
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
	v, err := jsontree.Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("a policy document must be a JSON object: %v", err)
	}
	return ParsePolicyValue(&v)
}

// ParsePolicyValue is ParsePolicy for a document already parsed (a
// request holding policies is parsed once, policies included).
func ParsePolicyValue(v *jsontree.Value) (*Policy, error) {
	if v.Kind != jsontree.Object {
		return nil, fmt.Errorf("a policy document must be a JSON object, not %s", v.Kind.Describe())
	}
	variables := false
	if ver, ok := v.Get("Version"); ok {
		if ver.Kind != jsontree.String {
			return nil, fmt.Errorf("the Version must be a string such as \"2012-10-17\", not %s", ver.Kind.Describe())
		}
		variables = ver.Text == "2012-10-17"
	}
	st, ok := v.Get("Statement")
	if !ok {
		return nil, errors.New("the Statement is missing: a policy document needs one (an object or an array of them)")
	}
	var items []jsontree.Value
	switch st.Kind {
	case jsontree.Object:
		items = []jsontree.Value{*st}
	case jsontree.Array:
		items = st.Items
	default:
		return nil, fmt.Errorf("the Statement must be an object or an array of objects, not %s", st.Kind.Describe())
	}
	p := &Policy{statements: make([]statement, 0, len(items))}
	for i := range items {
		p.statements = append(p.statements, compileStatement(&items[i], variables))
	}
	return p, nil
}

// compileStatement compiles one statement; anything malformed makes it
// never apply rather than fail the document.
func compileStatement(m *jsontree.Value, variables bool) statement {
	if m.Kind != jsontree.Object {
		return statement{never: true}
	}
	var s statement
	if eff, ok := m.Get("Effect"); ok && eff.Kind == jsontree.String {
		switch eff.Text {
		case "Allow":
			s.effect = effectAllow
		case "Deny":
			s.effect = effectDeny
		}
	}
	if s.effect == effectIgnored {
		return statement{never: true}
	}

	act, hasAct := m.Get("Action")
	notAct, hasNotAct := m.Get("NotAction")
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

	res, hasRes := m.Get("Resource")
	notRes, hasNotRes := m.Get("NotResource")
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

	pr, hasPr := m.Get("Principal")
	notPr, hasNotPr := m.Get("NotPrincipal")
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

	if c, ok := m.Get("Condition"); ok {
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
