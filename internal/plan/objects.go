package plan

import "github.com/gatehouse-dev/gatehouse/internal/state"

// The objects of a plan are internal/state's types (their JSON names are
// the plan format); Membership and Provision are changes with no object of
// their own in state.

// Membership puts a user in a group.
type Membership struct {
	Group string `json:"group"`
	User  string `json:"user"`
}

// Provision pushes a permission set's latest version to an account.
type Provision struct {
	PermissionSet string `json:"permission_set"`
	AccountID     string `json:"account_id"`
}

// The plan carries an object as it is to be changed: memberships are changes
// of their own (not members of a group), and what only the live read knows
// about a permission set (its out-of-date accounts, its ownership marker)
// is the plan's reasoning, not part of the change.

func groupObject(g state.Group) *state.Group {
	g.Members = nil
	return &g
}

func permissionSetObject(p state.PermissionSet) *state.PermissionSet {
	p.OutdatedAccounts = nil
	p.Managed = false
	return &p
}

func object[T any](v T) *T { return &v }
