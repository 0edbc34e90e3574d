package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/gatehouse-dev/gatehouse/internal/suggest"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is what a policy document is attached to. It decides which elements
// the document may hold and which AWS size limit applies.
type Kind int

// The kinds of policy gatehouse writes.
const (
	// PermissionSetInline is the inline policy of an Identity Center
	// permission set: an identity policy.
	PermissionSetInline Kind = iota + 1
	// RoleInline is an inline policy of an IAM role: an identity policy.
	RoleInline
	// RoleTrust is a role's trust policy (AssumeRolePolicyDocument): a
	// resource policy whose statements name a Principal and no Resource.
	RoleTrust
)

func (k Kind) String() string {
	switch k {
	case PermissionSetInline:
		return "permission set inline policy"
	case RoleInline:
		return "role inline policy"
	case RoleTrust:
		return "trust policy"
	default:
		return "policy"
	}
}

// AWS size limits, in characters not counting whitespace (IAM's own rule)
// unless said otherwise. Sources: "IAM and AWS STS quotas" and "Quotas in IAM
// Identity Center" in the AWS documentation.
const (
	// PermissionSetInlineBytes is the most a permission set's inline
	// policy may hold, whitespace included (PutInlinePolicyToPermissionSet).
	PermissionSetInlineBytes = 32768
	// PermissionSetInlineLimit is the most non-whitespace characters a
	// permission set's inline policy may hold.
	PermissionSetInlineLimit = 10240
	// RoleInlineLimit is the most all inline policies of one IAM role may
	// hold together (not adjustable).
	RoleInlineLimit = 10240
	// TrustPolicyLimit is IAM's default quota for a role trust policy; it
	// can be raised to TrustPolicyMaxLimit through Service Quotas.
	TrustPolicyLimit = 2048
	// TrustPolicyMaxLimit is the most a trust policy quota can be raised to.
	TrustPolicyMaxLimit = 8192
)

// Issue is one thing wrong with a policy document.
type Issue struct {
	// Path is where in the document: "Statement[1].Effect",
	// "Statement.Condition.StringEquals"; "" for the document as a whole.
	// Keys are joined with "." and list entries written "[i]", the same
	// convention as model.Model.Positions, so callers can map a path back
	// to the line a YAML-written policy holds it on.
	Path    string
	Message string
	Hint    string // how to fix it
}

// Error renders "path: message", or the message alone for the document.
func (i Issue) Error() string {
	if i.Path == "" {
		return i.Message
	}
	return i.Path + ": " + i.Message
}

// Size returns the length of doc as IAM counts it against its limits: every
// character except whitespace.
func Size(doc string) int {
	n := 0
	for _, r := range doc {
		switch r {
		case ' ', '\t', '\n', '\r':
		default:
			n++
		}
	}
	return n
}

// Validate checks doc against IAM's policy grammar for kind: JSON syntax,
// Version, the Statement list and each statement's elements (Effect,
// exactly one of Action/NotAction, Resource or Principal as the kind
// requires, Condition's operator -> key -> values shape, Sid characters),
// unknown elements, the characters IAM accepts, and AWS's size limits. It
// returns every issue found, in document order; none means IAM should
// accept the document. It is pure and never panics.
func Validate(doc string, kind Kind) []Issue {
	c := &checker{kind: kind, sids: map[string]string{}}
	root, err := parseJSON(doc)
	if err != nil {
		return []Issue{{Message: "not valid JSON: " + err.Error(), Hint: "check the brackets, commas and quotes"}}
	}
	c.document(root)
	c.size(doc)
	return c.issues
}

type checker struct {
	kind   Kind
	issues []Issue
	sids   map[string]string // Sid -> path of the statement that has it
}

func (c *checker) add(path, hint, format string, args ...any) {
	c.issues = append(c.issues, Issue{Path: path, Message: fmt.Sprintf(format, args...), Hint: hint})
}

var (
	topElements       = []string{"Version", "Id", "Statement"}
	statementElements = []string{"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"}
	principalTypes    = []string{"AWS", "Service", "Federated", "CanonicalUser"}
	// conditionOperators are IAM's condition operators without the
	// IfExists suffix and the ForAllValues:/ForAnyValue: prefixes.
	conditionOperators = []string{
		"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
		"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
		"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
		"Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
	}
	actionPattern = regexp.MustCompile(`^(\*|[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+)$`)
	sidPattern    = regexp.MustCompile(`^[A-Za-z0-9]*$`)
)

// Versions IAM accepts.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

