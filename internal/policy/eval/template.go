package eval

import (
	"strings"
	"unicode"
)

// A template is a policy value holding policy variables (${aws:username},
// ${aws:PrincipalTag/team, 'default'}) or the escapes ${*}, ${?}, ${$}. It
// is parsed once; evaluation resolves it against the request context.
type template []tpart

type tpartKind uint8

const (
	partText    tpartKind = iota // policy text: '*' and '?' are wildcards where the use has them
	partLiteral                  // an escape: one character taken literally
	partVar                      // a variable, with or without a default
)

type tpart struct {
	kind       tpartKind
	text       string // partText: the text; partLiteral: the character; partVar: the default
	key        string // partVar: the key, lower-cased for lookup
	name       string // partVar: the key as written, for unknown_keys
	hasDefault bool
	why        *reasons // partVar: the name as a reason, built once
}

// parseTemplate splits s into text, escapes and variables. Text that looks
// like a variable but is not one (no closing brace, a malformed default)
// stays text. hasVar says whether a variable was found, escapes aside.
func parseTemplate(s string) (t template, hasVar bool) {
	for s != "" {
		i := strings.Index(s, "${")
		if i < 0 {
			t = t.appendText(s)
			break
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			t = t.appendText(s)
			break
		}
		body := s[i+2 : i+j]
		p, ok := parseVar(body)
		if !ok {
			t = t.appendText(s[:i+j+1])
			s = s[i+j+1:]
			continue
		}
		t = t.appendText(s[:i])
		t = append(t, p)
		if p.kind == partVar {
			hasVar = true
		}
		s = s[i+j+1:]
	}
	return t, hasVar
}

func (t template) appendText(s string) template {
	if s == "" {
		return t
	}
	if n := len(t); n > 0 && t[n-1].kind == partText {
		t[n-1].text += s
		return t
	}
	return append(t, tpart{kind: partText, text: s})
}

// parseVar reads what is between "${" and "}".
func parseVar(body string) (tpart, bool) {
	switch body {
	case "*", "?", "$":
		return tpart{kind: partLiteral, text: body}, true
	}
	key, def, hasDef := strings.Cut(body, ",")
	key = strings.TrimSpace(key)
	if key == "" || strings.IndexFunc(key, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune("${}'", r)
	}) >= 0 {
		return tpart{}, false
	}
	p := tpart{kind: partVar, key: strings.ToLower(key), name: key, why: reason(key)}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return tpart{}, false
		}
		p.text, p.hasDefault = def[1:len(def)-1], true
	}
	return p, true
}

// staticString returns the value of a template without variables.
func (t template) staticString() string {
	var sb strings.Builder
	for _, p := range t {
		sb.WriteString(p.text)
	}
	return sb.String()
}

// staticGlob returns the glob of a template without variables: text keeps
// its wildcards, escapes are literal.
func (t template) staticGlob() glob {
	if len(t) == 1 && t[0].kind == partText {
		return compileGlob(t[0].text)
	}
	var r []rune
	for _, p := range t {
		r = globRunes(r, p.text, p.kind == partText)
	}
	return fromRunes(r)
}

// splitOutsideVars splits s at each sep that is not inside "${...}", at
// most n-1 times (n < 0: every time), as strings.SplitN does.
func splitOutsideVars(s string, sep byte, n int) []string {
	var out []string
	inVar := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch {
		case !inVar && s[i] == '$' && i+1 < len(s) && s[i+1] == '{' && strings.IndexByte(s[i:], '}') >= 0:
			inVar = true
			i++
		case inVar && s[i] == '}':
			inVar = false
		case !inVar && s[i] == sep && (n < 0 || len(out) < n-1):
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// resolution is what resolving a template gave.
type resolution uint8

const (
	resolvedOK      resolution = iota
	resolvedNever              // a variable has no usable value and no default: the value never matches
	resolvedUnknown            // a variable's key is unknown: the comparison is unknown
)

// resolveVar looks a variable up. A present, single-valued, non-empty key
// gives its value; an absent or multi-valued (or empty) one gives the
// default if there is one; an unknown one, or one whose value is unknown,
// leaves the comparison unknown.
func (c *Context) resolveVar(p *tpart) (string, resolution) {
	st, vals := c.lookup(p.key)
	switch st {
	case stateUnknown, stateValueUnknown:
		return "", resolvedUnknown
	case statePresent:
		if !vals.multi && len(vals.values) == 1 && vals.values[0] != "" {
			return vals.values[0], resolvedOK
		}
	}
	if p.hasDefault {
		return p.text, resolvedOK
	}
	return "", resolvedNever
}

// resolveString resolves t into one string: variables by their values,
// escapes by their characters, text as written. On resolvedUnknown, why
// names the unknown variable's key as written.
func (c *Context) resolveString(t template) (s string, r resolution, why *reasons) {
	var sb strings.Builder
	for i := range t {
		p := &t[i]
		if p.kind != partVar {
			sb.WriteString(p.text)
			continue
		}
		v, res := c.resolveVar(p)
		if res != resolvedOK {
			return "", res, p.why
		}
		sb.WriteString(v)
	}
	return sb.String(), resolvedOK, nil
}

// resolveGlob resolves t into a glob: text keeps its wildcards, escapes
// and variable values are literal. lower folds the case of the result.
func (c *Context) resolveGlob(t template, lower bool) (g glob, r resolution, why *reasons) {
	var runes []rune
	for i := range t {
		p := &t[i]
		switch p.kind {
		case partText:
			runes = globRunes(runes, p.text, true)
		case partLiteral:
			runes = globRunes(runes, p.text, false)
		default:
			v, res := c.resolveVar(p)
			if res != resolvedOK {
				return glob{}, res, p.why
			}
			runes = globRunes(runes, v, false)
		}
	}
	g = fromRunes(runes)
	if lower {
		g = g.lower()
	}
	return g, resolvedOK, nil
}
