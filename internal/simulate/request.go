// Package simulate is the JSON side of `gatehouse simulate`: it decodes
// one request or a batch of them (snake_case fields, AWS policy documents
// unchanged), strictly (an unknown field, a wrong type or a key listed
// twice makes the request invalid, with an error naming the field and the
// policy), evaluates each with internal/policy/eval, and encodes the
// results in input order. An invalid request gets its own error result;
// the others are still evaluated. It is pure: the command reads the input
// and writes the output.
package simulate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/policy/eval"
	"github.com/gatehouse-dev/gatehouse/internal/suggest"
)

// fields are the request's fields, in the order of the spec.
var fields = []string{
	"id", "principal", "action", "resource", "resource_pattern", "resource_account",
	"context", "context_complete", "absent_keys", "unknown_keys", "unknown_value_keys",
	"identity_policies", "permission_boundary", "session_policies", "resource_policy",
	"scps", "rcps", "vpc_endpoint_policy",
}

// member is one name/value pair of a JSON object, in document order.
type member struct {
	name  string
	value json.RawMessage
}

// members reads a JSON object into its members, keeping duplicates.
func members(raw json.RawMessage) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("expected an object, got %s", kind(raw))
	}
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, member{name: name, value: v})
	}
	return out, nil
}

// kind names the JSON type of raw for error messages.
func kind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
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

// decoder decodes one request, sharing parsed policies with the rest of
// the batch.
type decoder struct {
	policies map[string]*eval.Policy
}

// request decodes one request object. id is returned even when the rest
// is invalid, as long as it is a string.
func (d *decoder) request(raw json.RawMessage) (id string, req *eval.Request, err error) {
	if kind(raw) != "an object" {
		return "", nil, fmt.Errorf("expected a request object, got %s", kind(raw))
	}
	ms, err := members(raw)
	if err != nil {
		return "", nil, err
	}
	seen := map[string]bool{}
	for _, m := range ms {
		if m.name == "id" {
			_ = json.Unmarshal(m.value, &id)
		}
	}
	req = &eval.Request{}
	var (
		ctxValues                  []member
		absent, unknown, unknownV  []string
		complete                   bool
		resourceSet, patternSet    bool
		resource, pattern, account string
	)
	for _, m := range ms {
		if seen[m.name] {
			return id, nil, fmt.Errorf("%s: given twice", m.name)
		}
		seen[m.name] = true
		var err error
		switch m.name {
		case "id":
			err = decodeString(m, &id, false)
		case "principal":
			err = decodeString(m, &req.Principal, true)
		case "action":
			err = decodeString(m, &req.Action, true)
		case "resource":
			resourceSet = true
			err = decodeString(m, &resource, true)
		case "resource_pattern":
			patternSet = true
			err = decodeString(m, &pattern, true)
		case "resource_account":
			err = decodeString(m, &account, true)
		case "context":
			ctxValues, err = members(m.value)
			if err != nil {
				err = fmt.Errorf("context: %v", err)
			}
		case "context_complete":
			if json.Unmarshal(m.value, &complete) != nil {
				err = fmt.Errorf("context_complete: expected true or false, got %s", kind(m.value))
			}
		case "absent_keys":
			absent, err = decodeStrings(m)
		case "unknown_keys":
			unknown, err = decodeStrings(m)
		case "unknown_value_keys":
			unknownV, err = decodeStrings(m)
		case "identity_policies":
			req.IdentityPolicies, err = d.policyList(m.name, m.value)
		case "permission_boundary":
			req.PermissionBoundary, err = d.policy(m.name, m.value)
		case "session_policies":
			req.SessionPolicies, err = d.policyList(m.name, m.value)
		case "resource_policy":
			req.ResourcePolicy, err = d.policy(m.name, m.value)
		case "scps":
			req.SCPs, err = d.levels(m.name, m.value)
		case "rcps":
			req.RCPs, err = d.levels(m.name, m.value)
		case "vpc_endpoint_policy":
			req.VPCEndpointPolicy, err = d.policy(m.name, m.value)
		default:
			err = unknownField(m.name)
		}
		if err != nil {
			return id, nil, err
		}
	}
	for _, f := range []string{"principal", "action"} {
		if !seen[f] {
			return id, nil, fmt.Errorf("%s: required", f)
		}
	}
	switch {
	case resourceSet && patternSet:
		return id, nil, errors.New("resource and resource_pattern are both given: give one")
	case !resourceSet && !patternSet:
		return id, nil, errors.New("resource: required: give the resource ARN (\"*\" for actions without resource-level permissions) or a resource_pattern")
	}
	req.Resource, req.ResourcePattern, req.ResourceAccount = resource, pattern, account

	ctx := eval.NewContext().Complete(complete)
	for _, cv := range ctxValues {
		if err := setContext(ctx, cv); err != nil {
			return id, nil, err
		}
	}
	ctx.Absent(absent...).UnknownValue(unknownV...).Unknown(unknown...)
	if err := ctx.Err(); err != nil {
		return id, nil, err
	}
	req.Context = ctx
	return id, req, nil
}

