// Package model is gatehouse's access model: the types of the YAML file
// (format version 1, see docs/access-model.md), loading with source positions,
// and validation that reports every problem at once. It is pure: no AWS SDK,
// no CLI framework, no I/O beyond reading the file it is asked to load.
package model

import (
	"fmt"
	"strings"
	"time"
)

// DefaultFile is the model file used when -f is not given.
const DefaultFile = "gatehouse.yaml"

// DefaultProvisioningRole is assumed in member accounts to manage IAM roles.
const DefaultProvisioningRole = "OrganizationAccountAccessRole"

// Identity sources.
const (
	IdentitySourceInternal = "internal"
	IdentitySourceExternal = "external"
)

// Pos is a position in a model file (1-based line and column).
type Pos struct {
	File string
	Line int
	Col  int
}

// String renders "file:line:col", or the file alone when the line is unknown.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Model is a loaded access model. Slices keep the order of the file; names are
// unique within each kind once Validate reports no problem.
type Model struct {
	File           string
	Version        int
	IdentityCenter IdentityCenter
	Accounts       []Account
	Users          []User
	Groups         []Group
	PermissionSets []PermissionSet
	Assignments    []Assignment
	Roles          []Role
	// Positions maps the path of every key and list entry of the file to
	// where its value is written, so that checks made after loading can
	// point at the exact line: "identity_center.region",
	// "permission_sets.Admin.session_duration", "assignments[0].groups[1]",
	// "roles.Deploy.trust[0].account",
	// "permission_sets.Admin.inline_policy.Statement[0].Effect". See At.
	Positions map[string]Pos
}

// At returns where the value at path is written. When path itself was not
// recorded (an optional key left out), it returns the position of the
// nearest enclosing path that was, and the start of the file as a last
// resort, so the result always has a line.
func (m *Model) At(path string) Pos {
	for p := path; p != ""; p = parentPath(p) {
		if pos, ok := m.Positions[p]; ok {
			return pos
		}
	}
	return Pos{File: m.File, Line: 1, Col: 1}
}

// parentPath strips the last segment of a position path: "a.b[2]" -> "a.b",
// "a.b" -> "a", "a" -> "".
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// IdentityCenter holds the identity_center settings.
type IdentityCenter struct {
	Region           string // where Identity Center lives
	IdentitySource   string // internal (default) or external
	StartURL         string
	HubAccount       string // account name where hop permission sets are assigned
	ProvisioningRole string // assumed in member accounts; DefaultProvisioningRole when empty
	InstanceARN      string // optional: discovered when empty
	IdentityStoreID  string // optional: discovered when empty
	Pos              Pos
}

// Account names an AWS account. Member accounts come from Organizations;
// external ones (External) belong to other organizations and are reached
// through AdminRole or AdminProfile.
type Account struct {
	Name         string
	ID           string // exactly 12 digits
	External     bool
	OU           string            // member: expected OU path such as Workloads/Prod
	Tags         map[string]string // member: expected tags; external: what selectors see
	AdminRole    string            // external: role ARN gatehouse assumes to manage it
	AdminProfile string            // external: AWS profile used instead of AdminRole
	SAML         *SAMLAccess       // external: the Identity Center SAML application path (seed 004)
	Pos          Pos
}

// SAMLAccess configures an external account reached through an Identity Center
// "External AWS Account" SAML application instead of role chaining.
type SAMLAccess struct {
	Metadata      string   // path of the Identity Center SAML metadata XML file, relative to the model
	Provider      string   // IAM SAML provider name; default "AWSIdentityCenter"
	Role          string   // role name to create in the account
	Policies      []string // managed policy ARNs attached to that role
	PermissionSet string   // optional: a permission set whose policies the role carries instead
	// MetadataXML is the content of the Metadata file, read by Load (the
	// core packages do no I/O); "" when the file could not be read, which
	// Load reports as a problem at the metadata key.
	MetadataXML string
	Pos         Pos
}

// User is an Identity Store user (identity_source internal) or a reference to
// one provisioned by an external IdP.
type User struct {
	Name        string // the Identity Store UserName
	Email       string
	GivenName   string
	FamilyName  string
	DisplayName string // default "GivenName FamilyName"
	Pos         Pos
}

// Group is an Identity Store group with its members (user names).
type Group struct {
	Name        string
	Description string
	Members     []string
	MemberPos   []Pos // position of each member, same index as Members
	Pos         Pos
}

