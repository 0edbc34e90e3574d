package eval

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-dev/gatehouse/internal/policy/eval/jsontree"
)

// opBase is a condition operator without its negation, IfExists suffix or
// set qualifier.
type opBase uint8

const (
	opInvalid opBase = iota // unrecognised: the entry is false
	opStringEquals
	opStringEqualsIgnoreCase
	opStringLike
	opNumericEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opArnLike // ArnEquals is the same operator
	opNull
)

type qualifier uint8

const (
	qualNone qualifier = iota
	qualAny            // ForAnyValue:
	qualAll            // ForAllValues:
)

// operator is a parsed condition operator.
type operator struct {
	base     opBase
	negated  bool
	ifExists bool
	qual     qualifier
}

// operators maps lower-cased operator names (without qualifier or
// IfExists) to their base and negation.
var operators = map[string]operator{
	"stringequals":              {base: opStringEquals},
	"stringnotequals":           {base: opStringEquals, negated: true},
	"stringequalsignorecase":    {base: opStringEqualsIgnoreCase},
	"stringnotequalsignorecase": {base: opStringEqualsIgnoreCase, negated: true},
	"stringlike":                {base: opStringLike},
	"stringnotlike":             {base: opStringLike, negated: true},
	"numericequals":             {base: opNumericEquals},
	"numericnotequals":          {base: opNumericEquals, negated: true},
	"numericlessthan":           {base: opNumericLessThan},
	"numericlessthanequals":     {base: opNumericLessThanEquals},
	"numericgreaterthan":        {base: opNumericGreaterThan},
	"numericgreaterthanequals":  {base: opNumericGreaterThanEquals},
	"dateequals":                {base: opDateEquals},
	"datenotequals":             {base: opDateEquals, negated: true},
	"datelessthan":              {base: opDateLessThan},
	"datelessthanequals":        {base: opDateLessThanEquals},
	"dategreaterthan":           {base: opDateGreaterThan},
	"dategreaterthanequals":     {base: opDateGreaterThanEquals},
	"bool":                      {base: opBool},
	"binaryequals":              {base: opBinaryEquals},
	"ipaddress":                 {base: opIPAddress},
	"notipaddress":              {base: opIPAddress, negated: true},
	"arnequals":                 {base: opArnLike},
	"arnlike":                   {base: opArnLike},
	"arnnotequals":              {base: opArnLike, negated: true},
	"arnnotlike":                {base: opArnLike, negated: true},
	"null":                      {base: opNull},
}

// parseOperator reads an operator name, without regard to case. An
// unrecognised name, an unknown qualifier, or Null with IfExists or a
// qualifier gives opInvalid.
func parseOperator(name string) operator {
	l := strings.ToLower(name)
	q := qualNone
	if pre, rest, ok := strings.Cut(l, ":"); ok {
		switch pre {
		case "foranyvalue":
			q = qualAny
		case "forallvalues":
			q = qualAll
		default:
			return operator{}
		}
		l = rest
	}
	op, ok := operators[l]
	if !ok {
		trimmed, cut := strings.CutSuffix(l, "ifexists")
		if op, ok = operators[trimmed]; !ok || !cut {
			return operator{}
		}
		op.ifExists = true
	}
	op.qual = q
	if op.base == opNull && (op.ifExists || q != qualNone) {
		return operator{}
	}
	return op
}

// usesVariables reports whether policy variables are resolved in the
// operator's values (String*, Arn*, Bool).
func (b opBase) usesVariables() bool {
	switch b {
	case opStringEquals, opStringEqualsIgnoreCase, opStringLike, opArnLike, opBool:
		return true
	}
	return false
}

// condValue is one compiled policy value of a condition.
type condValue struct {
	ok   bool     // the value is valid for the operator
	s    string   // String, Binary: the text
	g    glob     // StringLike: the pattern
	arn  []glob   // Arn: the colon-separated segments
	num  decimal  // Numeric
	date dateTime // Date
	b    bool     // Bool; Null: true means "must be absent"
	ip   netip.Prefix
	tmpl template // non-nil: holds a variable, resolved at evaluation
	// arnTmpl: an Arn* value holding a variable, one template per segment
	arnTmpl []template
}

// condEntry is one (operator, key, values) of a Condition block.
type condEntry struct {
	op     operator
	key    string // lower-cased, for lookup
	name   string // as written, for unknown_keys
	why    *reasons
	values []condValue
	broken bool // malformed values: the entry is false
}

