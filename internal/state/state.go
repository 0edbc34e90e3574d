// Package state is gatehouse's vocabulary: one Go type for each thing it
// manages (an account of the organization, a user, a group, a permission
// set, an assignment, an IAM role, a SAML provider) and State, a whole side
// of a comparison. Model expansion (internal/expand) and trust derivation
// (internal/trust) build a desired State, the adapters read a live one, and
// internal/plan, internal/render, internal/apply and the audit use the very
// same types: nothing is copied field by field between packages.
//
// Defaults are applied once, where a value enters: Normalize when desired
// state is built from the model and when live state is read from AWS
// (normalize.go). Downstream code compares values as they are.
//
// The JSON names of the types are part of the saved-plan format (see
// docs/plan-apply.md). The package is pure data plus account selection
// (select.go): no AWS SDK, no I/O.
package state

import "strings"

// OrgAccount is an account of the organization as Organizations reports it.
type OrgAccount struct {
	ID     string
	Name   string
	Email  string
	Status string // ACTIVE, SUSPENDED, PENDING_CLOSURE
	OUPath string // path from the root, e.g. "Workloads/Prod"; "" at the root
	Tags   map[string]string
}

// Active reports whether the account can receive access.
func (a OrgAccount) Active() bool { return a.Status == "" || a.Status == "ACTIVE" }

// Organization is what the organization adapter reads.
type Organization struct {
	ID                  string // o-...
	ManagementAccountID string
	Accounts            []OrgAccount // sorted by ID
	OUs                 []string     // every OU path, sorted
	// RootID is the organization's root (r-...), and OUIDs maps each OU
	// path to its ID (ou-...), so that policies attached to them can be
	// named; both are empty when the reader did not record them.
	RootID string
	OUIDs  map[string]string
}

// Account returns the account with the given ID.
func (o *Organization) Account(id string) (OrgAccount, bool) {
	for _, a := range o.Accounts {
		if a.ID == id {
			return a, true
		}
	}
	return OrgAccount{}, false
}

// Principal types, as Identity Center names them.
const (
	PrincipalGroup = "GROUP"
	PrincipalUser  = "USER"
)

// Ownership markers. Only objects that carry them are ever updated or
// deleted by gatehouse (docs/adr/0001-ownership.md).
const (
	// ManagedTagKey and ManagedTagValue mark an IAM role or SAML provider as
	// created by gatehouse (a role of the model with adopt: true gets it on
	// takeover).
	ManagedTagKey   = "gatehouse:managed"
	ManagedTagValue = "true"
	// OwnerTagKey and OwnerTagValue mark a permission set as created by
	// gatehouse. The Identity Center reader removes the tag from the tags it
	// reports and sets PermissionSet.Managed instead.
	OwnerTagKey   = "gatehouse:managed-by"
	OwnerTagValue = "gatehouse"
)

// User is an Identity Store user.
type User struct {
	UserName    string `json:"user_name"`
	DisplayName string `json:"display_name"`
	GivenName   string `json:"given_name"`
	FamilyName  string `json:"family_name"`
	Email       string `json:"email,omitempty"`
	ID          string `json:"id,omitempty"` // live only: the Identity Store user ID
}

// Group is an Identity Store group with its members' user names, sorted.
// A plan carries memberships as changes of their own, never in a group.
type Group struct {
	DisplayName string   `json:"display_name"`
	Description string   `json:"description,omitempty"`
	Members     []string `json:"members,omitempty"`
	ID          string   `json:"id,omitempty"` // live only
}

// PolicyRef is a customer-managed policy reference (name and path), as
// Identity Center resolves it in every account a permission set reaches.
type PolicyRef struct {
	Name string `json:"name"`
	Path string `json:"path"` // always set once normalized; "/" by default
}

// String writes the reference as path and name, e.g. "/team/Deploy".
func (r PolicyRef) String() string { return r.Path + r.Name }

// Boundary is a permissions boundary: one of ManagedPolicyARN or
// CustomerManaged.
type Boundary struct {
	ManagedPolicyARN string     `json:"managed_policy_arn,omitempty"`
	CustomerManaged  *PolicyRef `json:"customer_managed,omitempty"`
}

// String writes a boundary for people: the ARN, or path+name of a
// customer-managed policy.
func (b *Boundary) String() string {
	switch {
	case b == nil:
		return ""
	case b.CustomerManaged != nil:
		return "customer-managed " + b.CustomerManaged.String()
	default:
		return b.ManagedPolicyARN
	}
}

// ARN returns the boundary as a policy ARN in accountID: a customer-managed
// reference resolves there, as Identity Center resolves it.
func (b *Boundary) ARN(accountID string) string {
	switch {
	case b == nil:
		return ""
	case b.CustomerManaged != nil:
		return PolicyARN(accountID, b.CustomerManaged.Path, b.CustomerManaged.Name)
	default:
		return b.ManagedPolicyARN
	}
}

// PermissionSet is an Identity Center permission set with all its
// attributes. Lists are sorted so that two equal sets compare equal.
type PermissionSet struct {
	Name                    string            `json:"name"`
	Description             string            `json:"description,omitempty"`
	SessionDuration         string            `json:"session_duration"` // ISO 8601, e.g. "PT8H"; always set once normalized
	RelayState              string            `json:"relay_state,omitempty"`
	ManagedPolicies         []string          `json:"managed_policies,omitempty"`
	CustomerManagedPolicies []PolicyRef       `json:"customer_managed_policies,omitempty"`
	PermissionsBoundary     *Boundary         `json:"permissions_boundary,omitempty"`
	InlinePolicy            string            `json:"inline_policy,omitempty"` // canonical JSON, "" when none
	Tags                    map[string]string `json:"tags,omitempty"`

	ARN string `json:"arn,omitempty"` // live only
	// OutdatedAccounts lists, live only, the accounts where the permission
	// set is provisioned but not at its latest version.
	OutdatedAccounts []string `json:"outdated_accounts,omitempty"`
	// Managed is live only: the set carries gatehouse's ownership marker.
	Managed bool `json:"managed,omitempty"`
}