func (c *checker) document(root *jsonValue) {
	if root.kind != jsonObject {
		c.add("", `write a JSON object: {"Version": "2012-10-17", "Statement": [...]}`, "the policy is %s, not a JSON object", root.describe())
		return
	}
	c.unknownKeys(root, "", topElements, "a policy holds Version, Id and Statement")
	version := root.get("Version")
	switch {
	case version == nil:
		c.add("", `add "Version": "2012-10-17"; without it IAM reads policy variables as plain text`, "Version is missing")
	case version.kind != jsonString || (version.str != Version2012 && version.str != Version2008):
		c.add("Version", `write "Version": "2012-10-17", quoted in YAML`, "Version %s is not %q or %q", version.text(), Version2012, Version2008)
	}
	if id := root.get("Id"); id != nil && id.kind != jsonString {
		c.add("Id", "write Id as a string, or leave it out", "Id must be a string, not %s", id.describe())
	}
	st := root.get("Statement")
	switch {
	case st == nil:
		c.add("", `add "Statement": [{"Effect": "Allow", "Action": ..., "Resource": ...}]`, "Statement is missing")
	case st.kind == jsonObject:
		c.statement(st, "Statement")
	case st.kind == jsonArray:
		if len(st.elems) == 0 {
			c.add("Statement", "add at least one statement", "Statement is an empty list")
		}
		for i, s := range st.elems {
			p := "Statement[" + strconv.Itoa(i) + "]"
			if s.kind != jsonObject {
				c.add(p, "write each statement as an object with Effect, Action and Resource", "statement is %s, not an object", s.describe())
				continue
			}
			c.statement(s, p)
		}
	default:
		c.add("Statement", "write Statement as a list of statements", "Statement must be a list or an object, not %s", st.describe())
	}
	c.characters(root, "")
}

func (c *checker) statement(st *jsonValue, path string) {
	c.unknownKeys(st, path, statementElements, "a statement holds Sid, Effect, Action or NotAction, Resource or NotResource, Condition, and in trust policies Principal")
	if sid := st.get("Sid"); sid != nil {
		switch {
		case sid.kind != jsonString:
			c.add(path+".Sid", "write Sid as a string of letters and digits", "Sid must be a string, not %s", sid.describe())
		case !sidPattern.MatchString(sid.str):
			c.add(path+".Sid", "IAM accepts only ASCII letters and digits in a Sid", "Sid %q has characters other than letters and digits", sid.str)
		case sid.str != "":
			if first, dup := c.sids[sid.str]; dup {
				c.add(path+".Sid", "give each statement its own Sid", "Sid %q is used by %s too", sid.str, first)
			} else {
				c.sids[sid.str] = path
			}
		}
	}
	switch eff := st.get("Effect"); {
	case eff == nil:
		c.add(path, `add "Effect": "Allow" or "Deny"`, "statement has no Effect")
	case eff.kind != jsonString || (eff.str != "Allow" && eff.str != "Deny"):
		c.add(path+".Effect", "write Allow or Deny, capitalized", "Effect %s is not Allow or Deny", eff.text())
	}
	c.exactlyOne(st, path, "Action", "NotAction", true, c.action)
	if c.kind == RoleTrust {
		for _, k := range []string{"Resource", "NotResource"} {
			if st.get(k) != nil {
				c.add(path+"."+k, "remove it: a trust policy's resource is the role itself", "%s is not allowed in a trust policy", k)
			}
		}
		if st.get("NotPrincipal") != nil {
			c.add(path+".NotPrincipal", "name who may assume the role in Principal instead", "NotPrincipal is not allowed in a trust policy")
		}
		if p := st.get("Principal"); p == nil {
			c.add(path, `add "Principal": {"AWS": "arn:aws:iam::111111111111:root"}`, "trust statement has no Principal")
		} else {
			c.principal(p, path+".Principal")
		}
	} else {
		c.exactlyOne(st, path, "Resource", "NotResource", true, c.resource)
		for _, k := range []string{"Principal", "NotPrincipal"} {
			if st.get(k) != nil {
				c.add(path+"."+k, "remove it: an identity policy applies to whoever holds it; who may assume a role is set with trust:", "%s is not allowed in a %s", k, c.kind)
			}
		}
	}
	if cond := st.get("Condition"); cond != nil {
		c.condition(cond, path+".Condition")
	}
}