// compileCondition reads a Condition block. A block that is not an object
// of objects compiles to one broken entry, so the statement never applies.
func compileCondition(ops *jsontree.Value, variables bool) []condEntry {
	if ops.Kind != jsontree.Object {
		return []condEntry{{broken: true}}
	}
	var out []condEntry
	for i := range ops.Members {
		m := &ops.Members[i]
		op := parseOperator(m.Name)
		if m.Value.Kind != jsontree.Object {
			out = append(out, condEntry{broken: true})
			continue
		}
		if op.base == opInvalid {
			// false even with no keys under it
			out = append(out, condEntry{op: op})
			continue
		}
		for j := range m.Value.Members {
			k := &m.Value.Members[j]
			e := condEntry{op: op, key: strings.ToLower(k.Name), name: k.Name, why: reason(k.Name)}
			items := stringList(&k.Value)
			if items == nil {
				e.broken = true
			}
			for _, it := range items {
				if !it.ok {
					e.broken = true
					break
				}
				e.values = append(e.values, compileCondValue(op.base, it.s, variables))
			}
			out = append(out, e)
		}
	}
	return out
}

// compileCondValue reads one policy value for operator base.
func compileCondValue(base opBase, s string, variables bool) condValue {
	var v condValue
	if variables && base.usesVariables() && strings.Contains(s, "${") {
		t, hasVar := parseTemplate(s)
		switch {
		case hasVar && base == opArnLike:
			// Split before resolving, so that a variable's value stays
			// inside its segment.
			for _, seg := range splitOutsideVars(s, ':', -1) {
				st, _ := parseTemplate(seg)
				v.arnTmpl = append(v.arnTmpl, st)
			}
			v.ok = true
			return v
		case hasVar:
			v.tmpl, v.ok = t, true
			return v
		}
		switch base {
		case opStringLike:
			return condValue{ok: true, g: t.staticGlob()}
		case opArnLike:
			return compileArnValue(splitOutsideVars(s, ':', -1), t)
		}
		s = t.staticString()
	}
	switch base {
	case opStringEquals, opStringEqualsIgnoreCase, opBinaryEquals:
		v.s, v.ok = s, true
	case opStringLike:
		v.g, v.ok = compileGlob(s), true
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		v.num, v.ok = parseDecimal(s)
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		v.date, v.ok = parseDate(s)
	case opBool:
		v.b, v.ok = parseBool(s)
	case opNull:
		v.b, v.ok = parseBool(s)
	case opIPAddress:
		v.ip, v.ok = parseCIDR(s)
	case opArnLike:
		return compileArnValue(strings.Split(s, ":"), nil)
	}
	return v
}

// compileArnValue compiles the segments of an Arn* policy value. When the
// value came through a template (escapes only), each segment is parsed
// again so that escapes stay literal.
func compileArnValue(segs []string, viaTemplate template) condValue {
	if len(segs) < arnFields+1 {
		return condValue{}
	}
	v := condValue{ok: true, arn: make([]glob, len(segs))}
	for i, s := range segs {
		if viaTemplate != nil {
			t, _ := parseTemplate(s)
			v.arn[i] = t.staticGlob()
		} else {
			v.arn[i] = compileGlob(s)
		}
	}
	return v
}

// listItem is one element of a string-or-list JSON value.
type listItem struct {
	s  string
	ok bool // a string, boolean or number (read as its JSON text)
}

