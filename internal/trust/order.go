package trust

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/policy"
	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// roleARNPattern matches a role ARN (with any path) and captures its account
// and name; a role's name is unique in its account whatever its path.
var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/(?:[^*?]*/)?([A-Za-z0-9_+=,.@-]+)$`)

// CycleError reports roles that name each other as exact principals in a
// cycle: IAM refuses a trust policy naming a role that does not exist yet, so
// none of them can be created first.
type CycleError struct {
	// Keys are the roles of the cycle ("accountID/name"), each trusting the
	// next and the last trusting the first.
	Keys []string
}

func (c *CycleError) Error() string {
	chain := strings.Join(append(slices.Clone(c.Keys), c.Keys[0]), " trusts ")
	return fmt.Sprintf("roles trust each other by exact ARN in a cycle (%s), so none can be created first", chain)
}

// ExactPrincipals returns the role keys ("accountID/name") a trust policy
// names as exact AWS principals: IAM resolves those to the roles' unique IDs
// when the policy is written, so the roles must exist by then.
func ExactPrincipals(doc string) ([]string, error) {
	stmts, err := statements(doc)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, s := range stmts {
		for _, p := range awsPrincipals(s.Principal) {
			if m := roleARNPattern.FindStringSubmatch(p); m != nil {
				keys = append(keys, state.RoleKey(m[1], m[2]))
			}
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// CreateOrder returns the keys of docs (role key -> trust policy) in an order
// where every role comes after the roles of docs its trust policy names as
// exact principals, and otherwise by key. Roles named but not in docs are
// outside the order (they exist already, or the plan reports them). A cycle
// is a *CycleError.
func CreateOrder(docs map[string]string) ([]string, error) {
	deps := make(map[string][]string, len(docs))
	dependents := map[string][]string{}
	pending := make(map[string]int, len(docs))
	parsed := map[string][]string{} // roles of one model role share a document
	for _, k := range slices.Sorted(maps.Keys(docs)) {
		names, ok := parsed[docs[k]]
		if !ok {
			var err error
			if names, err = ExactPrincipals(docs[k]); err != nil {
				return nil, fmt.Errorf("reading the trust policy of role %s: %w", k, err)
			}
			parsed[docs[k]] = names
		}
		pending[k] = 0
		for _, d := range names {
			if _, ok := docs[d]; ok {
				deps[k] = append(deps[k], d)
				dependents[d] = append(dependents[d], k)
				pending[k]++
			}
		}
	}
	var ready []string
	for k, n := range pending {
		if n == 0 {
			ready = append(ready, k)
		}
	}
	slices.Sort(ready)
	order := make([]string, 0, len(docs))
	for len(ready) > 0 {
		k := ready[0]
		ready = ready[1:]
		order = append(order, k)
		delete(pending, k)
		for _, d := range dependents[k] {
			pending[d]--
			if pending[d] == 0 {
				i, _ := slices.BinarySearch(ready, d)
				ready = slices.Insert(ready, i, d)
			}
		}
	}
	if len(pending) > 0 {
		return nil, findCycle(pending, deps)
	}
	return order, nil
}

// findCycle walks dependencies among the roles left over by CreateOrder:
// each has a dependency left, so the walk must come back on itself.
func findCycle(left map[string]int, deps map[string][]string) *CycleError {
	at := slices.Sorted(maps.Keys(left))[0]
	seen := map[string]int{}
	var path []string
	for {
		if i, ok := seen[at]; ok {
			return &CycleError{Keys: path[i:]}
		}
		seen[at] = len(path)
		path = append(path, at)
		for _, d := range slices.Sorted(slices.Values(deps[at])) {
			if _, ok := left[d]; ok {
				at = d
				break
			}
		}
	}
}

// rawStatement is the part of a policy statement trust analysis reads.
type rawStatement struct {
	Sid       string          `json:"Sid"`
	Principal json.RawMessage `json:"Principal"`
}

// statements parses a policy document's statements (after URL-decoding and
// canonicalizing it, so Statement is always a list).
func statements(doc string) ([]rawStatement, error) {
	c, err := policy.Canonical(doc)
	if err != nil {
		return nil, err
	}
	if c == "" {
		return nil, nil
	}
	var d struct {
		Statement []rawStatement `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(c), &d); err != nil {
		return nil, fmt.Errorf("policy statements are not objects: %w", err)
	}
	return d.Statement, nil
}

// awsPrincipals returns the "AWS" principals of a Principal element.
func awsPrincipals(raw json.RawMessage) []string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	v, ok := m["AWS"]
	if !ok {
		return nil
	}
	var list []string
	if json.Unmarshal(v, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(v, &one) == nil {
		return []string{one}
	}
	return nil
}
