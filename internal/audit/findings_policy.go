package audit

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
)

// lintDoc is a policy document as the lint reads it: lenient, so that a
// statement IAM would refuse is still looked at, with the structural
// problems found on the way.
type lintDoc struct {
	stmts []*lintStmt
	// problem is why the document as a whole cannot be read ("" when it
	// can).
	problem string
}

// lintStmt is one statement. Element names are matched as IAM does (they
// are case-sensitive); condition operators and keys are not.
type lintStmt struct {
	index  int
	sid    string
	effect string
	// principalStar is a Principal written as the bare string "*".
	principalStar bool
	// principals maps a principal type (AWS, Service, Federated,
	// CanonicalUser) to its values, in document order.
	principals   map[string][]string
	hasPrincipal bool
	notPrincipal bool
	actions      []string
	notActions   []string
	hasNotAction bool
	resources    []string
	notResources []string
	hasResource  bool
	hasNotRes    bool
	conds        []lintCond
	// problems are the statement's structural faults.
	problems []string
}

func (s *lintStmt) allow() bool { return s.effect == "Allow" }

// lintCond is one condition key under one operator.
type lintCond struct {
	op       string // as written, e.g. "ForAnyValue:StringLike"
	base     string // IAM's name of the operator without prefix and suffix; "" when unknown
	set      string // "ForAllValues", "ForAnyValue" or ""
	ifExists bool
	key      string // as written
	lkey     string // lower case: keys are case-insensitive
	values   []string
}

// Set operator prefixes.
const (
	forAllValues = "ForAllValues"
	forAnyValue  = "ForAnyValue"
)

// operators are IAM's condition operators without prefix and IfExists.
var operators = []string{
	"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
	"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
	"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
	"Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
}

// negated operators are true when the key is missing and match when no
// value does.
var negated = map[string]bool{
	"StringNotEquals": true, "StringNotEqualsIgnoreCase": true, "StringNotLike": true,
	"NumericNotEquals": true, "DateNotEquals": true, "NotIpAddress": true,
	"ArnNotEquals": true, "ArnNotLike": true,
}

// positive reports whether c admits only requests whose key matches one of
// its values (Null, the negated operators and unknown operators do not).
func (c lintCond) positive() bool {
	return c.base != "" && c.base != "Null" && !negated[c.base]
}

// parseOperator splits an operator into its set prefix, IAM base name and
// IfExists suffix, ignoring case as IAM does.
func parseOperator(op string) (set, base string, ifExists bool) {
	rest := op
	for _, p := range []string{forAllValues, forAnyValue} {
		if len(rest) > len(p) && strings.EqualFold(rest[:len(p)+1], p+":") {
			set, rest = p, rest[len(p)+1:]
			break
		}
	}
	const suffix = "IfExists"
	if len(rest) > len(suffix) && strings.EqualFold(rest[len(rest)-len(suffix):], suffix) {
		rest, ifExists = rest[:len(rest)-len(suffix)], true
	}
	for _, o := range operators {
		if strings.EqualFold(rest, o) {
			return set, o, ifExists
		}
	}
	return set, "", ifExists
}

// parseLintDoc reads a policy document as JSON, or as the URL-encoded JSON
// IAM's GetRole returns. It never fails: what cannot be read is recorded
// as a problem.
func parseLintDoc(text string) lintDoc {
	s := strings.TrimSpace(text)
	if s == "" {
		return lintDoc{problem: "the policy document is empty"}
	}
	if !strings.HasPrefix(s, "{") && strings.Contains(s, "%") {
		// IAM encodes with %XX and keeps "+" as it is.
		if dec, err := url.PathUnescape(s); err == nil {
			s = strings.TrimSpace(dec)
		}
	}
	var root any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil || dec.More() {
		// policy.Compact says where the text stops being JSON.
		msg := "text after the end of the policy"
		if _, cerr := policy.Compact(s); cerr != nil {
			msg = cerr.Error()
		} else if err != nil {
			msg = err.Error()
		}
		return lintDoc{problem: "the policy document is not valid JSON: " + msg}
	}
	obj, ok := root.(map[string]any)
	if !ok {
		return lintDoc{problem: fmt.Sprintf("the policy document is %s, not a JSON object", describeJSON(root))}
	}
	raw, ok := obj["Statement"]
	if !ok {
		return lintDoc{problem: "the policy document has no Statement"}
	}
	var list []any
	switch v := raw.(type) {
	case []any:
		list = v
	case map[string]any:
		list = []any{v}
	default:
		return lintDoc{problem: fmt.Sprintf("Statement is %s, not a list of statements", describeJSON(raw))}
	}
	if len(list) == 0 {
		return lintDoc{problem: "Statement is an empty list"}
	}
	d := lintDoc{}
	for i, item := range list {
		d.stmts = append(d.stmts, parseLintStmt(i, item))
	}
	return d
}

