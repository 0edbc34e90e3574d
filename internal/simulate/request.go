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
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/policy/eval"
	"github.com/gatehouse-dev/gatehouse/internal/policy/eval/jsontree"
	"github.com/gatehouse-dev/gatehouse/internal/suggest"
)

// fields are the request's fields, in the order of the spec.
var fields = []string{
	"id", "principal", "action", "resource", "resource_pattern", "resource_account",
	"context", "context_complete", "absent_keys", "unknown_keys", "unknown_value_keys",
	"identity_policies", "permission_boundary", "session_policies", "resource_policy",
	"scps", "rcps", "vpc_endpoint_policy",
}

// maxCachedPolicies bounds the compiled policies a batch keeps by text.
const maxCachedPolicies = 512

// decoder decodes one request after another, sharing parsed policies
// across a batch: the same document text is compiled once.
type decoder struct {
	policies map[string]*eval.Policy
}

// request decodes one request object. id is returned even when the rest
// is invalid, as long as it is a string.
func (d *decoder) request(v *jsontree.Value) (id string, req *eval.Request, err error) {
	if v.Kind != jsontree.Object {
		return "", nil, fmt.Errorf("expected a request object, got %s", v.Kind.Describe())
	}
	if f, ok := v.Get("id"); ok && f.Kind == jsontree.String {
		id = f.Text
	}
	req = &eval.Request{}
	var (
		ctxValues                  []jsontree.Member
		absent, unknown, unknownV  []string
		complete                   bool
		resourceSet, patternSet    bool
		resource, pattern, account string
	)
	seen := map[string]bool{}
	for i := range v.Members {
		m := &v.Members[i]
		if seen[m.Name] {
			return id, nil, fmt.Errorf("%s: given twice", m.Name)
		}
		seen[m.Name] = true
		var err error
		switch m.Name {
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
			if m.Value.Kind != jsontree.Object {
				err = fmt.Errorf("context: expected an object, got %s", m.Value.Kind.Describe())
			}
			ctxValues = m.Value.Members
		case "context_complete":
			if m.Value.Kind != jsontree.Bool {
				err = fmt.Errorf("context_complete: expected true or false, got %s", m.Value.Kind.Describe())
			}
			complete = m.Value.Text == "true"
		case "absent_keys":
			absent, err = decodeStrings(m)
		case "unknown_keys":
			unknown, err = decodeStrings(m)
		case "unknown_value_keys":
			unknownV, err = decodeStrings(m)
		case "identity_policies":
			req.IdentityPolicies, err = d.policyList(m.Name, &m.Value)
		case "permission_boundary":
			req.PermissionBoundary, err = d.policy(m.Name, &m.Value)
		case "session_policies":
			req.SessionPolicies, err = d.policyList(m.Name, &m.Value)
		case "resource_policy":
			req.ResourcePolicy, err = d.policy(m.Name, &m.Value)
		case "scps":
			req.SCPs, err = d.levels(m.Name, &m.Value)
		case "rcps":
			req.RCPs, err = d.levels(m.Name, &m.Value)
		case "vpc_endpoint_policy":
			req.VPCEndpointPolicy, err = d.policy(m.Name, &m.Value)
		default:
			err = unknownField(m.Name)
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
	for i := range ctxValues {
		if err := setContext(ctx, &ctxValues[i]); err != nil {
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

func decodeString(m *jsontree.Member, dst *string, nonEmpty bool) error {
	if m.Value.Kind != jsontree.String {
		return fmt.Errorf("%s: expected a string, got %s", m.Name, m.Value.Kind.Describe())
	}
	*dst = m.Value.Text
	if nonEmpty && *dst == "" {
		return fmt.Errorf("%s: empty", m.Name)
	}
	return nil
}

func decodeStrings(m *jsontree.Member) ([]string, error) {
	if m.Value.Kind != jsontree.Array {
		return nil, fmt.Errorf("%s: expected an array of key names, got %s", m.Name, m.Value.Kind.Describe())
	}
	arr, err := m.Value.Expand(0)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", m.Name, err)
	}
	out := make([]string, len(arr.Items))
	for i, it := range arr.Items {
		if it.Kind != jsontree.String {
			return nil, fmt.Errorf("%s[%d]: expected a key name (a string), got %s", m.Name, i, it.Kind.Describe())
		}
		out[i] = it.Text
	}
	return out, nil
}

// setContext adds one context entry: a string is a single-valued key, an
// array of strings a multi-valued one.
func setContext(ctx *eval.Context, m *jsontree.Member) error {
	at := fmt.Sprintf("context[%q]", m.Name)
	switch m.Value.Kind {
	case jsontree.String:
		ctx.Set(m.Name, m.Value.Text)
	case jsontree.Array:
		arr, err := m.Value.Expand(0)
		if err != nil {
			return fmt.Errorf("%s: %v", at, err)
		}
		vals := make([]string, len(arr.Items))
		for i, it := range arr.Items {
			if it.Kind != jsontree.String {
				return fmt.Errorf("%s[%d]: expected a string, got %s", at, i, it.Kind.Describe())
			}
			vals[i] = it.Text
		}
		ctx.SetMulti(m.Name, vals)
	default:
		return fmt.Errorf("%s: expected a string or an array of strings, got %s (write numbers and booleans as strings: \"true\", \"42\")", at, m.Value.Kind.Describe())
	}
	return nil
}

// policy compiles one policy document, once per distinct text in a batch:
// the request was parsed shallow, and only a document not seen before is
// built in full.
func (d *decoder) policy(path string, v *jsontree.Value) (*eval.Policy, error) {
	if v.Kind != jsontree.Object {
		return nil, fmt.Errorf("%s: expected a policy document (a JSON object), got %s", path, v.Kind.Describe())
	}
	if p, ok := d.policies[string(v.Raw)]; ok {
		return p, nil
	}
	full, err := jsontree.Parse(v.Raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	p, err := eval.ParsePolicyValue(&full)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if d.policies == nil || len(d.policies) >= maxCachedPolicies {
		// A batch of ever new texts gains nothing from the cache, and a
		// large one costs the garbage collector: start over.
		d.policies = map[string]*eval.Policy{}
	}
	d.policies[string(v.Raw)] = p
	return p, nil
}

func (d *decoder) policyList(path string, lazy *jsontree.Value) ([]*eval.Policy, error) {
	if lazy.Kind != jsontree.Array {
		return nil, fmt.Errorf("%s: expected an array of policy documents, got %s", path, lazy.Kind.Describe())
	}
	v, err := lazy.Expand(0)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	out := make([]*eval.Policy, len(v.Items))
	for i := range v.Items {
		p, err := d.policy(fmt.Sprintf("%s[%d]", path, i), &v.Items[i])
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// levels decodes scps or rcps: an array of {"target", "policies"}.
func (d *decoder) levels(path string, lazy *jsontree.Value) ([]eval.Level, error) {
	if lazy.Kind != jsontree.Array {
		return nil, fmt.Errorf("%s: expected an array of levels ({\"target\": ..., \"policies\": [...]}), got %s", path, lazy.Kind.Describe())
	}
	v, err := lazy.Expand(0)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	out := make([]eval.Level, len(v.Items))
	for i := range v.Items {
		at := fmt.Sprintf("%s[%d]", path, i)
		if v.Items[i].Kind != jsontree.Object {
			return nil, fmt.Errorf("%s: expected an object, got %s", at, v.Items[i].Kind.Describe())
		}
		it, err := v.Items[i].Expand(1)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", at, err)
		}
		seen := map[string]bool{}
		for j := range it.Members {
			m := &it.Members[j]
			if seen[m.Name] {
				return nil, fmt.Errorf("%s.%s: given twice", at, m.Name)
			}
			seen[m.Name] = true
			var err error
			switch m.Name {
			case "target":
				if m.Value.Kind != jsontree.String {
					err = fmt.Errorf("%s.target: expected a string, got %s", at, m.Value.Kind.Describe())
				}
				out[i].Target = m.Value.Text
			case "policies":
				out[i].Policies, err = d.policyList(at+".policies", &m.Value)
			default:
				err = fmt.Errorf("%s[%q]: unknown field: a level has target and policies", at, m.Name)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
