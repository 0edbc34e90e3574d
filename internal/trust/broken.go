package trust

import (
	"fmt"
	"regexp"
)

// uniqueID matches the unique ID IAM shows in place of a role (AROA) or user
// (AIDA) principal that was deleted after the policy was written.
var uniqueID = regexp.MustCompile(`^(AROA|AIDA)[A-Z0-9]{16,}$`)

// Broken is a principal of a trust policy that has become a bare unique ID:
// the role or user it named was deleted, and the policy matches nobody in its
// place, not even a re-created entity of the same name.
type Broken struct {
	Statement int    // index of the statement in the policy
	Sid       string // the statement's Sid, if any
	ID        string // the unique ID, e.g. AROA...
	Kind      string // "role" or "user"
}

// Message says what is wrong, for the plan.
func (b Broken) Message() string {
	return fmt.Sprintf("trust statement %d names %s, the unique ID of a deleted %s: it matches nobody, not even a %s re-created with the same name",
		b.Statement+1, b.ID, b.Kind, b.Kind)
}

// Fix says what to do about it.
func (b Broken) Fix() string {
	return "gatehouse apply rewrites the trust from the model, which binds it to the " + b.Kind + " that exists now; " +
		"to survive the next re-creation, trust by aws:PrincipalArn instead (drop tighten: true from the trust entry)"
}

// FindBroken returns the principals of a trust policy (JSON or URL-encoded
// JSON, as IAM returns it) that are bare AROA/AIDA unique IDs.
func FindBroken(doc string) ([]Broken, error) {
	stmts, err := statements(doc)
	if err != nil {
		return nil, fmt.Errorf("reading trust policy: %w", err)
	}
	var out []Broken
	for i, s := range stmts {
		for _, p := range awsPrincipals(s.Principal) {
			m := uniqueID.FindStringSubmatch(p)
			if m == nil {
				continue
			}
			kind := "role"
			if m[1] == "AIDA" {
				kind = "user"
			}
			out = append(out, Broken{Statement: i, Sid: s.Sid, ID: p, Kind: kind})
		}
	}
	return out, nil
}
