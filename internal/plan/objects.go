package plan

import (
	"maps"
	"slices"
	"strings"

	"github.com/gatehouse-dev/gatehouse/internal/state"
)

// The object types below are the public JSON shape of a plan (snake_case,
// documented in docs/plan-apply.md). They mirror internal/state so that the
// plan format stays stable when the internal types change.

// User is an Identity Store user.
type User struct {
	UserName    string `json:"user_name"`
	DisplayName string `json:"display_name"`
	GivenName   string `json:"given_name"`
	FamilyName  string `json:"family_name"`
	Email       string `json:"email,omitempty"`
	ID          string `json:"id,omitempty"` // live side only
}

// Group is an Identity Store group; members are separate changes.
type Group struct {
	DisplayName string `json:"display_name"`
	Description string `json:"description,omitempty"`
	ID          string `json:"id,omitempty"` // live side only
}

// Membership puts a user in a group.
type Membership struct {
	Group string `json:"group"`
	User  string `json:"user"`
}

// PolicyRef is a customer-managed policy reference.
type PolicyRef struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// Boundary is a permissions boundary: an AWS-managed policy ARN or a
// customer-managed policy reference.
type Boundary struct {
	ManagedPolicyARN string     `json:"managed_policy_arn,omitempty"`
	CustomerManaged  *PolicyRef `json:"customer_managed,omitempty"`
}

// PermissionSet is a permission set with every attribute.
type PermissionSet struct {
	Name                    string            `json:"name"`
	Description             string            `json:"description,omitempty"`
	SessionDuration         string            `json:"session_duration"`
	RelayState              string            `json:"relay_state,omitempty"`
	ManagedPolicies         []string          `json:"managed_policies,omitempty"`
	CustomerManagedPolicies []PolicyRef       `json:"customer_managed_policies,omitempty"`
	PermissionsBoundary     *Boundary         `json:"permissions_boundary,omitempty"`
	InlinePolicy            string            `json:"inline_policy,omitempty"`
	Tags                    map[string]string `json:"tags,omitempty"`
	ARN                     string            `json:"arn,omitempty"` // live side only
}

// Provision pushes a permission set's latest version to an account.
type Provision struct {
	PermissionSet string `json:"permission_set"`
	AccountID     string `json:"account_id"`
}

// Assignment gives a principal a permission set in an account.
type Assignment struct {
	AccountID     string `json:"account_id"`
	PermissionSet string `json:"permission_set"`
	PrincipalType string `json:"principal_type"` // GROUP or USER
	PrincipalName string `json:"principal_name"`
}

// Principal is the principal written type:name, e.g. group:Engineers.
func (a Assignment) Principal() string {
	return strings.ToLower(a.PrincipalType) + ":" + a.PrincipalName
}

// State returns the assignment as internal/state writes it.
func (a Assignment) State() state.Assignment {
	return state.Assignment{AccountID: a.AccountID, PermissionSet: a.PermissionSet, PrincipalType: a.PrincipalType, PrincipalName: a.PrincipalName}
}

func fromUser(u state.User) *User {
	return &User{UserName: u.UserName, DisplayName: u.DisplayName, GivenName: u.GivenName, FamilyName: u.FamilyName, Email: u.Email, ID: u.ID}
}

// State returns the user as internal/state writes it.
func (u User) State() state.User {
	return state.User{UserName: u.UserName, DisplayName: u.DisplayName, GivenName: u.GivenName, FamilyName: u.FamilyName, Email: u.Email, ID: u.ID}
}

func fromGroup(g state.Group) *Group {
	return &Group{DisplayName: g.DisplayName, Description: g.Description, ID: g.ID}
}

func fromAssignment(a state.Assignment) *Assignment {
	return &Assignment{AccountID: a.AccountID, PermissionSet: a.PermissionSet, PrincipalType: a.PrincipalType, PrincipalName: a.PrincipalName}
}

func fromPolicyRef(r state.PolicyRef) PolicyRef { return PolicyRef{Name: r.Name, Path: r.Path} }

func (r PolicyRef) state() state.PolicyRef { return state.PolicyRef{Name: r.Name, Path: r.Path} }

func fromPermissionSet(p state.PermissionSet) *PermissionSet {
	out := &PermissionSet{
		Name:            p.Name,
		Description:     p.Description,
		SessionDuration: p.SessionDuration,
		RelayState:      p.RelayState,
		ManagedPolicies: slices.Clone(p.ManagedPolicies),
		InlinePolicy:    p.InlinePolicy,
		Tags:            maps.Clone(p.Tags),
		ARN:             p.ARN,
	}
	for _, r := range p.CustomerManagedPolicies {
		out.CustomerManagedPolicies = append(out.CustomerManagedPolicies, fromPolicyRef(r))
	}
	if b := p.PermissionsBoundary; b != nil {
		out.PermissionsBoundary = &Boundary{ManagedPolicyARN: b.ManagedPolicyARN}
		if b.CustomerManaged != nil {
			r := fromPolicyRef(*b.CustomerManaged)
			out.PermissionsBoundary.CustomerManaged = &r
		}
	}
	return out
}

// State returns the permission set as internal/state writes it.
func (p PermissionSet) State() state.PermissionSet {
	out := state.PermissionSet{
		Name:            p.Name,
		Description:     p.Description,
		SessionDuration: p.SessionDuration,
		RelayState:      p.RelayState,
		ManagedPolicies: slices.Clone(p.ManagedPolicies),
		InlinePolicy:    p.InlinePolicy,
		Tags:            maps.Clone(p.Tags),
		ARN:             p.ARN,
	}
	for _, r := range p.CustomerManagedPolicies {
		out.CustomerManagedPolicies = append(out.CustomerManagedPolicies, r.state())
	}
	if b := p.PermissionsBoundary; b != nil {
		out.PermissionsBoundary = &state.Boundary{ManagedPolicyARN: b.ManagedPolicyARN}
		if b.CustomerManaged != nil {
			r := b.CustomerManaged.state()
			out.PermissionsBoundary.CustomerManaged = &r
		}
	}
	return out
}

// String writes a boundary for people: the ARN, or path+name of a
// customer-managed policy.
func (b *Boundary) String() string {
	switch {
	case b == nil:
		return ""
	case b.CustomerManaged != nil:
		return "customer-managed " + b.CustomerManaged.Path + b.CustomerManaged.Name
	default:
		return b.ManagedPolicyARN
	}
}