// stringList reads a JSON value that is one scalar or an array of
// scalars (booleans and numbers read as their JSON text). It returns nil
// for anything else; inside an array, an object, an array or null is an
// item that is not ok.
func stringList(v *jsontree.Value) []listItem {
	switch v.Kind {
	case jsontree.String, jsontree.Bool, jsontree.Number:
		return []listItem{{s: v.Text, ok: true}}
	case jsontree.Array:
		out := make([]listItem, len(v.Items))
		for i := range v.Items {
			switch it := &v.Items[i]; it.Kind {
			case jsontree.String, jsontree.Bool, jsontree.Number:
				out[i] = listItem{s: it.Text, ok: true}
			}
		}
		return out
	}
	return nil
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

func parseCIDR(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// decimal is a decimal number in a normal form: no leading zeros in the
// integer part, no trailing zeros in the fraction, zero never negative.
type decimal struct {
	neg       bool
	intPart   string
	fracPart  string
	isNonZero bool
}

// parseDecimal reads [+-]digits[.digits] (at least one digit).
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	if s != "" && (s[0] == '-' || s[0] == '+') {
		d.neg = s[0] == '-'
		s = s[1:]
	}
	ip, fp, _ := strings.Cut(s, ".")
	if ip == "" && fp == "" || !allDigits(ip) || !allDigits(fp) {
		return decimal{}, false
	}
	ip = strings.TrimLeft(ip, "0")
	fp = strings.TrimRight(fp, "0")
	d.intPart, d.fracPart = ip, fp
	d.isNonZero = ip != "" || fp != ""
	if !d.isNonZero {
		d.neg = false
	}
	return d, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// cmpDecimal returns -1, 0 or 1.
func cmpDecimal(a, b decimal) int {
	if a.neg != b.neg {
		if a.neg {
			return -1
		}
		return 1
	}
	c := cmpMagnitude(a, b)
	if a.neg {
		return -c
	}
	return c
}

func cmpMagnitude(a, b decimal) int {
	if len(a.intPart) != len(b.intPart) {
		if len(a.intPart) < len(b.intPart) {
			return -1
		}
		return 1
	}
	if c := strings.Compare(a.intPart, b.intPart); c != 0 {
		return c
	}
	// Fractions compare as strings once the shorter is padded with zeros,
	// which string comparison does implicitly except for a prefix.
	return strings.Compare(a.fracPart, b.fracPart)
}

// dateTime is an instant.
type dateTime struct{ t time.Time }

var dateLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate reads an ISO 8601 date or date-time (with Z or an offset; no
// zone means UTC) or integer epoch seconds.
func parseDate(s string) (dateTime, bool) {
	if s == "" {
		return dateTime{}, false
	}
	if digits := strings.TrimPrefix(s, "-"); digits != "" && allDigits(digits) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return dateTime{}, false
		}
		return dateTime{time.Unix(n, 0).UTC()}, true
	}
	u := strings.ToUpper(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, u); err == nil {
			return dateTime{t}, true
		}
	}
	return dateTime{}, false
}

// outcome is one comparison of a request value with a policy value.
type outcome uint8

const (
	outNoMatch outcome = iota
	outMatch
	outInvalid // one side is not valid for the operator
	outUnknown // a policy variable is unknown
)

// reqValue is a request value parsed for the operator once, before it is
// compared with each policy value.
type reqValue struct {
	s    string
	ok   bool
	num  decimal
	date dateTime
	b    bool
	ip   netip.Addr
}

func parseReqValue(base opBase, s string) reqValue {
	r := reqValue{s: s, ok: true}
	switch base {
	case opNumericEquals, opNumericLessThan, opNumericLessThanEquals, opNumericGreaterThan, opNumericGreaterThanEquals:
		r.num, r.ok = parseDecimal(s)
	case opDateEquals, opDateLessThan, opDateLessThanEquals, opDateGreaterThan, opDateGreaterThanEquals:
		r.date, r.ok = parseDate(s)
	case opBool:
		r.b, r.ok = parseBool(s)
	case opIPAddress:
		a, err := netip.ParseAddr(s)
		r.ip, r.ok = a, err == nil && a.Zone() == ""
	case opArnLike:
		r.ok = strings.Count(s, ":") >= arnFields
	}
	return r
}

// compare compares request value r with policy value v under base. On
// outUnknown, why names the unknown variable's key.
func (e *evaluator) compare(base opBase, r *reqValue, v *condValue) (outcome, *reasons) {
	if !r.ok || !v.ok {
		return outInvalid, nil
	}
	if v.tmpl != nil || v.arnTmpl != nil {
		return e.compareTemplate(base, r, v)
	}
	var m bool
	switch base {
	case opStringEquals, opBinaryEquals:
		m = r.s == v.s
	case opStringEqualsIgnoreCase:
		m = strings.EqualFold(r.s, v.s)
	case opStringLike:
		m = v.g.match(r.s)
	case opNumericEquals:
		m = cmpDecimal(r.num, v.num) == 0
	case opNumericLessThan:
		m = cmpDecimal(r.num, v.num) < 0
	case opNumericLessThanEquals:
		m = cmpDecimal(r.num, v.num) <= 0
	case opNumericGreaterThan:
		m = cmpDecimal(r.num, v.num) > 0
	case opNumericGreaterThanEquals:
		m = cmpDecimal(r.num, v.num) >= 0
	case opDateEquals:
		m = r.date.t.Equal(v.date.t)
	case opDateLessThan:
		m = r.date.t.Before(v.date.t)
	case opDateLessThanEquals:
		m = !r.date.t.After(v.date.t)
	case opDateGreaterThan:
		m = r.date.t.After(v.date.t)
	case opDateGreaterThanEquals:
		m = !r.date.t.Before(v.date.t)
	case opBool:
		m = r.b == v.b
	case opIPAddress:
		m = v.ip.Contains(r.ip)
	case opArnLike:
		m = matchArnSegments(v.arn, r.s)
	}
	if m {
		return outMatch, nil
	}
	return outNoMatch, nil
}