// unknownField names a field the request does not have, with the closest
// known one.
func unknownField(name string) error {
	best, bestD := "", 4
	for _, f := range fields {
		if d := suggest.Distance(strings.ToLower(name), f); d < bestD {
			best, bestD = f, d
		}
	}
	if best != "" {
		return fmt.Errorf("%q: unknown field (did you mean %s?)", name, best)
	}
	return fmt.Errorf("%q: unknown field; the fields are %s", name, strings.Join(fields, ", "))
}

func decodeString(m member, dst *string, nonEmpty bool) error {
	if json.Unmarshal(m.value, dst) != nil || kind(m.value) != "a string" {
		return fmt.Errorf("%s: expected a string, got %s", m.name, kind(m.value))
	}
	if nonEmpty && *dst == "" {
		return fmt.Errorf("%s: empty", m.name)
	}
	return nil
}

func decodeStrings(m member) ([]string, error) {
	var raw []json.RawMessage
	if kind(m.value) != "an array" || json.Unmarshal(m.value, &raw) != nil {
		return nil, fmt.Errorf("%s: expected an array of key names, got %s", m.name, kind(m.value))
	}
	out := make([]string, len(raw))
	for i, r := range raw {
		if kind(r) != "a string" || json.Unmarshal(r, &out[i]) != nil {
			return nil, fmt.Errorf("%s[%d]: expected a key name (a string), got %s", m.name, i, kind(r))
		}
	}
	return out, nil
}

// setContext adds one context entry: a string is a single-valued key, an
// array of strings a multi-valued one.
func setContext(ctx *eval.Context, m member) error {
	at := fmt.Sprintf("context[%q]", m.name)
	switch kind(m.value) {
	case "a string":
		var s string
		if err := json.Unmarshal(m.value, &s); err != nil {
			return fmt.Errorf("%s: %v", at, err)
		}
		ctx.Set(m.name, s)
	case "an array":
		var raw []json.RawMessage
		if err := json.Unmarshal(m.value, &raw); err != nil {
			return fmt.Errorf("%s: %v", at, err)
		}
		vals := make([]string, len(raw))
		for i, r := range raw {
			if kind(r) != "a string" || json.Unmarshal(r, &vals[i]) != nil {
				return fmt.Errorf("%s[%d]: expected a string, got %s", at, i, kind(r))
			}
		}
		ctx.SetMulti(m.name, vals)
	default:
		return fmt.Errorf("%s: expected a string or an array of strings, got %s (write numbers and booleans as strings: \"true\", \"42\")", at, kind(m.value))
	}
	return nil
}

// policy parses one policy document, once per distinct text in a batch.
func (d *decoder) policy(path string, raw json.RawMessage) (*eval.Policy, error) {
	if kind(raw) != "an object" {
		return nil, fmt.Errorf("%s: expected a policy document (a JSON object), got %s", path, kind(raw))
	}
	key := string(raw)
	if p, ok := d.policies[key]; ok {
		return p, nil
	}
	p, err := eval.ParsePolicy(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if d.policies == nil {
		d.policies = map[string]*eval.Policy{}
	}
	d.policies[key] = p
	return p, nil
}

func (d *decoder) policyList(path string, raw json.RawMessage) ([]*eval.Policy, error) {
	var items []json.RawMessage
	if kind(raw) != "an array" || json.Unmarshal(raw, &items) != nil {
		return nil, fmt.Errorf("%s: expected an array of policy documents, got %s", path, kind(raw))
	}
	out := make([]*eval.Policy, len(items))
	for i, it := range items {
		p, err := d.policy(fmt.Sprintf("%s[%d]", path, i), it)
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// levels decodes scps or rcps: an array of {"target", "policies"}.
func (d *decoder) levels(path string, raw json.RawMessage) ([]eval.Level, error) {
	var items []json.RawMessage
	if kind(raw) != "an array" || json.Unmarshal(raw, &items) != nil {
		return nil, fmt.Errorf("%s: expected an array of levels ({\"target\": ..., \"policies\": [...]}), got %s", path, kind(raw))
	}
	out := make([]eval.Level, len(items))
	for i, it := range items {
		at := fmt.Sprintf("%s[%d]", path, i)
		ms, err := members(it)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", at, err)
		}
		seen := map[string]bool{}
		for _, m := range ms {
			if seen[m.name] {
				return nil, fmt.Errorf("%s.%s: given twice", at, m.name)
			}
			seen[m.name] = true
			switch m.name {
			case "target":
				if err := decodeString(member{name: at + ".target", value: m.value}, &out[i].Target, false); err != nil {
					return nil, err
				}
			case "policies":
				if out[i].Policies, err = d.policyList(at+".policies", m.value); err != nil {
					return nil, err
				}
			default:
				return nil, fmt.Errorf("%s[%q]: unknown field: a level has target and policies", at, m.name)
			}
		}
	}
	return out, nil
}