func parseLintStmt(i int, item any) *lintStmt {
	st := &lintStmt{index: i, principals: map[string][]string{}}
	m, ok := item.(map[string]any)
	if !ok {
		st.problems = append(st.problems, fmt.Sprintf("the statement is %s, not an object", describeJSON(item)))
		return st
	}
	if sid, ok := m["Sid"].(string); ok {
		st.sid = sid
	}
	switch e := m["Effect"].(type) {
	case string:
		st.effect = e
		if e != "Allow" && e != "Deny" {
			st.problems = append(st.problems, fmt.Sprintf("Effect %q is neither Allow nor Deny", e))
		}
	default:
		st.problems = append(st.problems, "the statement has no Effect")
	}
	if p, ok := m["Principal"]; ok {
		st.hasPrincipal = true
		st.readPrincipal(p)
	}
	_, st.notPrincipal = m["NotPrincipal"]
	st.actions = st.stringList(m, "Action")
	st.notActions = st.stringList(m, "NotAction")
	_, st.hasNotAction = m["NotAction"]
	st.resources = st.stringList(m, "Resource")
	st.notResources = st.stringList(m, "NotResource")
	_, st.hasResource = m["Resource"]
	_, st.hasNotRes = m["NotResource"]
	if c, ok := m["Condition"]; ok {
		st.readCondition(c)
	}
	return st
}

func (st *lintStmt) readPrincipal(p any) {
	switch v := p.(type) {
	case string:
		if v == "*" {
			st.principalStar = true
			return
		}
		st.problems = append(st.problems, fmt.Sprintf("Principal %q is neither \"*\" nor an object such as {\"AWS\": ...}", v))
	case map[string]any:
		for _, typ := range sortedKeys(v) {
			values, ok := scalarList(v[typ])
			if !ok {
				st.problems = append(st.problems, fmt.Sprintf("Principal %s must be a string or a list of strings", typ))
				continue
			}
			st.principals[typ] = values
		}
	default:
		st.problems = append(st.problems, fmt.Sprintf("Principal is %s, not an object", describeJSON(p)))
	}
}

func (st *lintStmt) stringList(m map[string]any, key string) []string {
	v, ok := m[key]
	if !ok {
		return nil
	}
	values, ok := scalarList(v)
	if !ok {
		st.problems = append(st.problems, key+" must be a string or a list of strings")
	}
	return values
}

func (st *lintStmt) readCondition(c any) {
	ops, ok := c.(map[string]any)
	if !ok {
		st.problems = append(st.problems, fmt.Sprintf("Condition is %s, not an object", describeJSON(c)))
		return
	}
	for _, op := range sortedKeys(ops) {
		keys, ok := ops[op].(map[string]any)
		if !ok {
			st.problems = append(st.problems, fmt.Sprintf("condition operator %s must map keys to values", op))
			continue
		}
		set, base, ifExists := parseOperator(op)
		if base == "" {
			st.problems = append(st.problems, fmt.Sprintf("condition operator %q is not one IAM knows", op))
		}
		for _, k := range sortedKeys(keys) {
			values, ok := scalarList(keys[k])
			if !ok {
				st.problems = append(st.problems, fmt.Sprintf("condition %s %s must have a value or a list of values", op, k))
				continue
			}
			st.conds = append(st.conds, lintCond{op: op, base: base, set: set, ifExists: ifExists, key: k, lkey: strings.ToLower(k), values: values})
		}
	}
}