// compareTemplate resolves a policy value holding variables, then
// compares.
func (e *evaluator) compareTemplate(base opBase, r *reqValue, v *condValue) (outcome, *reasons) {
	if base == opArnLike {
		segs := make([]glob, len(v.arnTmpl))
		for i, t := range v.arnTmpl {
			g, res, why := e.ctx.resolveGlob(t, false)
			switch res {
			case resolvedNever:
				return outInvalid, nil
			case resolvedUnknown:
				return outUnknown, why
			}
			segs[i] = g
		}
		if len(segs) < arnFields+1 {
			return outInvalid, nil
		}
		return boolOutcome(matchArnSegments(segs, r.s)), nil
	}
	if base == opStringLike {
		g, res, why := e.ctx.resolveGlob(v.tmpl, false)
		switch res {
		case resolvedNever:
			return outInvalid, nil
		case resolvedUnknown:
			return outUnknown, why
		}
		return boolOutcome(g.match(r.s)), nil
	}
	s, res, why := e.ctx.resolveString(v.tmpl)
	switch res {
	case resolvedNever:
		return outInvalid, nil
	case resolvedUnknown:
		return outUnknown, why
	}
	switch base {
	case opStringEquals:
		return boolOutcome(r.s == s), nil
	case opStringEqualsIgnoreCase:
		return boolOutcome(strings.EqualFold(r.s, s)), nil
	case opBool:
		b, ok := parseBool(s)
		if !ok {
			return outInvalid, nil
		}
		return boolOutcome(r.b == b), nil
	}
	return outInvalid, nil
}

func boolOutcome(b bool) outcome {
	if b {
		return outMatch
	}
	return outNoMatch
}

// matchArnSegments matches s segment by segment (split at every colon):
// a wildcard never crosses a colon.
func matchArnSegments(segs []glob, s string) bool {
	if strings.Count(s, ":")+1 != len(segs) {
		return false
	}
	for i, g := range segs {
		var seg string
		if i == len(segs)-1 {
			seg = s
		} else {
			j := strings.IndexByte(s, ':')
			seg, s = s[:j], s[j+1:]
		}
		if !g.match(seg) {
			return false
		}
	}
	return true
}

// satisfies evaluates one request value against every policy value of c:
// a plain operator holds when some policy value matches; a negated one
// when every policy value is valid and does not match.
func (e *evaluator) satisfies(c *condEntry, s string) tri {
	r := parseReqValue(c.op.base, s)
	if c.op.negated {
		out := triTrue
		for i := range c.values {
			o, why := e.compare(c.op.base, &r, &c.values[i])
			switch o {
			case outMatch, outInvalid:
				return triFalse
			case outUnknown:
				out = and(out, e.unknown(why))
			}
		}
		return out
	}
	out := triFalse
	for i := range c.values {
		o, why := e.compare(c.op.base, &r, &c.values[i])
		switch o {
		case outMatch:
			return triTrue
		case outUnknown:
			out = or(out, e.unknown(why))
		}
	}
	return out
}

// condition evaluates one entry against the key's state (spec 4.3).
func (e *evaluator) condition(c *condEntry) tri {
	if c.broken || c.op.base == opInvalid {
		return triFalse
	}
	st, val := e.ctx.lookup(c.key)
	if c.op.base == opNull {
		if st == stateUnknown {
			return e.unknown(c.why)
		}
		absent := st == stateAbsent
		for _, v := range c.values {
			if v.ok && v.b == absent {
				return triTrue
			}
		}
		return triFalse
	}
	switch st {
	case stateUnknown, stateValueUnknown:
		return e.unknown(c.why)
	case stateAbsent:
		switch {
		case c.op.ifExists, c.op.qual == qualAll:
			return triTrue
		case c.op.qual == qualAny:
			return triFalse
		}
		return triOf(c.op.negated)
	}
	if !val.multi {
		return e.satisfies(c, val.values[0])
	}
	switch c.op.qual {
	case qualAny:
		out := triFalse
		for _, s := range val.values {
			if out = or(out, e.satisfies(c, s)); out.isTrue() {
				return out
			}
		}
		return out
	case qualAll:
		out := triTrue
		for _, s := range val.values {
			if out = and(out, e.satisfies(c, s)); out.isFalse() {
				return out
			}
		}
		return out
	}
	// A multi-valued key never satisfies a plain operator.
	return triFalse
}