// PolicyRef names a customer-managed IAM policy by name and path, as
// Identity Center references them in every account a permission set reaches.
type PolicyRef struct {
	Name string
	Path string // default "/"
}

// Boundary is a permissions boundary: exactly one of ManagedPolicyARN and
// CustomerManaged is set.
type Boundary struct {
	ManagedPolicyARN string
	CustomerManaged  *PolicyRef
}

// PermissionSet is an Identity Center permission set.
type PermissionSet struct {
	Name                    string
	Description             string
	SessionDuration         time.Duration // 0 means AWS's default of 1h
	RelayState              string
	ManagedPolicies         []string
	CustomerManagedPolicies []PolicyRef
	PermissionsBoundary     *Boundary
	InlinePolicy            string // compact JSON; "" when none
	Tags                    map[string]string
	Pos                     Pos
}

// AccountSelector chooses accounts: by name, every active member account, or
// member accounts by OU path and/or tags, less Exclude. OU and Tags combine
// with AND; several OUs combine with OR.
type AccountSelector struct {
	Names   []string
	All     bool
	OUs     []string
	Tags    map[string]string
	Exclude []string
	Pos     Pos
}

// IsZero reports whether the selector selects nothing at all.
func (s AccountSelector) IsZero() bool {
	return len(s.Names) == 0 && !s.All && len(s.OUs) == 0 && len(s.Tags) == 0
}

// Assignment gives groups and users permission sets in the selected accounts.
type Assignment struct {
	Groups         []string
	Users          []string
	PermissionSets []string
	Accounts       AccountSelector
	Pos            Pos
}

// Conditions narrow who may assume a role.
type Conditions struct {
	ExternalID     string // sts:ExternalId must equal this
	MFA            bool   // aws:MultiFactorAuthPresent must be true
	PrincipalOrgID string // aws:PrincipalOrgID must equal this
}

// IsZero reports whether no condition is set.
func (c Conditions) IsZero() bool { return c == Conditions{} }

// TrustEntry says who may assume a role. Exactly one of Account, Role and
// PermissionSet is the subject:
//   - Account: an account of the model (name) or any 12-digit account ID;
//     Principal optionally narrows it to principals whose ARN matches a
//     pattern such as "role/ci-*" (an aws:PrincipalArn condition).
//   - Role: "Name@account", a role of the model in one of its accounts.
//   - PermissionSet: the AWSReservedSSO role of a permission set in Account
//     (default: identity_center.hub_account).
type TrustEntry struct {
	Account       string
	Principal     string
	Role          string
	PermissionSet string
	Tighten       bool // name the exact role ARN once it exists
	Conditions    Conditions
	Pos           Pos
}

// RoleRef is "Name@account" parsed.
type RoleRef struct {
	Role    string
	Account string
	Pos     Pos
}

// String renders the reference as written: "Name@account".
func (r RoleRef) String() string { return r.Role + "@" + r.Account }

// Role is a cross-account IAM role created in every selected account.
type Role struct {
	Name            string
	Description     string
	Path            string // default "/"
	Accounts        AccountSelector
	Trust           []TrustEntry
	CanAssume       []RoleRef
	ManagedPolicies []string
	InlinePolicy    string // compact JSON; "" when none
	// PermissionsBoundary caps what the role may do: an AWS managed policy,
	// or a customer-managed policy resolved in each account the role is in.
	PermissionsBoundary *Boundary
	MaxSession          time.Duration // 0 means 1h
	Conditions          Conditions    // applied to every trust entry
	Tags                map[string]string
	Adopt               bool // take over a same-named role not made by gatehouse
	Pos                 Pos
}

// Account returns the account with the given name.
func (m *Model) Account(name string) (Account, bool) {
	for _, a := range m.Accounts {
		if a.Name == name {
			return a, true
		}
	}
	return Account{}, false
}

// AccountByID returns the account with the given 12-digit ID.
func (m *Model) AccountByID(id string) (Account, bool) {
	for _, a := range m.Accounts {
		if a.ID == id {
			return a, true
		}
	}
	return Account{}, false
}

// PermissionSet returns the permission set with the given name.
func (m *Model) PermissionSet(name string) (PermissionSet, bool) {
	for _, p := range m.PermissionSets {
		if p.Name == name {
			return p, true
		}
	}
	return PermissionSet{}, false
}

// ProvisioningRoleName returns the role assumed in member accounts.
func (ic IdentityCenter) ProvisioningRoleName() string {
	if ic.ProvisioningRole == "" {
		return DefaultProvisioningRole
	}
	return ic.ProvisioningRole
}