// scalarList reads a scalar or a list of scalars as strings.
func scalarList(v any) ([]string, bool) {
	scalar := func(x any) (string, bool) {
		switch s := x.(type) {
		case string:
			return s, true
		case json.Number:
			return s.String(), true
		case bool:
			if s {
				return "true", true
			}
			return "false", true
		}
		return "", false
	}
	if s, ok := scalar(v); ok {
		return []string{s}, true
	}
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := scalar(x)
		if !ok {
			return out, false
		}
		out = append(out, s)
	}
	return out, true
}

func describeJSON(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "true/false"
	default:
		return "null"
	}
}

// conditions returns the statement's conditions on key (any case).
func (st *lintStmt) conditions(key string) []lintCond {
	var out []lintCond
	lk := strings.ToLower(key)
	for _, c := range st.conds {
		if c.lkey == lk {
			out = append(out, c)
		}
	}
	return out
}

// Principal kinds of an AWS principal value.
const (
	pOther         = iota
	pStar          // "*"
	pAccount       // 12 digits or arn:...:root: the account as a whole
	pRole          // arn:...:role/...
	pUser          // arn:...:user/...
	pSession       // arn:...:sts::...:assumed-role/Role/Session
	pFederatedUser // arn:...:sts::...:federated-user/...
	pUniqueID      // AROA.../AIDA...: a deleted role or user
	pWildcard      // a wildcard inside the value
)

var (
	accountIDRe = regexp.MustCompile(`^[0-9]{12}$`)
	uniqueIDRe  = regexp.MustCompile(`^A(ROA|IDA)[A-Z0-9]{16,}$`)
)

// awsPrincipal is a value of Principal.AWS, classified.
type awsPrincipal struct {
	raw     string
	kind    int
	account string // "" when the value does not say
	// name is a role's or user's name (last path segment), or for a
	// session the name of its role.
	name string
}

func classifyAWS(v string) awsPrincipal {
	p := awsPrincipal{raw: v}
	switch {
	case v == "*":
		p.kind = pStar
		return p
	case strings.ContainsAny(v, "*?"):
		p.kind = pWildcard
		return p
	case accountIDRe.MatchString(v):
		p.kind, p.account = pAccount, v
		return p
	case uniqueIDRe.MatchString(v):
		p.kind = pUniqueID
		return p
	}
	parts := strings.SplitN(v, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return p
	}
	if accountIDRe.MatchString(parts[4]) {
		p.account = parts[4]
	}
	res := parts[5]
	switch {
	case parts[2] == "iam" && res == "root":
		p.kind = pAccount
	case parts[2] == "iam" && strings.HasPrefix(res, "role/"):
		p.kind, p.name = pRole, res[strings.LastIndex(res, "/")+1:]
	case parts[2] == "iam" && strings.HasPrefix(res, "user/"):
		p.kind, p.name = pUser, res[strings.LastIndex(res, "/")+1:]
	case parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		p.kind = pSession
		if f := strings.Split(res, "/"); len(f) >= 3 {
			p.name = f[1]
		}
	case parts[2] == "sts" && strings.HasPrefix(res, "federated-user/"):
		p.kind = pFederatedUser
	}
	return p
}

// awsPrincipals returns the statement's AWS principal values, classified;
// a bare "*" Principal counts as {"AWS": "*"}.
func (st *lintStmt) awsPrincipals() []awsPrincipal {
	var out []awsPrincipal
	if st.principalStar {
		out = append(out, awsPrincipal{raw: "*", kind: pStar})
	}
	for _, v := range st.principals["AWS"] {
		out = append(out, classifyAWS(v))
	}
	return out
}

// globToken is one element of a wildcard pattern: a literal rune, "*"
// (any run) or "?" (one character).
type globToken struct {
	r        rune
	any, one bool
}