// exactlyOne checks that a statement has one of two alternative elements
// (Action/NotAction, Resource/NotResource) and checks each value.
func (c *checker) exactlyOne(st *jsonValue, path, a, notA string, required bool, check func(string, string)) {
	va, vn := st.get(a), st.get(notA)
	switch {
	case va != nil && vn != nil:
		c.add(path+"."+notA, "keep one of them", "statement has both %s and %s", a, notA)
	case va == nil && vn == nil:
		if required {
			c.add(path, fmt.Sprintf(`add "%s": [...]`, a), "statement has neither %s nor %s", a, notA)
		}
		return
	}
	for _, k := range []string{a, notA} {
		v := st.get(k)
		if v == nil {
			continue
		}
		p := path + "." + k
		values, ok := c.stringList(v, p, k)
		if !ok {
			continue
		}
		for i, s := range values {
			ip := p
			if v.kind == jsonArray {
				ip = p + "[" + strconv.Itoa(i) + "]"
			}
			check(ip, s)
		}
	}
}

// stringList reads a string or a non-empty list of strings.
func (c *checker) stringList(v *jsonValue, path, what string) ([]string, bool) {
	switch v.kind {
	case jsonString:
		return []string{v.str}, true
	case jsonArray:
		if len(v.elems) == 0 {
			c.add(path, "list at least one value, or remove the element", "%s is an empty list", what)
			return nil, false
		}
		out := make([]string, 0, len(v.elems))
		for i, e := range v.elems {
			if e.kind != jsonString {
				c.add(path+"["+strconv.Itoa(i)+"]", "write each value as a string", "%s entry is %s, not a string", what, e.describe())
				return nil, false
			}
			out = append(out, e.str)
		}
		return out, true
	default:
		c.add(path, "write a string or a list of strings", "%s must be a string or a list of strings, not %s", what, v.describe())
		return nil, false
	}
}

func (c *checker) action(path, a string) {
	if !actionPattern.MatchString(a) {
		c.add(path, `write service:Action, such as "s3:GetObject" or "ec2:Describe*", or "*"`, "action %q is not service:action", a)
	}
}

func (c *checker) resource(path, r string) {
	if r == "*" {
		return
	}
	if !strings.HasPrefix(r, "arn:") || len(strings.SplitN(r, ":", 6)) < 6 {
		c.add(path, `write "*" or an ARN such as "arn:aws:s3:::my-bucket/*", six parts separated by colons`, "resource %q is not an ARN", r)
	}
}

func (c *checker) principal(p *jsonValue, path string) {
	if p.kind == jsonString {
		if p.str != "*" {
			c.add(path, `write {"AWS": "arn:aws:iam::111111111111:root"} or "*"`, "Principal %q must be \"*\" or an object such as {\"AWS\": ...}", p.str)
		}
		return
	}
	if p.kind != jsonObject {
		c.add(path, `write {"AWS": "arn:aws:iam::111111111111:root"}`, "Principal must be an object, not %s", p.describe())
		return
	}
	if len(p.keys) == 0 {
		c.add(path, `name at least one principal: {"AWS": "arn:aws:iam::111111111111:root"}`, "Principal is empty")
	}
	c.unknownKeys(p, path, principalTypes, "principal types are AWS, Service, Federated and CanonicalUser")
	for i, k := range p.keys {
		if contains(principalTypes, k) {
			c.stringList(p.elems[i], path+"."+k, "Principal "+k)
		}
	}
}

func (c *checker) condition(cond *jsonValue, path string) {
	if cond.kind != jsonObject {
		c.add(path, `write Condition as {"Operator": {"key": "value"}}`, "Condition must be an object, not %s", cond.describe())
		return
	}
	seen := map[string]bool{}
	for i, op := range cond.keys {
		p := path + "." + op
		if seen[op] {
			c.add(p, "merge the keys under one operator", "condition operator %s appears twice", op)
		}
		seen[op] = true
		if base, ok := conditionOperator(op); !ok {
			hint := "use an IAM condition operator such as StringEquals, StringLike, ArnLike, Bool or Null"
			if strings.EqualFold(base, "Null") {
				hint = "Null already tests whether the key is present; it has no IfExists form"
			} else if s := closest(base, conditionOperators); s != "" {
				hint = "did you mean " + strings.Replace(op, base, s, 1) + "?"
			}
			c.add(p, hint, "unknown condition operator %q", op)
		}
		keys := cond.elems[i]
		if keys.kind != jsonObject {
			c.add(p, `write {"condition-key": "value"} under the operator`, "condition operator %s must map keys to values, not be %s", op, keys.describe())
			continue
		}
		if len(keys.keys) == 0 {
			c.add(p, "name at least one condition key, or remove the operator", "condition operator %s has no keys", op)
		}
		seenKey := map[string]bool{}
		for j, key := range keys.keys {
			kp := p + "." + key
			if seenKey[strings.ToLower(key)] {
				c.add(kp, "merge the values into one list", "condition key %s appears twice under %s (keys are not case-sensitive)", key, op)
			}
			seenKey[strings.ToLower(key)] = true
			if strings.TrimSpace(key) == "" {
				c.add(kp, "name the context key, such as aws:PrincipalOrgID", "empty condition key under %s", op)
			}
			c.conditionValues(keys.elems[j], kp, key)
		}
	}
}