// Assignment gives a principal a permission set in an account.
type Assignment struct {
	AccountID     string `json:"account_id"`
	PermissionSet string `json:"permission_set"` // name
	PrincipalType string `json:"principal_type"` // PrincipalGroup or PrincipalUser
	PrincipalName string `json:"principal_name"` // group display name or user name
}

// Principal is the principal written type:name, e.g. group:Engineers.
func (a Assignment) Principal() string {
	return strings.ToLower(a.PrincipalType) + ":" + a.PrincipalName
}

// Role is an IAM role in one account.
type Role struct {
	AccountID   string `json:"account_id"`
	Name        string `json:"name"`
	Path        string `json:"path"` // "/" by default, always set once normalized
	Description string `json:"description,omitempty"`
	TrustPolicy string `json:"trust_policy"` // canonical JSON
	// ManagedPolicies are the ARNs of the attached managed policies, sorted.
	ManagedPolicies []string `json:"managed_policies,omitempty"`
	// InlinePolicies maps policy name to canonical JSON; nil when none.
	InlinePolicies map[string]string `json:"inline_policies,omitempty"`
	// MaxSessionDuration is in seconds, 3600..43200; always set once
	// normalized.
	MaxSessionDuration int `json:"max_session_duration"`
	// PermissionsBoundary is the ARN of the role's permissions boundary
	// policy, "" when none (a hop role carries its permission set's).
	PermissionsBoundary string            `json:"permissions_boundary,omitempty"`
	Tags                map[string]string `json:"tags,omitempty"`
	// Managed is live only: the role carries gatehouse's ownership tag.
	Managed bool `json:"managed,omitempty"`
	// Adopt is desired only: take over a same-named role not made by
	// gatehouse (the model's adopt: true) instead of reporting it.
	Adopt bool `json:"adopt,omitempty"`
}

// Key is the role's key in State.Roles.
func (r Role) Key() string { return RoleKey(r.AccountID, r.Name) }

// ARN is the role's ARN.
func (r Role) ARN() string { return RoleARN(r.AccountID, r.Path, r.Name) }

// SAMLProvider is an IAM SAML identity provider in one account (the SAML
// path of an external account, see docs/cross-account.md).
type SAMLProvider struct {
	AccountID        string            `json:"account_id"`
	Name             string            `json:"name"`
	MetadataDocument string            `json:"metadata_document"` // the identity provider's SAML metadata XML
	Tags             map[string]string `json:"tags,omitempty"`
	ARN              string            `json:"arn,omitempty"`     // live only
	Managed          bool              `json:"managed,omitempty"` // live only: carries gatehouse's ownership tag
}

// Key is the provider's key in State.SAMLProviders.
func (p SAMLProvider) Key() string { return SAMLProviderKey(p.AccountID, p.Name) }

// State is one side of a comparison. Maps are keyed by name; Roles and
// SAMLProviders by "accountID/name" (RoleKey, SAMLProviderKey).
type State struct {
	Users          map[string]User          `json:"users"`
	Groups         map[string]Group         `json:"groups"`
	PermissionSets map[string]PermissionSet `json:"permission_sets"`
	Assignments    []Assignment             `json:"assignments"` // sorted, no duplicates
	Roles          map[string]Role          `json:"roles"`
	SAMLProviders  map[string]SAMLProvider  `json:"saml_providers"`
}

// RoleKey is the key of a role in State.Roles.
func RoleKey(accountID, name string) string { return accountID + "/" + name }

// SAMLProviderKey is the key of a SAML provider in State.SAMLProviders.
func SAMLProviderKey(accountID, name string) string { return accountID + "/" + name }

// New returns an empty State with its maps made.
func New() *State {
	return &State{
		Users:          map[string]User{},
		Groups:         map[string]Group{},
		PermissionSets: map[string]PermissionSet{},
		Roles:          map[string]Role{},
		SAMLProviders:  map[string]SAMLProvider{},
	}
}

// IAMUser is an IAM user as the audit reads it: gatehouse never manages IAM
// users, but their long-term keys can assume roles.
type IAMUser struct {
	AccountID           string
	Name                string
	Path                string
	ARN                 string
	InlinePolicies      map[string]string // name -> canonical JSON
	ManagedPolicies     []string          // ARNs
	Groups              []string          // IAM group names
	PermissionsBoundary string            // policy ARN, "" for none
	Tags                map[string]string
}

// IAMGroup is an IAM group: its policies apply to its users.
type IAMGroup struct {
	AccountID       string
	Name            string
	Path            string
	ARN             string
	InlinePolicies  map[string]string
	ManagedPolicies []string
}

// IAMAccount is what IAM in one account holds that decides who may do
// what: every role (gatehouse's, hand-made, AWSReservedSSO), user and group
// with their policies, and the documents of the customer managed policies.
type IAMAccount struct {
	AccountID string
	Roles     []Role
	Users     []IAMUser
	Groups    []IAMGroup
	// Policies maps a customer managed policy's ARN to its default
	// version's document (canonical JSON).
	Policies map[string]string
}