// globTokens reads IAM's wildcards, where ${*}, ${?} and ${$} stand for
// the literal characters.
func globTokens(pattern string) []globToken {
	rs := []rune(pattern)
	out := make([]globToken, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		if rs[i] == '$' && i+3 < len(rs) && rs[i+1] == '{' && rs[i+3] == '}' && strings.ContainsRune("*?$", rs[i+2]) {
			out = append(out, globToken{r: rs[i+2]})
			i += 3
			continue
		}
		switch rs[i] {
		case '*':
			out = append(out, globToken{any: true})
		case '?':
			out = append(out, globToken{one: true})
		default:
			out = append(out, globToken{r: rs[i]})
		}
	}
	return out
}

// onlyWildcards reports whether pattern matches any text.
func onlyWildcards(pattern string) bool {
	for _, t := range globTokens(pattern) {
		if !t.any {
			return false
		}
	}
	return pattern != ""
}

// hasWildcard reports whether pattern holds an unescaped * or ?.
func hasWildcard(pattern string) bool {
	for _, t := range globTokens(pattern) {
		if t.any || t.one {
			return true
		}
	}
	return false
}

// globMatch matches s against an IAM wildcard pattern, case-sensitively
// unless fold. It backtracks only to the last "*", so it is linear in
// practice and never recursive.
func globMatch(pattern, s string, fold bool) bool {
	if isPlainASCII(pattern) && isPlainASCII(s) && !strings.Contains(pattern, "${") {
		return globMatchBytes(pattern, s, fold)
	}
	return globMatchRunes(pattern, s, fold)
}

// globMatchRunes is globMatch for any text: it reads escapes and matches
// runes.
func globMatchRunes(pattern, s string, fold bool) bool {
	p := globTokens(pattern)
	r := []rune(s)
	eq := func(a, b rune) bool {
		if fold {
			return strings.EqualFold(string(a), string(b))
		}
		return a == b
	}
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(r) {
		switch {
		case pi < len(p) && (p[pi].one || (!p[pi].any && eq(p[pi].r, r[si]))):
			pi++
			si++
		case pi < len(p) && p[pi].any:
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi].any {
		pi++
	}
	return pi == len(p)
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// globMatchBytes is globMatch for ASCII text without escapes, which is
// what policies almost always hold; it allocates nothing.
func globMatchBytes(p, s string, fold bool) bool {
	eq := func(a, b byte) bool {
		if fold && 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if fold && 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		return a == b
	}
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], s[si]))):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// arnLike matches an ARN against an ArnLike pattern: each of the six
// colon-separated parts on its own, so a wildcard never spans a colon of
// the first five. A value that is not an ARN never matches.
func arnLike(pattern, value string) bool {
	if pattern == "*" {
		return true
	}
	if strings.Count(pattern, ":") < 5 || strings.Count(value, ":") < 5 {
		return false
	}
	p, v := pattern, value
	for range 5 {
		var pc, vc string
		pc, p, _ = strings.Cut(p, ":")
		vc, v, _ = strings.Cut(v, ":")
		if !globMatch(pc, vc, false) {
			return false
		}
	}
	return globMatch(p, v, false)
}

// condValueMatches reports whether value satisfies one value of c's operator,
// for the string and ARN operators (others never match here).
func condValueMatches(base, pattern, value string) bool {
	switch base {
	case "StringEquals", "StringNotEquals":
		return pattern == value
	case "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase":
		return strings.EqualFold(pattern, value)
	case "StringLike", "StringNotLike":
		return globMatch(pattern, value, false)
	case "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike":
		return arnLike(pattern, value)
	}
	return false
}

// admits reports whether the statement's conditions on key let a request
// whose key is value through: every positive condition on it has a value
// matching, and no negated one does. Conditions on other keys are not
// looked at.
func (st *lintStmt) admits(key, value string) bool {
	lk := strings.ToLower(key)
	for _, c := range st.conds {
		if c.lkey != lk || c.base == "" || c.base == "Null" {
			continue
		}
		hit := false
		for _, v := range c.values {
			if condValueMatches(c.base, v, value) {
				hit = true
				break
			}
		}
		if c.positive() != hit {
			return false
		}
	}
	return true
}

// actionMatches reports whether an Action pattern covers action; actions
// are case-insensitive.
func actionMatches(pattern, action string) bool {
	return globMatch(pattern, action, true)
}