func (c *checker) conditionValues(v *jsonValue, path, key string) {
	scalar := func(e *jsonValue) bool {
		return e.kind == jsonString || e.kind == jsonNumber || e.kind == jsonBool
	}
	switch {
	case scalar(v):
	case v.kind == jsonArray:
		if len(v.elems) == 0 {
			c.add(path, "list at least one value", "condition key %s has an empty list of values", key)
		}
		for i, e := range v.elems {
			if !scalar(e) {
				c.add(path+"["+strconv.Itoa(i)+"]", "write values as strings, numbers or booleans", "condition value is %s", e.describe())
			}
		}
	default:
		c.add(path, "write a value or a list of values", "condition key %s must have a value or a list of values, not %s", key, v.describe())
	}
}

// conditionOperator strips the set prefixes and the IfExists suffix from op
// and reports whether what remains is an IAM operator. Operators are
// matched without regard to case, as IAM does.
func conditionOperator(op string) (string, bool) {
	base := op
	for _, prefix := range []string{"ForAllValues:", "ForAnyValue:"} {
		if len(base) >= len(prefix) && strings.EqualFold(base[:len(prefix)], prefix) {
			base = base[len(prefix):]
			break
		}
	}
	ifExists := false
	if len(base) > len("IfExists") && strings.EqualFold(base[len(base)-len("IfExists"):], "IfExists") {
		base = base[:len(base)-len("IfExists")]
		ifExists = true
	}
	for _, known := range conditionOperators {
		if strings.EqualFold(base, known) {
			return base, !(ifExists && known == "Null")
		}
	}
	return base, false
}

// unknownKeys reports keys of obj outside known, and keys written twice.
func (c *checker) unknownKeys(obj *jsonValue, path string, known []string, hint string) {
	seen := map[string]bool{}
	for _, k := range obj.keys {
		p := k
		if path != "" {
			p = path + "." + k
		}
		if seen[k] {
			c.add(p, "remove one of them: IAM would keep only one", "element %q appears twice", k)
			continue
		}
		seen[k] = true
		if contains(known, k) {
			continue
		}
		h := hint
		if s := closest(k, known); s != "" {
			h = "did you mean " + s + "? Element names are case-sensitive"
		}
		c.add(p, h, "unknown element %q", k)
	}
}

// characters reports strings holding characters IAM refuses in policy
// documents: anything outside tab, newlines and U+0020 to U+00FF.
func (c *checker) characters(v *jsonValue, path string) {
	bad := func(s string) (rune, bool) {
		for _, r := range s {
			if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xFF) {
				continue
			}
			return r, true
		}
		return 0, false
	}
	const hint = "IAM policies may hold only tab, newlines and characters U+0020 to U+00FF"
	switch v.kind {
	case jsonString:
		if r, ok := bad(v.str); ok {
			c.add(path, hint, "value holds the character %q (U+%04X), which IAM does not accept", r, r)
		}
	case jsonObject:
		for i, k := range v.keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if r, ok := bad(k); ok {
				c.add(p, hint, "key holds the character %q (U+%04X), which IAM does not accept", r, r)
			}
			c.characters(v.elems[i], p)
		}
	case jsonArray:
		for i, e := range v.elems {
			c.characters(e, path+"["+strconv.Itoa(i)+"]")
		}
	}
}

func (c *checker) size(doc string) {
	n := Size(doc)
	switch c.kind {
	case PermissionSetInline:
		if n > PermissionSetInlineLimit {
			c.add("", "split it: move statements to customer_managed_policies, or use managed policies", "the policy is %d characters without whitespace; Identity Center allows %d in a permission set's inline policy", n, PermissionSetInlineLimit)
		}
		if b := len(doc); b > PermissionSetInlineBytes {
			c.add("", "remove whitespace or split the policy", "the policy is %d bytes; Identity Center allows %d in a permission set's inline policy", b, PermissionSetInlineBytes)
		}
	case RoleInline:
		if n > RoleInlineLimit {
			c.add("", "move statements into managed policies", "the policy is %d characters without whitespace; IAM allows %d for all inline policies of a role", n, RoleInlineLimit)
		}
	case RoleTrust:
		if n > TrustPolicyLimit {
			c.add("", fmt.Sprintf("trust fewer principals, or raise the IAM quota \"Role trust policy length\", adjustable up to %d", TrustPolicyMaxLimit), "the trust policy is %d characters without whitespace; IAM's default quota is %d", n, TrustPolicyLimit)
		}
	}
}

// closest returns the known name nearest to s: the same name in another
// case, or one within two edits.
func closest(s string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if strings.EqualFold(s, k) {
			return k
		}
		if d := suggest.Distance(strings.ToLower(s), strings.ToLower(k)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// jsonValue is a parsed JSON value that keeps the order of object keys and
// keys written twice, which encoding/json's maps would lose.
type jsonValue struct {
	kind  jsonKind
	keys  []string     // object keys, in order
	elems []*jsonValue // object values (same index as keys) or array items
	str   string       // string value, or number as written
	b     bool
}

type jsonKind int

const (
	jsonNull jsonKind = iota
	jsonObject
	jsonArray
	jsonString
	jsonNumber
	jsonBool
)

func (v *jsonValue) get(key string) *jsonValue {
	for i, k := range v.keys {
		if k == key {
			return v.elems[i]
		}
	}
	return nil
}

func (v *jsonValue) describe() string {
	switch v.kind {
	case jsonObject:
		return "an object"
	case jsonArray:
		return "a list"
	case jsonString:
		return "a string"
	case jsonNumber:
		return "a number"
	case jsonBool:
		return "true/false"
	default:
		return "null"
	}
}

// text renders a scalar for a message.
func (v *jsonValue) text() string {
	switch v.kind {
	case jsonString:
		return strconv.Quote(v.str)
	case jsonNumber:
		return v.str
	case jsonBool:
		return strconv.FormatBool(v.b)
	default:
		return v.describe()
	}
}

const maxDepth = 64

var (
	errTooDeep = errors.New("nested more than 64 levels deep")
	errEmpty   = errors.New("the document is empty")
)

// parseJSON parses one JSON value and refuses anything after it.
func parseJSON(doc string) (*jsonValue, error) {
	if !utf8.ValidString(doc) {
		return nil, errors.New("the text is not valid UTF-8")
	}
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	v, err := parseValue(dec, 0)
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, errors.New("the document ends early: a bracket or a quote is missing")
	case errors.As(err, &se):
		line, col := lineCol(doc, int(se.Offset))
		return nil, fmt.Errorf("%s at line %d, column %d", se.Error(), line, col)
	case err != nil:
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("text after the end of the policy")
	}
	return v, nil
}

// lineCol turns the number of bytes read before an error into the 1-based
// line and column of the character that caused it.
func lineCol(doc string, off int) (int, int) {
	off = max(0, min(off, len(doc)))
	before := doc[:off]
	return strings.Count(before, "\n") + 1, utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
}

// Compact returns doc without whitespace outside strings, keeping the order
// of keys, or an error saying where doc is not valid JSON (line and column).
func Compact(doc string) (string, error) {
	if _, err := parseJSON(doc); err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(doc)); err != nil {
		return "", err
	}
	return b.String(), nil
}

func parseValue(dec *json.Decoder, depth int) (*jsonValue, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	tok, err := dec.Token()
	if err == io.EOF && depth == 0 {
		return nil, errEmpty
	}
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			v := &jsonValue{kind: jsonObject}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				val, err := parseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.keys = append(v.keys, key)
				v.elems = append(v.elems, val)
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, err
			}
			return v, nil
		case '[':
			v := &jsonValue{kind: jsonArray}
			for dec.More() {
				val, err := parseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.elems = append(v.elems, val)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, err
			}
			return v, nil
		default:
			return nil, fmt.Errorf("unexpected %q", rune(t))
		}
	case string:
		return &jsonValue{kind: jsonString, str: t}, nil
	case json.Number:
		return &jsonValue{kind: jsonNumber, str: t.String()}, nil
	case bool:
		return &jsonValue{kind: jsonBool, b: t}, nil
	default:
		return &jsonValue{kind: jsonNull}, nil
	}
}
